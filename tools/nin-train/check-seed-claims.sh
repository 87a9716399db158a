#!/usr/bin/env bash
# Trains the four networks of the seed's claims (section 4.4.3) on Fashion-MNIST with one recipe,
# the main job's as it was when the table was measured (3 epochs, batch 64, learning rate 0.05; the
# defaults are now batch 128 and 0.2), with 5,000 training images held out to choose the best
# epoch, then evaluates each on the test set, moved by 0, ±2 and ±4 pixels along each axis, and
# prints the table of README.md's "Checking the seed's claims" in Markdown; the per-shift rows go
# to shifts.csv and a --shift-sweep over -4..4 on the first 2,000 test images to sweep.csv.
#
#   check-seed-claims.sh [BIN_DIR] [WORK_DIR]      (defaults: build/bin, seed-claims)
#
# About 45 minutes on two cores. Results depend on the CPU (OpenBLAS picks its kernels by CPU).
set -euo pipefail
bin=$(realpath "${1:-build/bin}")
work=${2:-seed-claims}
nets=(nin-mnist-bn nin-mnist-bn-fc nin-mnist-bn-fc-dropout nin-mnist-bn-linear)
mkdir -p "$work" && cd "$work"
for net in "${nets[@]}"; do
  if [ ! -s "$net.h5" ]; then
    start=$(date +%s)
    "$bin/nin-train" --net "$net" --epochs 3 --batch 64 --lr 0.05 --val 5000 -o "$net.h5" --log "$net.log.jsonl" 2> "$net.train.txt"
    echo $(($(date +%s) - start)) > "$net.seconds"
  fi
done
models=("${nets[@]/%/.h5}")
"$bin/nin-eval" "${models[@]}" --format json > plain.json
{
  echo "model,dx,dy,accuracy"
  for shift in 0,0 -2,0 2,0 0,-2 0,2 -4,0 4,0 0,-4 0,4; do
    "$bin/nin-eval" "${models[@]}" --shift="$shift" --format json |
      jq -r --arg s "$shift" '.models[] | "\(.model),\($s),\(.top1_accuracy)"'
  done
} > shifts.csv
"$bin/nin-eval" "${models[@]}" --shift-sweep 4 --limit 2000 --format csv > sweep.csv

# The table: parameters and MACs from nin-params, accuracies from the runs above (means over the
# four directions of a shift), training time as measured.
percent() { awk -v x="$1" 'BEGIN { printf "%.2f%%", 100 * x }'; }
grouped() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
mean_at() {  # model, distance
  awk -F, -v m="$1" -v d="$2" '$1 == m { dx = $2 < 0 ? -$2 : $2; dy = $3 < 0 ? -$3 : $3
    if (dx + dy == d) { s += $4; n++ } } END { printf "%.2f%%", 100 * s / n }' shifts.csv
}
echo "| network | parameters | MACs per image | test accuracy | shift 0 | shift ±2 | shift ±4 | training time |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for net in "${nets[@]}"; do
  totals=$("$bin/nin-params" "$net.h5" --format json | jq -r '.totals | "\(.params) \(.macs)"')
  read -r params macs <<< "$totals"
  accuracy=$(jq -r --arg m "$net.h5" '.models[] | select(.model == $m) | .top1_accuracy' plain.json)
  seconds=$(cat "$net.seconds")
  printf '| %s | %s | %s | %s | %s | %s | %s | %d min %02d s |\n' "$net" \
    "$(grouped "$params")" "$(grouped "$macs")" "$(percent "$accuracy")" \
    "$(mean_at "$net.h5" 0)" "$(mean_at "$net.h5" 2)" "$(mean_at "$net.h5" 4)" \
    $((seconds / 60)) $((seconds % 60))
done
