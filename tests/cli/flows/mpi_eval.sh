#!/usr/bin/env bash
# nin-eval under mpirun: the samples shared among 1 or 3 processes, the output the same bytes as
# one process's, on 1000 real Fashion-MNIST test images:
#   mpi_eval.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR
# Scenarios: summary (md, csv, tsv, json, with and without --confusion, two models), predictions
# (csv, json), empty-ranks (more processes than batches), failure (a model that cannot be read),
# image-folder (a data set decoded for the model), images (--images runs in rank 0 alone), shift
# (--shift and --shift-sweep).
# Skipped (77) without mpirun.
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"
command -v mpirun > /dev/null || { echo "skipped: mpirun is not installed"; exit 77; }

source "$source/tests/cli/flows/mpi_env.sh"
# Only rank 0 answers: the others are silent. Under mpirun the MPI library is loaded and named.
timeout 60 mpirun "${mpi_options[@]}" -np 2 "$bin/nin-eval" --version > version.out
[ "$(grep -c '^nin-eval (nin) ' version.out)" -eq 1 ] ||
  fail "2 processes should answer --version once: $(cat version.out)"
grep -q '^MPI: Open MPI v[0-9]' version.out || fail "--version under mpirun names no MPI library"
# on_ranks N NAME ARGS...: nin-eval ARGS on N processes, stdout to NAME.N.out, stderr to
# NAME.N.err, the exit status to NAME.N.status.
on_ranks() {
  local n=$1 name=$2; shift 2
  set +e
  timeout 300 mpirun "${mpi_options[@]}" -np "$n" "$bin/nin-eval" "$@" > "$name.$n.out" 2> "$name.$n.err"
  echo $? > "$name.$n.status"
  set -e
  # After a failure mpirun adds its own report, a block that opens with a line of dashes.
  sed -i '/^-\{20,\}$/,$d' "$name.$n.err"
}
# alone NAME ARGS...: nin-eval ARGS as a plain process, into NAME.plain.*.
alone() {
  local name=$1; shift
  set +e
  timeout 300 "$bin/nin-eval" "$@" > "$name.plain.out" 2> "$name.plain.err"
  echo $? > "$name.plain.status"
  set -e
}
# same NAME ARGS...: ARGS alone, on 1 and on 3 processes: the same stdout bytes, stderr and exit
# status each time.
same() {
  local name=$1; shift
  alone "$name" "$@"
  [ -s "$name.plain.out" ] || fail "$name: no output from one process: $(cat "$name.plain.err")"
  for n in 1 3; do
    on_ranks "$n" "$name" "$@"
    cmp -s "$name.plain.out" "$name.$n.out" ||
      fail "$name: stdout on $n processes differs: $(diff "$name.plain.out" "$name.$n.out" | head -5)"
    cmp -s "$name.plain.err" "$name.$n.err" ||
      fail "$name: stderr on $n processes differs: $(diff "$name.plain.err" "$name.$n.err" | head -5)"
    cmp -s "$name.plain.status" "$name.$n.status" ||
      fail "$name: exit status $(cat "$name.$n.status") on $n processes, $(cat "$name.plain.status") alone"
  done
  echo "ok: $name"
}

train() { "$bin/nin-train" --net "$spec" --data "$data" --limit 1000 --batch 50 --epochs 1 --seed "$1" -q -o "$2"; }
train 7 model.h5
eval_args=(--data "$data" --limit 1000 --batch 64)  # 16 batches, the last of 40 images

case $scenario in
summary)
  train 8 other.h5
  same md model.h5 other.h5 "${eval_args[@]}"
  same md-confusion model.h5 other.h5 "${eval_args[@]}" --confusion
  same csv model.h5 "${eval_args[@]}" --format csv
  same csv-confusion model.h5 "${eval_args[@]}" --format csv --confusion
  same tsv model.h5 "${eval_args[@]}" --format tsv --top-k 3
  same json model.h5 other.h5 "${eval_args[@]}" --format json --confusion
  ;;
predictions)
  same predictions-csv model.h5 "${eval_args[@]}" --predictions
  same predictions-json model.h5 "${eval_args[@]}" --predictions --format json
  [ "$(wc -l < predictions-json.3.out)" -eq 1000 ] || fail "1000 prediction lines expected"
  ;;
empty-ranks)
  # 2 batches for 3 processes: one holds none and only receives.
  same empty-ranks model.h5 --data "$data" --limit 100 --batch 64 --format json --confusion
  ;;
failure)
  # A model that cannot be read: one error line on stderr and an error row, as in one process.
  same failure model.h5 missing.h5 "${eval_args[@]}" --format csv
  [ "$(cat failure.3.status)" -eq 1 ] || fail "exit status 1 expected with a missing model"
  [ "$(wc -l < failure.3.err)" -eq 1 ] || fail "one error line expected: $(cat failure.3.err)"
  ;;
image-folder)
  # Decoded for the model's input on every process, then shared like any data set.
  "$bin/image_fixture" folder "$data" folder --train 200 --test 300 --jpeg-every 5
  same image-folder model.h5 --data folder --batch 64 --confusion
  ;;
shift)
  # Each process translates the images it evaluates: the bytes of one process for a shift, a
  # sweep, and predictions on shifted images.
  train 8 other.h5
  same shift-md model.h5 other.h5 "${eval_args[@]}" --shift 3,-2 --confusion
  same shift-predictions model.h5 "${eval_args[@]}" --shift -1,4 --predictions --format json
  same sweep-csv model.h5 other.h5 "${eval_args[@]}" --shift-sweep 1 --format csv
  same sweep-json model.h5 "${eval_args[@]}" --shift-sweep 2 --format json
  ;;
images)
  "$bin/image_fixture" files "$data" files 20
  same images model.h5 --images files/*.png --top-k 3
  ;;
*) fail "unknown scenario $scenario" ;;
esac
