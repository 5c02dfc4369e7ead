# platforms/macos.cmake - CMake toolchain file for macOS builds of Weft, one
# architecture per build tree (notes: platforms/macos.md).
#
#   cmake -S . -B build-macos-arm64  -DCMAKE_TOOLCHAIN_FILE=platforms/macos.cmake -DWEFT_MACOS_ARCH=arm64
#   cmake -S . -B build-macos-x86_64 -DCMAKE_TOOLCHAIN_FILE=platforms/macos.cmake -DWEFT_MACOS_ARCH=x86_64
#
# Why a toolchain file on a Mac at all: the top-level CMakeLists.txt picks
# the context switch (switch_<arch>_<abi>_macho.S) from
# CMAKE_SYSTEM_PROCESSOR, which CMake otherwise sets to the *host* CPU even
# when CMAKE_OSX_ARCHITECTURES names another one.  Setting
# CMAKE_SYSTEM_NAME here is what makes CMake keep our CMAKE_SYSTEM_PROCESSOR.
#
# WEFT_MACOS_ARCH: arm64 or x86_64.  Default: CMAKE_OSX_ARCHITECTURES if it
# names one architecture, else the host's.  Universal binaries: build both
# trees and `lipo -create` the results (platforms/macos.md).

set(WEFT_MACOS_ARCH "" CACHE STRING "Target architecture for macOS builds: arm64 or x86_64 (empty: the host's)")
# try_compile projects read this file again; pass them the same choice.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WEFT_MACOS_ARCH)

if(NOT WEFT_MACOS_ARCH)
  if(CMAKE_OSX_ARCHITECTURES)
    set(WEFT_MACOS_ARCH "${CMAKE_OSX_ARCHITECTURES}")
  else()
    set(WEFT_MACOS_ARCH "${CMAKE_HOST_SYSTEM_PROCESSOR}")
  endif()
endif()
if(NOT WEFT_MACOS_ARCH MATCHES "^(arm64|x86_64)$")
  message(FATAL_ERROR "platforms/macos.cmake: WEFT_MACOS_ARCH must be arm64 or x86_64, not '${WEFT_MACOS_ARCH}' "
                      "(for a universal binary, build each and lipo -create them)")
endif()

set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_PROCESSOR "${WEFT_MACOS_ARCH}")
set(CMAKE_OSX_ARCHITECTURES "${WEFT_MACOS_ARCH}" CACHE STRING "macOS architecture (set from WEFT_MACOS_ARCH)" FORCE)
# 11.0 (Big Sur) is the first macOS on Apple silicon; raise it, never lower
# it below 10.15 for x86_64 (untested there).
set(CMAKE_OSX_DEPLOYMENT_TARGET "11.0" CACHE STRING "Minimum macOS version")

# Setting CMAKE_SYSTEM_NAME marks the build as cross-compiling, which skips
# the benchmarks.  It is not cross-compiling when the host can run the
# result: the same architecture, or x86_64 on Apple silicon (Rosetta 2,
# which must be installed: softwareupdate --install-rosetta).
if(CMAKE_HOST_APPLE AND (WEFT_MACOS_ARCH STREQUAL CMAKE_HOST_SYSTEM_PROCESSOR OR WEFT_MACOS_ARCH STREQUAL "x86_64"))
  set(CMAKE_CROSSCOMPILING FALSE)
endif()
