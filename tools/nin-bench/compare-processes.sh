#!/usr/bin/env bash
# Data-parallel training on one host: NET's training step as 1 process × T threads against
# T processes × 1 thread (mpirun), taken in turn ROUNDS times so that both see the same machine,
# over shared memory (Open MPI's default on one host) and over TCP as between machines. Prints the
# median images/s of each, their ratio and the share of the multi-process step spent in collective
# operations.
#   tools/nin-bench/compare-processes.sh [NET] [ROUNDS] [T]     (nin-mnist-bn 5 2)
set -euo pipefail
net=${1:-nin-mnist-bn} rounds=${2:-5} threads=${3:-2}
bin=$(cd "$(dirname "$0")/../.." && pwd)/build/bin
command -v mpirun > /dev/null || { echo "mpirun is not installed (openmpi-bin)" >&2; exit 1; }
command -v jq > /dev/null || { echo "jq is not installed" >&2; exit 1; }
root=()
[ "$(id -u)" -ne 0 ] || root=(--allow-run-as-root)
unset DISPLAY  # hwloc would ask an X server about GPUs
bench=("$bin/nin-bench" "$net" --iterations 10 --format json)
tcp=(--mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  "${bench[@]}" --threads "$threads" >> "$out/one.json"
  mpirun -q "${root[@]}" -np "$threads" "${bench[@]}" --threads 1 >> "$out/shm.json"
  "${bench[@]}" --threads "$threads" >> "$out/one-again.json"
  mpirun -q "${root[@]}" "${tcp[@]}" -np "$threads" "${bench[@]}" --threads 1 >> "$out/tcp.json"
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
field() { jq -s -r ".[].$2" "$out/$1.json" | median; }
one=$(cat "$out/one.json" "$out/one-again.json" | jq -r .train_images_per_s | median)
cpu="$(lscpu | sed -n 's/^Model name: *//p'), family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p')"
printf '%s on %s (%s), %s rounds\n\n' "$net" "$cpu" \
  "$(jq -r .blas_core "$out/one.json" | head -1) kernels" "$rounds"
printf '| run | train img/s | vs 1 process | step in collectives |\n|---|---:|---:|---:|\n'
printf '| 1 process × %s threads | %.1f | 1.00 | |\n' "$threads" "$one"
for kind in shm tcp; do
  name=$([ $kind = shm ] && echo "shared memory" || echo "TCP (loopback)")
  ips=$(field $kind train_images_per_s)
  share=$(field $kind train_communication_share)
  printf '| %s processes × 1 thread, %s | %.1f | %.2f | %.1f%% |\n' "$threads" "$name" "$ips" \
    "$(awk "BEGIN {print $ips / $one}")" "$(awk "BEGIN {print $share * 100}")"
done
