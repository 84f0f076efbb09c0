# Runs the kadapter CLI and compares its exit status, stdout and stderr with
# the expected files. Set KADAPTER_UPDATE_GOLDEN=1 in the environment to
# write the expected files from the current output instead.
#
#   cmake -DCLI=... -DNAME=... -DEXIT=... -DARGS="lint;policies/x.yaml" -DDIR=... -P golden.cmake
execute_process(
  COMMAND ${CLI} ${ARGS}
  WORKING_DIRECTORY ${DIR}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

set(expected_out ${DIR}/expected/${NAME}.stdout)
set(expected_err ${DIR}/expected/${NAME}.stderr)
if(DEFINED ENV{KADAPTER_UPDATE_GOLDEN})
  file(WRITE ${expected_out} "${out}")
  file(WRITE ${expected_err} "${err}")
endif()

set(failed FALSE)
if(NOT status STREQUAL EXIT)
  message(SEND_ERROR "exit status ${status}, expected ${EXIT}\nstderr:\n${err}")
  set(failed TRUE)
endif()
foreach(stream out err)
  file(READ ${expected_${stream}} want)
  if(NOT "${${stream}}" STREQUAL "${want}")
    message(SEND_ERROR "std${stream} differs from ${expected_${stream}}:\n--- got ---\n${${stream}}--- expected ---\n${want}")
    set(failed TRUE)
  endif()
endforeach()
