#!/usr/bin/env bash
# Runs a named recipe of nin-train on Fashion-MNIST (the full training set, the test set evaluated
# once, after the last epoch) and prints one Markdown row: recipe, network, epochs, threads, CPU,
# wall time of nin-train (reading the data, training, the evaluation), the test accuracy nin-eval
# measures on the written model, and whether the recipe's target was met.
#
#   time-to-accuracy.sh RECIPE [BIN_DIR] [WORK_DIR] [nin-train options...]
#       RECIPE: fast (target 93.0% in 20 min on two cores), accurate (94.0% in 60 min) or main
#       (91.0% in 10 min)
#       defaults: build/bin, time-to-accuracy
#
# Extra options go to nin-train (e.g. --threads 1, --seed 2). The model, its checkpoint, the
# per-epoch log and nin-train's messages stay in WORK_DIR/RECIPE.*.
set -euo pipefail
recipe=${1:?usage: time-to-accuracy.sh RECIPE [BIN_DIR] [WORK_DIR] [nin-train options...]}
bin=$(realpath "${2:-build/bin}")
work=${3:-time-to-accuracy}
shift $(($# < 3 ? $# : 3))
case $recipe in
  fast) target_accuracy=93.0 target_minutes=20 ;;
  accurate) target_accuracy=94.0 target_minutes=60 ;;
  main) target_accuracy=91.0 target_minutes=10 ;;
  *) echo "time-to-accuracy.sh: unknown recipe '$recipe' (fast, accurate, main)" >&2; exit 2 ;;
esac
mkdir -p "$work"
model=$work/$recipe.h5
rm -f "$model" "$work/$recipe.ckpt.h5" "$work/$recipe.log.jsonl"
start=$(date +%s.%N)
"$bin/nin-train" --recipe "$recipe" -o "$model" --log "$work/$recipe.log.jsonl" "$@" \
  2> "$work/$recipe.train.txt" || { cat "$work/$recipe.train.txt" >&2; exit 1; }
end=$(date +%s.%N)
# The columns by name: network, top1_accuracy.
row=$("$bin/nin-eval" "$model" --format csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
  NR == 2 { printf "%s %.2f", $col["network"], 100 * $col["top1_accuracy"] }')
read -r network accuracy <<< "$row"
epochs=$(grep -c '"type":"epoch"' "$work/$recipe.log.jsonl")
threads=$(grep -o -- '--threads[= ][0-9]*' <<< "$*" | grep -o '[0-9]*$' || nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cpu_model=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
met=$(awk -v acc="$accuracy" -v s="$seconds" -v ta="$target_accuracy" -v tm="$target_minutes" \
  'BEGIN { print (acc >= ta && s <= 60 * tm) ? "yes" : "no" }')
echo "| recipe | network | epochs | threads | CPU | wall time | test accuracy | target ($target_accuracy% in $target_minutes min) |"
echo "|---|---|---:|---:|---|---:|---:|---|"
printf '| %s | %s | %d | %s | %s (family %s, model %s) | %d min %02d s | %s%% | %s |\n' \
  "$recipe" "$network" "$epochs" "$threads" "$cpu" "$family" "$cpu_model" \
  $((seconds / 60)) $((seconds % 60)) "$accuracy" "$met"
