#!/usr/bin/env bash
# Runs nin-bench and PyTorch (torch_from_spec.py: the same network, built from the preset's spec)
# side by side on this machine, in one run, and prints the ratios, the training step's share of the
# sgemm peak (sgemm_peak.c), 1→2 thread scaling, batch-1 latency (one image per forward, as
# `nin-eval --images -` runs; the median of three turns of each side) and peak memory.
# Usage: compare-with-pytorch.sh.
# Needs python3-torch (/usr/bin/python3), a C compiler and the build in $NIN_BUILD_DIR or ./build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tools/nin-bench
models=$root/share/nin/models
build=${NIN_BUILD_DIR:-$root/build}
threads=${THREADS:-2}
bench=$build/bin/nin-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 -c "import torch" 2> /dev/null ||
  { echo "compare-with-pytorch: error: python3-torch is not installed (apt-get install python3-torch)" >&2; exit 1; }
[ -x "$bench" ] || { echo "compare-with-pytorch: error: '$bench': not built" >&2; exit 1; }

json() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1"; }
ratio() { /usr/bin/python3 -c "print(f'{float(\"$1\")/float(\"$2\"):.2f}')"; }
peak_kb() { sed -n 's/^peak_kb=//p' "$1"; }
# The median of images/s figures, as milliseconds per image.
median_ms() { /usr/bin/python3 -c "import statistics,sys; print(1000 / statistics.median(map(float, sys.argv[1:])))" "$@"; }

core=$("$bench" table-4.4 --iterations 1 --batch 2 --infer-batch 2 --format json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['blas_core'])")
cc -O2 "$here/sgemm_peak.c" -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -o "$work/sgemm_peak"
peak=$(OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=$threads "$work/sgemm_peak" 2048 | sed -n 's/.* \([0-9.]*\) GFLOP\/s.*/\1/p')

echo "| network | side | train img/s | infer img/s | batch-1 latency ms | train GFLOP/s | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|"
summary=""
for net in table-4.4 nin-cifar10; do
  iterations=30; [ "$net" = nin-cifar10 ] && iterations=10
  /usr/bin/time -f "peak_kb=%M" -o "$work/torch.time" /usr/bin/python3 "$here/torch_from_spec.py" "$models/$net.json" "$threads" > "$work/torch.out"
  /usr/bin/time -f "peak_kb=%M" -o "$work/nin.time" "$bench" "$net" --threads "$threads" --iterations $iterations --format json > "$work/nin.json"
  "$bench" "$net" --threads 1 --iterations $((iterations / 2)) --format json > "$work/nin1.json"
  # Batch 1: the inference figure of a run whose inference batch is one image, nin's timed over
  # about as long as PyTorch times its own (1000 passes, 2 to 4 s). The two sides take turns three
  # times and each keeps its median: one run of PyTorch's has moved by up to half from the next.
  t_runs=() n_runs=()
  for _ in 1 2 3; do
    /usr/bin/python3 "$here/torch_from_spec.py" "$models/$net.json" "$threads" 2 1 3 > "$work/torch-b1.out"
    t_runs+=("$(field "$work/torch-b1.out" infer_img_s)")
    "$bench" "$net" --threads "$threads" --batch 2 --infer-batch 1 --iterations 1000 --format json > "$work/nin-b1.json"
    n_runs+=("$(json "$work/nin-b1.json" infer_images_per_s)")
  done
  t_latency=$(median_ms "${t_runs[@]}"); n_latency=$(median_ms "${n_runs[@]}")
  t_train=$(field "$work/torch.out" train_img_s); t_infer=$(field "$work/torch.out" infer_img_s)
  n_train=$(json "$work/nin.json" train_images_per_s); n_infer=$(json "$work/nin.json" infer_images_per_s)
  n_gflops=$(json "$work/nin.json" train_gflops)
  n1_train=$(json "$work/nin1.json" train_images_per_s); n1_infer=$(json "$work/nin1.json" infer_images_per_s)
  t_rss=$(( $(peak_kb "$work/torch.time") / 1024 )); n_rss=$(( $(peak_kb "$work/nin.time") / 1024 ))
  printf "| %s | PyTorch | %.1f | %.1f | %.3f | | %d |\n" "$net" "$t_train" "$t_infer" "$t_latency" "$t_rss"
  printf "| %s | nin | %.1f | %.1f | %.3f | %.1f | %d |\n" "$net" "$n_train" "$n_infer" "$n_latency" "$n_gflops" "$n_rss"
  summary+="$net: training $(ratio "$n_train" "$t_train")× PyTorch, inference $(ratio "$n_infer" "$t_infer")×; "
  summary+="batch-1 latency $(ratio "$n_latency" "$t_latency")× PyTorch's; peak RSS $(ratio "$n_rss" "$t_rss")× PyTorch's; "
  summary+="training at $(ratio "$n_gflops" "$peak") of the sgemm peak; "
  summary+="1→$threads threads: training $(ratio "$n_train" "$n1_train")×, inference $(ratio "$n_infer" "$n1_infer")×"$'\n'
done
echo
echo "OpenBLAS sgemm peak (2048³, $threads threads, $core kernels): $peak GFLOP/s"
printf "%s" "$summary"
