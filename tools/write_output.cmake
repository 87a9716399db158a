# cmake -DTOOL=<executable> -DARG=<option> -DOUTPUT=<file> -P write_output.cmake
# Writes what `TOOL ARG` prints to OUTPUT, and nothing when the tool fails: the build makes the man
# pages (--man) and completion scripts (--completion-bash) this way.
get_filename_component(directory ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${directory})
execute_process(COMMAND ${TOOL} ${ARG} OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "${TOOL} ${ARG} failed: ${status}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
