# mingw-w64-x86_64.cmake - cross toolchain for 64-bit Windows (mingw-w64
# gcc), with the test binaries run under Wine.
#
#   cmake -S . -B build-mingw \
#         -DCMAKE_TOOLCHAIN_FILE=platforms/mingw-w64-x86_64.cmake
#   cmake --build build-mingw && ctest --test-dir build-mingw
#
# Debian/Ubuntu packages: gcc-mingw-w64-x86-64 (or mingw-w64), wine,
# wine64.  ci/cross/windows-wine.sh installs them and runs the tests.
#
# Everything is linked -static (libgcc, winpthread), so the .exe files and
# weft.dll need no mingw DLLs next to them, under Wine or on Windows.
#
# Knobs (cache variables, or environment variables of the same name when
# the cache variable is unset):
#   WEFT_MINGW_PREFIX  compiler prefix   (default x86_64-w64-mingw32-)
#   WEFT_WINE          the Wine loader   (default: the first of wine64 or
#                      wine found on PATH or in /usr/lib/wine,
#                      /usr/lib64/wine, /opt/wine-stable/bin)
#   WEFT_WINEPREFIX    the Wine prefix   (default <build dir>/wineprefix)
#
# ctest runs every test through CMAKE_CROSSCOMPILING_EMULATOR, which is
# `env WINEPREFIX=... WINEDEBUG=-all WINEDLLOVERRIDES=... <wine>`:
#   - a private prefix under the build directory, created (wineboot) the
#     first time this file configures the build, so the first test does
#     not pay for it and parallel tests do not race to create it;
#   - WINEDEBUG=-all keeps Wine's fixme/err chatter out of test output;
#   - WINEDLLOVERRIDES disables mscoree and mshtml (no Mono/Gecko install
#     prompts) and winedbg: a test child that crashes on purpose then ends
#     with its exception code at once, instead of Wine starting winedbg,
#     which prints a register dump and takes seconds per crash.
# Child processes a test starts (harness.c) are created by Wine itself
# with CreateProcess, so they need no emulator.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

foreach(_v WEFT_MINGW_PREFIX WEFT_WINE WEFT_WINEPREFIX)
  if(NOT DEFINED ${_v} AND DEFINED ENV{${_v}})
    set(${_v} "$ENV{${_v}}")
  endif()
endforeach()
if(NOT DEFINED WEFT_MINGW_PREFIX)
  set(WEFT_MINGW_PREFIX x86_64-w64-mingw32-)
endif()
# try_compile() projects re-read this file; hand them the same knobs.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WEFT_MINGW_PREFIX WEFT_WINE WEFT_WINEPREFIX)

set(CMAKE_C_COMPILER ${WEFT_MINGW_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${WEFT_MINGW_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${WEFT_MINGW_PREFIX}gcc)   # .S goes through cpp
set(CMAKE_RC_COMPILER ${WEFT_MINGW_PREFIX}windres)

string(REGEX REPLACE "-$" "" _weft_triple "${WEFT_MINGW_PREFIX}")
set(CMAKE_FIND_ROOT_PATH /usr/${_weft_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # build tools come from the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# No runtime DLL hunting: libgcc and winpthread linked in.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static")

# ---- Wine, for ctest (not needed to build) ------------------------------
get_property(_weft_in_try_compile GLOBAL PROPERTY IN_TRY_COMPILE)
if(NOT _weft_in_try_compile)
  if(NOT WEFT_WINE)
    find_program(WEFT_WINE NAMES wine64 wine
                 PATHS /usr/lib/wine /usr/lib64/wine /opt/wine-stable/bin /opt/wine-devel/bin
                 DOC "Wine loader that runs the x86_64 test binaries")
  endif()
  if(NOT WEFT_WINEPREFIX)
    set(WEFT_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix")
  endif()
  if(WEFT_WINE)
    # One override entry, no ';' (it would split the CMake list).
    set(_weft_wine_env
      WINEPREFIX=${WEFT_WINEPREFIX} WINEARCH=win64 WINEDEBUG=-all
      WINEDLLOVERRIDES=mscoree,mshtml,winedbg.exe=)
    set(CMAKE_CROSSCOMPILING_EMULATOR env ${_weft_wine_env} ${WEFT_WINE})
    if(NOT EXISTS "${WEFT_WINEPREFIX}/system.reg")
      message(STATUS "weft: creating the Wine prefix ${WEFT_WINEPREFIX}")
      file(MAKE_DIRECTORY "${WEFT_WINEPREFIX}")
      execute_process(COMMAND env ${_weft_wine_env} ${WEFT_WINE} wineboot --init
                      RESULT_VARIABLE _weft_rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 300)
      # wineboot returns before the prefix is fully written; wait for the
      # wineserver it started to exit.
      get_filename_component(_weft_wine_dir "${WEFT_WINE}" DIRECTORY)
      find_program(WEFT_WINESERVER NAMES wineserver64 wineserver
                   HINTS ${_weft_wine_dir} PATHS /usr/lib/wine /usr/lib64/wine)
      if(WEFT_WINESERVER)
        execute_process(COMMAND env WINEPREFIX=${WEFT_WINEPREFIX} ${WEFT_WINESERVER} -w
                        OUTPUT_QUIET ERROR_QUIET TIMEOUT 120)
      endif()
      if(NOT _weft_rc EQUAL 0 OR NOT EXISTS "${WEFT_WINEPREFIX}/system.reg")
        message(WARNING "weft: wineboot failed (${_weft_rc}); the first test will try again")
      endif()
    endif()
  else()
    message(WARNING "weft: no wine64/wine found: the tests build but ctest cannot run them "
                    "(install wine and wine64, or set WEFT_WINE)")
  endif()
endif()
