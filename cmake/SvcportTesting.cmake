# SPDX-License-Identifier: GPL-2.0-or-later
# Test helpers shared by every tests/ subfolder.

# svcport_unit_test(NAME SOURCES src... LIBS lib... [LABELS l...])
# A cmocka program registered with ctest under its NAME.
function(svcport_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 120)
endfunction()

# svcport_fuzz_target(NAME SOURCE src LIBS lib... [CORPUS dir] [RUNS n])
# With SVCPORT_FUZZ: a libFuzzer binary (clang). Otherwise the same target is
# linked with tests/fuzz/standalone.c and run under ctest (with the sanitizers
# of the build) over its seed corpus plus RUNS deterministic pseudo-random
# mutations of it, so every parser's fuzz entry point runs on every CI.
# bench/fuzz --minutes N | --execs N runs each libFuzzer binary N minutes or N inputs.
function(svcport_fuzz_target name)
  cmake_parse_arguments(F "" "SOURCE;CORPUS;RUNS" "LIBS" ${ARGN})
  if(NOT F_RUNS)
    set(F_RUNS 20000)
  endif()
  if(SVCPORT_FUZZ)
    add_executable(${name} ${F_SOURCE})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    # bench/fuzz finds every target and its seed corpus here.
    file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/fuzz-targets/${name}
      CONTENT "$<TARGET_FILE:${name}>\n${F_CORPUS}\n")
  else()
    add_executable(${name} ${F_SOURCE} ${PROJECT_SOURCE_DIR}/tests/fuzz/standalone.c)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    set(_args --runs ${F_RUNS})
    if(F_CORPUS)
      list(APPEND _args ${F_CORPUS})
    endif()
    add_test(NAME ${name} COMMAND ${name} ${_args})
    set_tests_properties(${name} PROPERTIES LABELS "fuzz" TIMEOUT 300)
  endif()
endfunction()

# svcport_program_path(VAR target)
# Sets VAR to the path a test runs target by (an environment variable or an
# argument it exec()s). Natively the target's file. In a cross build with an
# emulator (cmake/toolchain-armhf.cmake), a generated script that runs the
# target under that emulator: a test already running under user-mode QEMU
# cannot exec() a foreign binary without binfmt_misc, host-wide state that the
# build does not touch.
function(svcport_program_path var target)
  if(NOT CMAKE_CROSSCOMPILING OR NOT CMAKE_CROSSCOMPILING_EMULATOR)
    set(${var} "$<TARGET_FILE:${target}>" PARENT_SCOPE)
    return()
  endif()
  set(_wrapper ${PROJECT_BINARY_DIR}/emulated/${target})
  set(${var} ${_wrapper} PARENT_SCOPE)
  get_property(_done GLOBAL PROPERTY SVCPORT_EMULATED_${target})
  if(_done)
    return()
  endif()
  set_property(GLOBAL PROPERTY SVCPORT_EMULATED_${target} TRUE)
  set(_cmd "")
  foreach(a IN LISTS CMAKE_CROSSCOMPILING_EMULATOR)
    string(APPEND _cmd "'${a}' ")
  endforeach()
  file(GENERATE OUTPUT ${_wrapper}
       CONTENT "#!/bin/sh\n# Generated: runs ${target} under the emulator.\nexec ${_cmd}'$<TARGET_FILE:${target}>' \"$@\"\n"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
endfunction()
