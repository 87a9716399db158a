#!/usr/bin/env bash
# Long fuzzing runs that survive crashes, with a summary per target.
#   tests/fuzz/run-long.sh TARGET|all MINUTES [BUILD_DIR]
# TARGET is one of spec idx cifar hdf5-dataset model onnx image; BUILD_DIR (default build-asan) was
# configured with -DNIN_FUZZ=ON. Each target runs for MINUTES in libFuzzer's fork mode, going on
# after crashes, timeouts and out-of-memory inputs; the corpus it grows and every failing input are
# kept in BUILD_DIR/fuzz-long/TARGET/{corpus,artifacts}. At the end every failing input is run
# again alone and its first stack frame classified: "nin" (lib/, tools/, tests/ of this
# repository) or the library it is in (libhdf5, libonnx, protobuf, ...), with the function.
set -euo pipefail

all_targets=(spec idx cifar hdf5-dataset model onnx image)
if (($# < 2 || $# > 3)); then
  echo "usage: $0 TARGET|all MINUTES [BUILD_DIR]   (targets: ${all_targets[*]})" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
minutes=$2
build=$(cd "${3:-$repo/build-asan}" && pwd)
if [[ $1 == all ]]; then targets=("${all_targets[@]}"); else targets=("$1"); fi
[[ $minutes =~ ^[0-9]+$ ]] && ((minutes > 0)) || { echo "$0: MINUTES must be a positive integer" >&2; exit 2; }

timeout_s=${NIN_FUZZ_TIMEOUT:-10}  # seconds before an input counts as a hang
rss_mb=${NIN_FUZZ_RSS_MB:-2048}
command -v llvm-symbolizer-14 >/dev/null && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14)}
# Leaks of one input would stop nothing in fork mode but flood the summary; other errors halt.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

summary=()
for target in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/fuzz-$target
  [[ -x $fuzzer ]] || { echo "$0: no $fuzzer (configure with -DNIN_FUZZ=ON and build)" >&2; exit 1; }
  out=$build/fuzz-long/$target
  mkdir -p "$out/corpus" "$out/artifacts" "$out/replay"
  rm -rf "$out/tmp" && mkdir -p "$out/tmp"
  echo "== $target: fuzzing for $minutes min, log in $out/log" >&2
  # Crashed children leave their scratch directories behind: keep them in one place to remove.
  TMPDIR=$out/tmp "$fuzzer" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -max_len=65536 \
    -max_total_time=$((minutes * 60)) -artifact_prefix="$out/artifacts/" \
    "$out/corpus" "$repo/tests/fuzz/corpus/$target" >"$out/log" 2>&1 || true
  rm -rf "$out/tmp"

  # The parent's last status line: "#EXECS: cov: ... oom/timeout/crash: O/T/C ...".
  execs=$(grep -oE '^#[0-9]+' "$out/log" | tail -1 | tr -d '#')
  counts=$(grep -oE 'oom/timeout/crash: [0-9]+/[0-9]+/[0-9]+' "$out/log" | tail -1 | awk '{print $2}')
  IFS=/ read -r ooms timeouts crashes <<<"${counts:-0/0/0}"
  summary+=("$target: ${execs:-0} execs, $crashes crashes, $timeouts timeouts, $ooms ooms, corpus $(find "$out/corpus" -type f | wc -l) files")

  # Replay each failing input alone to classify it; group identical sites.
  declare -A sites=()
  for input in "$out"/artifacts/{crash,timeout,oom,leak}-*; do
    [[ -e $input ]] || continue
    name=$(basename "$input")
    mkdir -p "$out/replay/tmp"
    replay=$out/replay/$name.log
    # Inputs kept from earlier runs are replayed again only after a rebuild.
    if [[ ! -s $replay.status || $fuzzer -nt $replay ]]; then
      replay_status=0
      TMPDIR=$out/replay/tmp "$fuzzer" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
        -malloc_limit_mb="$rss_mb" -runs=1 "$input" >"$replay" 2>&1 || replay_status=$?
      rm -rf "$out/replay/tmp"
      echo "$replay_status" >"$replay.status"
    fi
    if (($(cat "$replay.status") == 0)); then
      # Fixed since, or it failed only after other inputs in the same process (library state).
      line=$(printf '%s\t%s\t%s\t-' "${name%%-*}" "(none)" "does not fail alone (any more)")
    else
      line=$(python3 "$repo/tests/fuzz/classify_crash.py" "$repo" "$replay")
    fi
    key=${line%$'\t'*}  # kind, owner and site: inputs with the same culprit count once
    sites[$key]="${sites[$key]:+${sites[$key]}, }$name"
  done
  for key in "${!sites[@]}"; do
    IFS=$'\t' read -r kind owner site <<<"$key"
    files=${sites[$key]}
    summary+=("  $kind in $owner: $site  ($(tr ',' '\n' <<<"$files" | wc -l) inputs, e.g. $out/artifacts/${files%%,*})")
  done
  unset sites
done

echo
echo "Fuzzing summary ($minutes min per target, build $build; failing inputs of earlier runs in"
echo "the same BUILD_DIR/fuzz-long are kept and counted in the per-site lines):"
printf '%s\n' "${summary[@]}"
