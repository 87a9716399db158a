# Shared by the bad-input flows (sourced): a work directory holding out.h5, a file that a failed
# command must leave as it was.
#   expect EXIT REGEX COMMAND...: the command must exit EXIT with exactly one stderr line matching
#   REGEX, print nothing on stdout, leave out.h5 as it was, write no out.onnx and leave no
#   temporary file behind.
#   expect_error_row EXIT REGEX nin-eval ...: the same, but stdout must be nin-eval's summary with
#   one error row (a model that cannot be evaluated is reported in place).
#   expect_line EXIT LINE COMMAND...: like expect, with stderr exactly LINE (text, not a pattern).
fail() { echo "FAIL: $*" >&2; exit 1; }
echo "the previous model" > out.h5
cp out.h5 sentinel

expect() {
  local want=$1 regex=$2; shift 2
  set +e
  "$@" > stdout.txt 2> stderr.txt
  local status=$?
  set -e
  [ "$status" -eq "$want" ] || fail "exit $status, expected $want: $(cat stderr.txt)"
  [ "$(wc -l < stderr.txt)" -eq 1 ] || fail "stderr is not one line: $(cat stderr.txt)"
  if [ "${fixed_line:-0}" = 1 ]; then
    grep -qxF -- "$regex" stderr.txt || fail "stderr '$(cat stderr.txt)' is not '$regex'"
  else
    grep -Eq "$regex" stderr.txt || fail "stderr '$(cat stderr.txt)' does not match '$regex'"
  fi
  if [ "${error_row:-0}" = 1 ]; then
    grep -q "| error: " stdout.txt || fail "no error row on stdout: $(head -c 400 stdout.txt)"
  else
    [ ! -s stdout.txt ] || fail "stdout not empty: $(head -c 200 stdout.txt)"
  fi
  cmp -s out.h5 sentinel || fail "out.h5 was changed"
  [ ! -e out.onnx ] || fail "out.onnx was written"
  ls ./*.tmp-* > /dev/null 2>&1 && fail "temporary file left behind: $(ls ./*.tmp-*)" || true
  echo "ok: $(cat stderr.txt)"
}

expect_error_row() { error_row=1 expect "$@"; }
expect_line() { fixed_line=1 expect "$@"; }
