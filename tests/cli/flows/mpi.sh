#!/usr/bin/env bash
# nin-train as N processes of one Open MPI job (mpirun -np N) on real Fashion-MNIST images:
#   mpi.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR
# Scenarios: identical, identical-augmented, identical-wide, resume, sigterm, rank-fails (a
# rank that cannot read its data, options that differ, a failed write on rank 0).
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"
command -v mpirun > /dev/null || { echo "skipped: mpirun is not installed (openmpi-bin)"; exit 77; }
command -v jq > /dev/null || fail "jq is not installed"

source "$source/tests/cli/flows/mpi_env.sh"
mpirun=(mpirun "${mpi_options[@]}")
mpi() { local n=$1; shift; "${mpirun[@]}" -np "$n" "$@"; }

loud=(--net "$spec" --data "$data" --limit 300 --batch 50 --seed 7)
options=("${loud[@]}" -q)
train() { "$bin/nin-train" "${options[@]}" "$@"; }
train_on() { local n=$1; shift; mpi "$n" "$bin/nin-train" "${options[@]}" "$@"; }

# Bits that must not depend on the number of processes: weights and running statistics, the
# checkpoint's velocity, and the log but for its timings.
same_run() {
  h5diff "$1.h5" "$2.h5" /layers /layers || fail "$2.h5: /layers differ from $1.h5"
  h5diff "$1.ckpt.h5" "$2.ckpt.h5" /layers /layers || fail "$2.ckpt.h5: /layers differ"
  h5diff "$1.ckpt.h5" "$2.ckpt.h5" /checkpoint/velocity /checkpoint/velocity ||
    fail "$2.ckpt.h5: velocity differs"
  if [ -f "$1.jsonl" ]; then
    untimed() { jq -c 'del(.seconds, .images_per_s, .eval_seconds, .eta)' "$1"; }
    cmp -s <(untimed "$1.jsonl") <(untimed "$2.jsonl") ||
      fail "$2.jsonl differs from $1.jsonl: $(diff <(untimed "$1.jsonl") <(untimed "$2.jsonl") | head -5)"
  fi
}

# Waits until the run writing LOG has logged a step, i.e. is inside an epoch.
wait_for_step() {
  for _ in $(seq 600); do
    grep -q '"type":"step"' "$1" 2> /dev/null && return 0
    sleep 0.05
  done
  fail "no step logged in $1"
}

# The checkpoint NAME.ckpt.h5 of an interrupted run resumes and ends the epoch it stopped in.
checkpoint_epoch() { h5dump -a /checkpoint/epoch "$1" | sed -n 's/^ *(0): \([0-9]*\)$/\1/p'; }
resumable() {
  local epoch
  epoch=$(checkpoint_epoch "$1.ckpt.h5")
  [ -n "$epoch" ] || fail "$1.ckpt.h5 has no epoch"
  mpi 2 "$bin/nin-train" --resume "$1.ckpt.h5" -o "$1.h5" -q --stop-after $((epoch + 1)) ||
    fail "$1.ckpt.h5 does not resume"
  [ "$(checkpoint_epoch "$1.ckpt.h5")" = $((epoch + 1)) ] ||
    fail "$1.ckpt.h5: the resumed run should end epoch $((epoch + 1))"
}

case $scenario in
identical)
  train --epochs 2 -o plain.h5 --log plain.jsonl --log-every 2
  for n in 1 2 3 4; do
    train_on "$n" --epochs 2 -o "np$n.h5" --log "np$n.jsonl" --log-every 2 > "np$n.out" 2> "np$n.err"
    [ ! -s "np$n.out" ] && [ ! -s "np$n.err" ] || fail "-np $n printed: $(cat "np$n.out" "np$n.err")"
    same_run plain "np$n"
  done
  # Without -q the writer alone reports, as a single process does.
  "$bin/nin-train" "${loud[@]}" --epochs 1 -o loud1.h5 2> loud1.err
  mpi 3 "$bin/nin-train" "${loud[@]}" --epochs 1 -o loud3.h5 2> loud3.err
  [ "$(wc -l < loud3.err)" -eq "$(wc -l < loud1.err)" ] ||
    fail "-np 3 reported $(wc -l < loud3.err) lines, one process $(wc -l < loud1.err): $(cat loud3.err)"
  ;;
identical-augmented)
  # Dropout, random crops and flips, and a validation split held out of the training images.
  extra=(--epochs 2 --crop-pad 2 --flip --val 60 --log-every 1)
  train "${extra[@]}" -o plain.h5 --log plain.jsonl
  train_on 3 "${extra[@]}" -o np3.h5 --log np3.jsonl
  same_run plain np3
  ;;
identical-wide)
  # Gradients of over 64 KiB cross ranks by an all-to-all exchange of segments, smaller ones by a
  # gather (nin/dist/batch_share.cpp): a network with both, on 2 and 3 processes.
  wide=(--net "$source/tests/cli/specs/wide-fashion.json" --data "$data" --limit 300 --batch 50
    --seed 7 -q --epochs 1 --log-every 1)
  "$bin/nin-train" "${wide[@]}" -o plain.h5 --log plain.jsonl
  for n in 2 3; do
    mpi "$n" "$bin/nin-train" "${wide[@]}" -o "np$n.h5" --log "np$n.jsonl"
    same_run plain "np$n"
  done
  ;;
resume)
  # Stopped after one epoch under 2 processes, resumed under 3: an uninterrupted run's bits.
  train --epochs 2 -o straight.h5
  train_on 2 --epochs 2 --stop-after 1 -o split.h5
  [ "$(h5dump -a /checkpoint/epoch split.ckpt.h5 | grep -c '(0): 1')" -eq 1 ] ||
    fail "the first run should stop after epoch 1"
  mpi 3 "$bin/nin-train" --resume split.ckpt.h5 -o split.h5 -q
  same_run straight split
  ;;
