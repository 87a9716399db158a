#!/usr/bin/env bash
# Black-box flows of nin-convert on a small network trained on a few hundred Fashion-MNIST images:
#   convert.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR ONNX_FIXTURE
# Scenarios: round-trip, fc-round-trip, checkpoint, rename, onnx-input, python-checker, opencv,
# pytorch, pytorch-fc, pytorch-preprocessing. The last four run Python scripts (tests/cli/interop) and exit 77, skipped, when their package is missing.
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4 fixture=$5
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
fc_spec=$source/tests/cli/specs/tiny-fc.json
edges=$source/tests/cli/specs/pooling-edges.json
interop=$source/tests/cli/interop
python=/usr/bin/python3
json_keys() { cmake -DFILE="$1" -DKEYS="$2" -P "$source/tests/cli/json_keys.cmake"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"

# train [--net SPEC] ARGS...: tiny-fashion unless another spec is given.
train() {
  local net=$spec
  [ "$1" != --net ] || { net=$2; shift 2; }
  "$bin/nin-train" --net "$net" --data "$data" --limit 300 --batch 50 --seed 7 -q "$@"
}
# convert ARGS...: nin-convert must succeed silently.
convert() {
  "$bin/nin-convert" "$@" 2> convert.err || fail "nin-convert $*: $(cat convert.err)"
  [ ! -s convert.err ] || fail "nin-convert $* wrote to stderr: $(cat convert.err)"
}
# Skips (exit 77) a scenario that needs Python when there is none.
need_python() { [ -x "$python" ] || { echo "SKIP: $python is not installed" >&2; exit 77; }; }
datasets() { h5ls -r "$1" | awk '$2 == "Dataset" { print $1 }'; }
# Every dataset of $1 is in $2 with the same bytes, and the root attributes are the same.
same_contents() {
  [ "$(datasets "$1")" = "$(datasets "$2")" ] || fail "$1 and $2 hold different datasets"
  for d in $(datasets "$1"); do
    h5dump -b LE -d "$d" -o a.bin "$1" > /dev/null && h5dump -b LE -d "$d" -o b.bin "$2" > /dev/null
    cmp -s a.bin b.bin || fail "$d differs between $1 and $2"
  done
  diff <(h5dump -A "$1" | tail -n +2) <(h5dump -A "$2" | tail -n +2) > /dev/null ||
    fail "the attributes of $1 and $2 differ"
}
# predictions MODEL [COUNT]: the first COUNT (200) predictions with their logits, without the
# model column.
predictions() {
  "$bin/nin-eval" "$1" --data "$data" --limit "${2:-200}" --predictions --format json 2> /dev/null |
    sed 's/^{"model":"[^"]*",/{/'
}

case $scenario in
round-trip)
  train --epochs 2 -o m.h5
  convert m.h5 -o m.onnx --dry-run > plan.md
  [ ! -e m.onnx ] || fail "--dry-run wrote m.onnx"
  grep -q "^- output: 'm.onnx', ONNX model (opset 13)$" plan.md || fail "plan: $(cat plan.md)"
  convert m.h5 -o m.onnx
  "$fixture" check m.onnx > /dev/null || fail "onnx::checker refuses m.onnx"
  convert m.onnx -o back.h5
  same_contents m.h5 back.h5
  predictions m.h5 > m.jsonl
  [ "$(wc -l < m.jsonl)" -eq 200 ] || fail "expected 200 predictions"
  predictions back.h5 > back.jsonl
  predictions m.onnx > onnx.jsonl
  cmp -s m.jsonl back.jsonl || fail "predictions of m.h5 and back.h5 differ"
  cmp -s m.jsonl onnx.jsonl || fail "predictions of m.h5 and m.onnx differ"
  # Exporting the converted model again gives the same bytes.
  convert back.h5 -o again.onnx
  cmp -s m.onnx again.onnx || fail "m.onnx and again.onnx differ"
  ls ./*.tmp-* > /dev/null 2>&1 && fail "temporary files left behind" || true
  ;;
fc-round-trip)
  # Fully connected layers: Flatten + Gemm out, the same bytes back in, the same predictions.
  train --net "$fc_spec" --epochs 2 -o m.h5
  convert m.h5 -o m.onnx
  "$fixture" check m.onnx > /dev/null || fail "onnx::checker refuses m.onnx"
  if "$python" -c "import onnx" 2> /dev/null; then
    "$python" "$interop/onnx_checker.py" m.onnx > checker.txt || fail "onnx.checker: $(cat checker.txt)"
  fi
  convert m.onnx -o back.h5
  same_contents m.h5 back.h5
  predictions m.h5 > m.jsonl
  predictions back.h5 > back.jsonl
  predictions m.onnx > onnx.jsonl
  cmp -s m.jsonl back.jsonl || fail "predictions of m.h5 and back.h5 differ"
  cmp -s m.jsonl onnx.jsonl || fail "predictions of m.h5 and m.onnx differ"
  convert back.h5 -o again.onnx
  cmp -s m.onnx again.onnx || fail "m.onnx and again.onnx differ"
  ;;
checkpoint)
  train --epochs 1 -o m.h5
  convert m.ckpt.h5 -o copy.h5
  same_contents m.ckpt.h5 copy.h5
  convert m.ckpt.h5 -o model.h5 --strip --dry-run > plan.md
  [ ! -e model.h5 ] || fail "--dry-run wrote model.h5"
  grep -q "^- left out: the checkpoint" plan.md || fail "plan: $(cat plan.md)"
  convert m.ckpt.h5 -o model.h5 --strip
  h5ls model.h5 | grep -q checkpoint && fail "--strip left the checkpoint in"
  h5diff m.ckpt.h5 model.h5 /layers /layers || fail "--strip changed the weights"
  cp m.ckpt.h5 in-place.h5
  convert in-place.h5 --strip -o in-place.h5
  h5ls in-place.h5 | grep -q checkpoint && fail "--strip in place left the checkpoint in"
  convert m.ckpt.h5 -o m.onnx --dry-run --format json > plan.json
  json_keys plan.json "dry_run,input.format,output.format,nodes.0,values,tensors,left_out.0,left_out.1"
  grep -q '"checkpoint"\|the checkpoint' plan.json || fail "the plan does not say the checkpoint is left out"
  ;;
rename)
  train --epochs 1 -o m.h5
  printf '%s\n' top trouser pullover dress coat sandal shirt sneaker bag boot > names.txt
  convert m.h5 -o renamed.h5 --rename-classes names.txt
  h5dump -a class_names renamed.h5 | grep -q '\["top","trouser",.*"boot"\]' || fail "class names not renamed"
  h5diff m.h5 renamed.h5 /layers /layers || fail "renaming changed the weights"
  convert m.h5 -o renamed.onnx --rename-classes names.txt
  "$bin/nin-eval" renamed.onnx --data "$data" --limit 50 --confusion | grep -q '| boot |' ||
    fail "nin-eval does not show the new names"
  ;;
onnx-input)
  train --epochs 1 -o m.h5
  convert m.h5 -o m.onnx
  "$bin/nin-params" m.h5 --format json > h5.json
  "$bin/nin-params" m.onnx --format json > onnx.json
  cmp -s h5.json onnx.json || fail "nin-params shows m.h5 and m.onnx differently"
  "$bin/nin-eval" m.h5 --data "$data" --limit 100 --format csv | sed 's/^m.h5,//' > h5.csv
  "$bin/nin-eval" m.onnx --data "$data" --limit 100 --format csv | sed 's/^m.onnx,//' > onnx.csv
  cmp -s h5.csv onnx.csv || fail "nin-eval evaluates m.h5 and m.onnx differently"
  # A final Softmax is left out on import, with a note on stderr.
  convert m.h5 -o softmax.onnx --softmax
  "$bin/nin-convert" softmax.onnx -o from-softmax.h5 2> note.txt
  [ "$(wc -l < note.txt)" -eq 1 ] &&
    grep -q "^nin-convert: 'softmax.onnx': note: Softmax 'output/softmax' at the end is left out" note.txt ||
    fail "expected one note about the Softmax: $(cat note.txt)"
  h5diff m.h5 from-softmax.h5 /layers /layers || fail "the weights changed on the way"
  ;;
python-checker)
  need_python
  train --epochs 1 -o m.h5
  convert m.h5 -o m.onnx
  convert m.h5 -o softmax.onnx --softmax
  "$fixture" export "$edges" edges.onnx
  exec "$python" "$interop/onnx_checker.py" m.onnx softmax.onnx edges.onnx
  ;;
opencv)
  need_python
  train --epochs 2 -o m.h5
  convert m.h5 -o m.onnx
  predictions m.h5 100 > m.jsonl
  "$fixture" export "$edges" edges.onnx
  predictions edges.onnx 100 > edges.jsonl
  exec "$python" "$interop/opencv_logits.py" "$data" 100 m.onnx m.jsonl edges.onnx edges.jsonl
  ;;
pytorch)
  need_python
  exec "$python" "$interop/pytorch_interop.py" "$bin" "$work" "$data" 100
  ;;
pytorch-fc)
  need_python
  exec "$python" "$interop/pytorch_fc.py" "$bin" "$work" "$data" 100
  ;;
pytorch-preprocessing)
  need_python
  exec "$python" "$interop/pytorch_preprocessing.py" "$bin" "$work" "$data" 200
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "ok: $scenario"
