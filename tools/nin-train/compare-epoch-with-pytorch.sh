#!/usr/bin/env bash
# Times one epoch of nin-mnist-bn on Fashion-MNIST with nin-train and with PyTorch
# (tools/nin-bench/torch_from_spec.py --fashion: the network built from the same spec, the same
# recipe: SGD 0.05 Nesterov, batch 128, warm-up and cosine, weight decay 5e-4, no augmentation),
# back to back, and prints the ratio. Usage: compare-epoch-with-pytorch.sh [EPOCHS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
epochs=${1:-1}
build=${NIN_BUILD_DIR:-$root/build}
threads=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -c "import torch" 2> /dev/null ||
  { echo "compare-epoch-with-pytorch: error: python3-torch is not installed (apt-get install python3-torch)" >&2; exit 1; }

start=$(date +%s.%N)
"$build/bin/nin-train" --epochs "$epochs" --batch 128 --lr 0.05 --threads "$threads" -o "$work/model.h5" --log "$work/log.jsonl" -q
nin_wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
start=$(date +%s.%N)
/usr/bin/python3 "$root/tools/nin-bench/torch_from_spec.py" "$root/share/nin/models/nin-mnist-bn.json" \
  --fashion "$epochs" "$threads" > "$work/torch.txt"
torch_wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')

# An epoch is its training steps plus the evaluation of the test set, as PyTorch's figure is.
nin_train=$(sed -n 's/.*"seconds":\([0-9.]*\).*"eval_seconds":\([0-9.]*\).*/\1 \2/p' "$work/log.jsonl" |
  awk '{ s += $1 + $2 } END { print s }')
nin_acc=$(tail -n 1 "$work/log.jsonl" | sed -n 's/.*"test_accuracy":\([0-9.]*\).*/\1/p')
torch_t=$(tail -n 1 "$work/torch.txt" | sed -n 's/.* t=\([0-9.]*\)s.*/\1/p')
torch_acc=$(tail -n 1 "$work/torch.txt" | sed -n 's/.*test_acc=\([0-9.]*\).*/\1/p')
echo "| side | epochs | training + test pass s | whole process s | test accuracy |"
echo "|---|---:|---:|---:|---:|"
printf "| nin-train | %d | %.0f | %.0f | %.4f |\n" "$epochs" "$nin_train" "$nin_wall" "$nin_acc"
printf "| PyTorch | %d | %.0f | %.0f | %.4f |\n" "$epochs" "$torch_t" "$torch_wall" "$torch_acc"
awk -v a="$nin_train" -v b="$torch_t" -v c="$nin_wall" -v d="$torch_wall" \
  'BEGIN { printf "nin-train takes %.2f of PyTorch'"'"'s time (whole processes: %.2f)\n", a / b, c / d }'