sigterm)
  # A stop agreed by all ranks: SIGINT delivered to rank 0 after step 3 (the monitor's test hook).
  set +e
  NIN_SIGNAL_AT_STEP=3 mpi 2 -x NIN_SIGNAL_AT_STEP "$bin/nin-train" "${options[@]}" --epochs 2 \
    -o hook.h5 2> hook.err
  status=$?
  set -e
  [ "$status" -eq 130 ] || fail "expected exit 130 after SIGINT, got $status: $(cat hook.err)"
  [ "$(cat hook.err)" = "nin-train: interrupted by SIGINT; checkpoint written to 'hook.ckpt.h5' (resume with --resume)" ] ||
    fail "expected one interruption line: $(cat hook.err)"
  mpi 2 "$bin/nin-train" --resume hook.ckpt.h5 -o hook.h5 -q
  train --epochs 2 -o straight.h5
  same_run straight hook

  # A long run on 2 processes (about half a second an epoch, so that the signal arrives mid-run)
  # interrupted once it has logged a step: interrupt NAME STATUS SIGNALLER, where SIGNALLER gets
  # mpirun's pid. One interruption line, the expected status, a checkpoint that resumes.
  long=(--net "$spec" --data "$data" --limit 20000 --batch 50 --seed 7 -q --epochs 40 --log-every 1)
  interrupt() {
    local name=$1 expected=$2 signaller=$3 pid status
    "${mpirun[@]}" -np 2 "$bin/nin-train" "${long[@]}" -o "$name.h5" --log "$name.jsonl" 2> "$name.err" &
    pid=$!
    wait_for_step "$name.jsonl"
    "$signaller" "$pid"
    set +e
    wait "$pid"
    status=$?
    set -e
    [ "$status" -eq "$expected" ] || fail "$name: expected exit $expected, got $status: $(cat "$name.err")"
    [ "$(cat "$name.err")" = "nin-train: interrupted by SIGTERM; checkpoint written to '$name.ckpt.h5' (resume with --resume)" ] ||
      fail "$name: expected one interruption line: $(cat "$name.err")"
    ! ls ./*.tmp-* > /dev/null 2>&1 || fail "temporary file left behind: $(ls ./*.tmp-*)"
    resumable "$name"
  }
  # SIGTERM to mpirun itself. Open MPI 4.1's mpirun does not forward it: it sends the ranks
  # SIGTERM odls_base_sigkill_timeout seconds later (1 by default), SIGKILL as long again after
  # that, and exits 1 whatever the ranks' statuses. One second is enough here to finish the step
  # and write the checkpoint.
  to_mpirun() { kill -TERM "$1"; }
  interrupt term 1 to_mpirun
  # SIGTERM to the ranks themselves, as a batch system's scancel sends it: their status, 143.
  to_ranks() { pkill -TERM -P "$1" -x nin-train; }
  interrupt ranks 143 to_ranks
  ;;
rank-fails)
  # Rank 1 cannot read its data: every rank ends at once, one error line, exit 1, no output.
  cat > rank1.sh << EOF2
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then data=/nonexistent; else data='$data'; fi
exec '$bin/nin-train' --net '$spec' --data "\$data" --limit 300 --batch 50 --epochs 2 -o out.h5
EOF2
  set +e
  SECONDS=0
  mpi 3 sh rank1.sh > stdout.txt 2> stderr.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "expected exit 1, got $status: $(cat stderr.txt)"
  [ "$(cat stderr.txt)" = "nin-train: error: '/nonexistent': no such file or directory" ] ||
    fail "expected one error line: $(cat stderr.txt)"
  [ ! -s stdout.txt ] || fail "stdout not empty: $(cat stdout.txt)"
  [ "$SECONDS" -lt 30 ] || fail "took $SECONDS s"
  [ -z "$(ls)" ] || [ "$(ls)" = "$(printf 'rank1.sh\nstderr.txt\nstdout.txt')" ] ||
    fail "files left behind: $(ls)"
  # Options that differ between ranks are refused before the first step, once.
  sed -i 's|--epochs 2|--epochs "$((OMPI_COMM_WORLD_RANK == 2 ? 3 : 2))"|; s|/nonexistent|'"'$data'"'|' rank1.sh
  set +e
  mpi 3 sh rank1.sh 2> stderr.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "expected exit 1, got $status: $(cat stderr.txt)"
  [ "$(cat stderr.txt)" = "nin-train: error: rank 2: the training options, network or data differ from rank 0's" ] ||
    fail "expected one error line: $(cat stderr.txt)"
  # A write that fails on rank 0 alone (a file size limit standing in for a full disk) ends every
  # rank: the writer's one line, exit 1, no model file.
  cat > full.sh << EOF2
if [ "\$OMPI_COMM_WORLD_RANK" = 0 ]; then ulimit -f 10; fi
exec '$bin/nin-train' --net '$spec' --data '$data' --limit 300 --batch 50 --epochs 2 -q -o full.h5
EOF2
  set +e
  SECONDS=0
  mpi 3 sh full.sh 2> stderr.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "expected exit 1 after a failed write, got $status: $(cat stderr.txt)"
  [ "$(cat stderr.txt)" = "nin-train: error: 'full.h5': cannot write: File too large" ] ||
    fail "expected the writer's one error line: $(cat stderr.txt)"
  [ ! -e full.h5 ] || fail "full.h5 was written"
  [ "$SECONDS" -lt 30 ] || fail "took $SECONDS s"
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "ok: $scenario"
