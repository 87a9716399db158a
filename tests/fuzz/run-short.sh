#!/usr/bin/env bash
# One fuzz target as a CTest test: the seed corpus, then mutations, RUNS inputs per libFuzzer run
# from fixed libFuzzer seeds (nothing here is timed; -timeout only catches hangs). The mutations
# can still differ a little between runs: libFuzzer also mutates with values the code compared,
# and some of those are addresses. A failure in nin's own code fails the test and prints the report. A crash,
# hang or huge allocation inside a third-party library (libhdf5 on corrupt files) is nin's to
# contain, not to fix: it is listed, and fuzzing restarts with the next seed from the corpus grown
# so far, at most MAX_RESTARTS times.
# Inputs in REGRESSIONS (minimised reproducers of nin's past findings) run first, with the seeds.
#   run-short.sh FUZZER SEED_CORPUS REGRESSIONS WORK_DIR RUNS
set -uo pipefail
fuzzer=$1 seeds=$2 regressions=$3 work=$4 runs=$5
max_restarts=4
repo=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work/corpus" "$work/tmp"
export TMPDIR=$work/tmp
inputs=("$seeds")
[[ -d $regressions ]] && inputs+=("$regressions")
# Third-party leaks are suppressed as in the sanitizer stage of .ci/run (tests/sanitizers/).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo/tests/sanitizers/lsan.supp:print_suppressions=0}
if [[ -z ${ASAN_SYMBOLIZER_PATH:-} ]] && command -v llvm-symbolizer-14 >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-14)
fi

for ((seed = 1; seed <= max_restarts + 1; ++seed)); do
  log=$work/log.$seed
  status=0
  "$fuzzer" -seed=$seed -runs="$runs" -timeout=3 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/seed$seed-" \
    "$work/corpus" "${inputs[@]}" >"$log" 2>&1 || status=$?
  if ((status == 0)); then
    echo "seed $seed: $(grep -E '^Done [0-9]+ runs' "$log")"
    exit 0
  fi
  IFS=$'\t' read -r kind owner site location < <(python3 "$repo/tests/fuzz/classify_crash.py" "$repo" "$log")
  input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if [[ $owner == unknown && -f $input ]]; then
    # No stack (libFuzzer's RSS watchdog fired first, from its own thread): replay the input alone.
    "$fuzzer" -timeout=3 -rss_limit_mb=2048 -malloc_limit_mb=1024 "$input" >"$log.replay" 2>&1
    IFS=$'\t' read -r kind owner site location < <(python3 "$repo/tests/fuzz/classify_crash.py" "$repo" "$log.replay")
  fi
  if [[ $owner == nin || $owner == unknown ]]; then
    cat "$log"
    echo "run-short: seed $seed: $kind in nin's code at $site $location; input kept in $work/" >&2
    exit 1
  fi
  echo "seed $seed: $kind inside $owner at $site $location (a library finding, not nin's code)"
done
echo "run-short: every run stopped at a library finding; see $work/" >&2
exit 0
