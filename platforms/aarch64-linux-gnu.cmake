# aarch64-linux-gnu.cmake - cross toolchain for 64-bit Arm Linux (glibc),
# with the test binaries run under qemu-user.
#
#   cmake -S . -B build-aarch64 \
#         -DCMAKE_TOOLCHAIN_FILE=platforms/aarch64-linux-gnu.cmake
#   cmake --build build-aarch64 && ctest --test-dir build-aarch64
#
# Debian/Ubuntu packages: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
# qemu-user.  ci/cross/aarch64-qemu.sh installs them and runs both the
# plain and the -DWEFT_BTI=ON build.
#
# Knobs (cache variables, or environment variables of the same name when
# the cache variable is unset):
#   WEFT_AARCH64_PREFIX   compiler prefix        (default aarch64-linux-gnu-)
#   WEFT_AARCH64_SYSROOT  target root for qemu -L and find_*()
#                                                (default /usr/aarch64-linux-gnu)
#   WEFT_QEMU             the emulator           (default qemu-aarch64)
#   WEFT_QEMU_CPU         qemu -cpu model, e.g. "max" for BTI + PAC, or
#                         "cortex-a72" for a core without them (default:
#                         qemu's own default, which for qemu-aarch64 7.x is
#                         already "max")
#
# ctest runs every test through CMAKE_CROSSCOMPILING_EMULATOR.  Tests that
# re-execute themselves (the harness's child processes) are exec'd by the
# guest; without binfmt_misc registered for aarch64 that exec fails on the
# host, see ci/cross/aarch64-qemu.sh.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

foreach(_v WEFT_AARCH64_PREFIX WEFT_AARCH64_SYSROOT WEFT_QEMU WEFT_QEMU_CPU)
  if(NOT DEFINED ${_v} AND DEFINED ENV{${_v}})
    set(${_v} "$ENV{${_v}}")
  endif()
endforeach()
if(NOT DEFINED WEFT_AARCH64_PREFIX)
  set(WEFT_AARCH64_PREFIX aarch64-linux-gnu-)
endif()
if(NOT DEFINED WEFT_AARCH64_SYSROOT)
  set(WEFT_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
endif()
if(NOT DEFINED WEFT_QEMU)
  set(WEFT_QEMU qemu-aarch64)
endif()
# try_compile() projects re-read this file; hand them the same knobs.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  WEFT_AARCH64_PREFIX WEFT_AARCH64_SYSROOT WEFT_QEMU WEFT_QEMU_CPU)

set(CMAKE_C_COMPILER ${WEFT_AARCH64_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${WEFT_AARCH64_PREFIX}gcc)   # .S goes through cpp: __ARM_FEATURE_* macros

set(CMAKE_FIND_ROOT_PATH ${WEFT_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # build tools come from the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR ${WEFT_QEMU} -L ${WEFT_AARCH64_SYSROOT})
if(WEFT_QEMU_CPU)
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -cpu ${WEFT_QEMU_CPU})
endif()
