# Writes OUTPUT, a header defining NIN_BUILD_COMMIT: the commit of the source tree at SOURCE_DIR as
# `git describe --always --dirty` gives it ("-dirty" when files differ from it), or "unknown"
# outside a git checkout. Run at every build; the header is rewritten only when its text changes,
# so that only what includes it is rebuilt after a new commit.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -P build_commit.cmake
set(commit unknown)
find_program(GIT git)
if(GIT)
  execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} describe --always --dirty --abbrev=12
    OUTPUT_VARIABLE described RESULT_VARIABLE failed ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT failed AND described MATCHES "^[0-9A-Za-z._+-]+$")
    set(commit ${described})
  endif()
endif()
set(text "// Written by tools/build_commit.cmake at build time.\n#pragma once\n#define NIN_BUILD_COMMIT \"${commit}\"\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
