# cmake -DLIB=libweft-preload.so -DNM=nm -P exports.cmake
# The preload library defines exactly the interposed functions
# (preload.c's head comment): a runtime function in it would be a
# second runtime in the process, a missing one a call left blocking.
set(expected
  __poll_chk __read_chk __recv_chk __recvfrom_chk
  accept accept4 close connect dup2 dup3 getaddrinfo nanosleep poll read readv
  recv recvfrom select send sendto sleep socket usleep weft_blocking write writev)
execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D ${LIB} failed (${rc})")
endif()
string(REGEX MATCHALL "[ \t][TtWi][ \t]+[A-Za-z_][A-Za-z0-9_@.]*" lines "${out}")
set(got "")
foreach(l IN LISTS lines)
  string(REGEX REPLACE "^[ \t][TtWi][ \t]+" "" name "${l}")
  string(REGEX REPLACE "@.*" "" name "${name}")
  if(NOT name MATCHES "^_(init|fini)$")
    list(APPEND got ${name})
  endif()
endforeach()
list(SORT got)
list(REMOVE_DUPLICATES got)
list(SORT expected)
if(NOT got STREQUAL expected)
  message(FATAL_ERROR "exports of ${LIB}:\n  got      ${got}\n  expected ${expected}")
endif()
message(STATUS "exports of ${LIB}: the interposed set, nothing else")
