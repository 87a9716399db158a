# cmake -DSTEP=install|cmake|pkg-config -DBUILD_DIR=... -DPREFIX=... -DWORK_DIR=... [...] -P check.cmake
# install:    installs the build into PREFIX, a scratch prefix emptied first.
# cmake:      configures and builds tests/consumer with find_package(nin) against PREFIX, and runs it.
# pkg-config: compiles tests/consumer/main.cpp with `pkg-config --cflags --libs nin`, and runs it.
# Both consumers must print the 10 logits of nin-mnist-bn from the installed preset.
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${what} failed (${code}):\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

function(check_consumer executable)
  run("the consumer" ${executable} ${PREFIX}/share/nin/models/nin-mnist-bn.json)
  if(NOT output STREQUAL "nin-mnist-bn: 10 logits\n")
    message(FATAL_ERROR "the consumer printed '${output}', not 'nin-mnist-bn: 10 logits'")
  endif()
  message(STATUS "${output}")
endfunction()

set(source ${CMAKE_CURRENT_LIST_DIR})
if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${PREFIX})
  run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
elseif(STEP STREQUAL "cmake")
  file(REMOVE_RECURSE ${WORK_DIR})
  run("configuring the consumer" ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR} -G ${GENERATOR}
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX}
      "-DCMAKE_CXX_FLAGS=${FLAGS}"
      -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
  run("building the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR})
  check_consumer(${WORK_DIR}/nin-consumer)
elseif(STEP STREQUAL "pkg-config")
  file(REMOVE_RECURSE ${WORK_DIR})
  file(MAKE_DIRECTORY ${WORK_DIR})
  set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
  run("pkg-config" ${PKG_CONFIG} --cflags --libs nin)
  separate_arguments(flags UNIX_COMMAND "${FLAGS} ${output}")
  run("compiling the consumer" ${LAUNCHER} ${CXX} -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror
      ${source}/main.cpp -o ${WORK_DIR}/nin-consumer ${flags})
  check_consumer(${WORK_DIR}/nin-consumer)
else()
  message(FATAL_ERROR "STEP must be install, cmake or pkg-config, not '${STEP}'")
endif()
