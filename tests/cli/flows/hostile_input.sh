#!/usr/bin/env bash
# Damaged and hostile model files, read in the sandbox: each gives one stderr line naming the file
# and exit 1, a batch evaluation still reports its good models exactly as they score alone, and
# references outside the file are refused.
#   hostile_input.sh CASE BIN_DIR WORK_DIR SOURCE_DIR FIXTURE_TOOL
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4 fixture=$5
fashion=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
tiny=$source/tests/cli/specs/tiny-fashion.json
hostile=$source/tests/fuzz/hostile
rm -rf "$work" && mkdir -p "$work" && cd "$work"
. "$source/tests/cli/flows/expect.sh"
# The reader of a file that loops gets 2 s of CPU time here (10 s and more by default).
export NIN_SANDBOX_CPU_SECONDS=2
good_model() { "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 -o "$1"; }
eval_csv() { "$bin/nin-eval" "$@" --data "$fashion" --limit 20 --format csv; }

case $case_name in
crash-read)  # libhdf5 overruns a global-heap buffer (H5HG_read, memcpy): SIGSEGV in Release
  expect_error_row 1 "nin-eval: error: '.*model-h5hg-read-memcpy.h5': the file is malformed \(the HDF5 reader crashed: .+\)$" \
    "$bin/nin-eval" "$hostile/model-h5hg-read-memcpy.h5" --data "$fashion" --limit 10 ;;
crash-protect)  # libhdf5 follows a wild cache entry (H5C_protect via H5HG__protect), nin-params
  expect 1 "nin-params: error: '.*model-h5c-protect-segv.h5': the file is malformed \(the HDF5 reader crashed: .+\)$" \
    "$bin/nin-params" "$hostile/model-h5c-protect-segv.h5" ;;
loop)  # libhdf5 loops for ever in H5HG__protect: the child's CPU limit ends it (in a sanitizer
  # build the same bytes may make it crash instead: also contained)
  expect_error_row 1 "nin-eval: error: '.*model-h5hg-protect-loop.h5': the file is malformed \(the HDF5 reader (used up its 2 s of CPU time|crashed: .+)\)$" \
    "$bin/nin-eval" "$hostile/model-h5hg-protect-loop.h5" --data "$fashion" --limit 10 ;;
dataset-crash)  # an HDF5 data set that crashes libhdf5 is contained like a model file
  good_model good.h5
  expect 1 "^nin-eval: error: '.*dataset-accum-read-segv.h5': the file is malformed \(the HDF5 reader crashed: .+\)$" \
    "$bin/nin-eval" good.h5 --data "$hostile/dataset-accum-read-segv.h5"
  expect 1 "^nin-train: error: '.*dataset-accum-read-segv.h5': the file is malformed \(the HDF5 reader crashed: .+\)$" \
    "$bin/nin-train" -q --net "$tiny" --epochs 1 -o trained.h5 --data "$hostile/dataset-accum-read-segv.h5" ;;
every-file)  # every kept file: one line naming it, exit 1, whatever libhdf5 does with it
  export NIN_SANDBOX_CPU_SECONDS=1
  for file in "$hostile"/model-*.h5 "$hostile"/[cgo]*.h5; do
    expect_error_row 1 "^nin-eval: error: '$file': " "$bin/nin-eval" "$file" --data "$fashion" --limit 10
    expect 1 "^nin-params: error: '$file': " "$bin/nin-params" "$file"
    expect 1 "^nin-convert: error: '$file': " "$bin/nin-convert" "$file" -o out.onnx
  done ;;
batch)  # hostile files between good models: the good rows are what the models score alone
  good_model a.h5
  "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 --seed 9 -o b.h5
  eval_csv a.h5 > a.csv
  eval_csv b.h5 > b.csv
  set +e
  eval_csv a.h5 "$hostile/model-h5hg-read-memcpy.h5" "$hostile/model-h5hg-protect-loop.h5" \
    b.h5 "$hostile/model-h5c-protect-segv.h5" > batch.csv 2> stderr.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "exit $status, expected 1"
  [ "$(wc -l < stderr.txt)" -eq 3 ] || fail "expected 3 error lines: $(cat stderr.txt)"
  [ "$(grep -c "^nin-eval: error: '.*': the file is malformed (the HDF5 reader " stderr.txt)" -eq 3 ] ||
    fail "error lines: $(cat stderr.txt)"
  [ "$(wc -l < batch.csv)" -eq 6 ] || fail "expected a header and 5 rows: $(cat batch.csv)"
  [ "$(sed -n 2p batch.csv)" = "$(sed -n 2p a.csv)" ] || fail "a.h5's row differs from its own"
  [ "$(sed -n 5p batch.csv)" = "$(sed -n 2p b.csv)" ] || fail "b.h5's row differs from its own"
  sed -n 3p batch.csv | grep -Eq "^.*model-h5hg-read-memcpy.h5,,,,,,.*the file is malformed" ||
    fail "no error row for the first hostile file: $(sed -n 3p batch.csv)"
  # The same in JSON: an entry with an "error" key in its place.
  set +e
  "$bin/nin-eval" a.h5 "$hostile/model-h5hg-read-memcpy.h5" --data "$fashion" --limit 20 \
    --format json > batch.json 2>/dev/null
  set -e
  grep -q '"error": "'"'"'.*model-h5hg-read-memcpy.h5'"'"': the file is malformed' batch.json ||
    fail "no error entry in JSON: $(cat batch.json)" ;;
external-link)  # a tensor that is a link into another file is refused, the other file not read
  good_model good.h5
  cp good.h5 linked.h5
  "$fixture" external-link linked.h5 conv1 weight "$work/good.h5"
  expect_error_row 1 "nin-eval: error: '.*linked.h5': /layers/conv1: 'weight' is an external link to another file, nin reads only objects stored in the file itself" \
    "$bin/nin-eval" linked.h5 --data "$fashion" --limit 10 ;;
soft-link)
  good_model good.h5
  cp good.h5 linked.h5
  "$fixture" soft-link linked.h5 conv1 weight
  expect_error_row 1 "nin-eval: error: '.*linked.h5': /layers/conv1: 'weight' is a soft link, nin reads only objects stored in the file itself" \
    "$bin/nin-eval" linked.h5 --data "$fashion" --limit 10 ;;
sandbox-off)  # NIN_SANDBOX=off reads in process: the same figures, and the same refusals
  good_model good.h5
  eval_csv good.h5 > on.csv
  NIN_SANDBOX=off eval_csv good.h5 > off.csv
  cmp on.csv off.csv || fail "the sandbox changed nin-eval's output"
  "$bin/nin-params" good.h5 --format json > on.json
  NIN_SANDBOX=off "$bin/nin-params" good.h5 --format json > off.json
  cmp on.json off.json || fail "the sandbox changed nin-params' output"
  cp good.h5 linked.h5
  "$fixture" external-link linked.h5 conv1 weight "$work/good.h5"
  NIN_SANDBOX=off expect_error_row 1 "nin-eval: error: '.*linked.h5': /layers/conv1: 'weight' is an external link" \
    "$bin/nin-eval" linked.h5 --data "$fashion" --limit 10 ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
