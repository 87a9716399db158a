#!/usr/bin/env bash
# nin-eval --shift and --shift-sweep on real Fashion-MNIST test images:
#   eval_shift.sh CASE BIN_DIR WORK_DIR SOURCE_DIR IMAGE_FIXTURE
# Cases: zero (--shift 0,0 prints the bytes of a plain evaluation, in every output),
# raw-black (--shift equals a plain evaluation of images translated outside nin, with raw pixel 0
# in the uncovered area, so the fill goes through the model's normalisation), changes (a non-zero
# shift changes the result; a sweep's rows are those of --shift, in dx-outer order), too-far (a
# shift or sweep that moves the image out of a small model's input is a usage error).
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4 fixture=$5
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
rm -rf "$work" && mkdir -p "$work" && cd "$work"
source "$source/tests/cli/flows/expect.sh"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"

train() { "$bin/nin-train" --net "$spec" --data "$data" --limit 1000 --batch 50 --epochs 1 --seed "$1" -q -o "$2"; }
eval_() { "$bin/nin-eval" --data "$data" --limit 500 --batch 64 "$@"; }
# same_bytes NAME ARGS...: nin-eval ARGS with and without --shift 0,0, the same stdout and stderr.
same_bytes() {
  local name=$1; shift
  eval_ "$@" > "$name.plain.out" 2> "$name.plain.err"
  eval_ "$@" --shift 0,0 > "$name.zero.out" 2> "$name.zero.err"
  [ -s "$name.plain.out" ] || fail "$name: no output"
  cmp -s "$name.plain.out" "$name.zero.out" ||
    fail "$name: --shift 0,0 differs: $(diff "$name.plain.out" "$name.zero.out" | head -5)"
  cmp -s "$name.plain.err" "$name.zero.err" || fail "$name: stderr differs with --shift 0,0"
  echo "ok: $name"
}

case $case_name in
zero)
  train 7 model.h5
  train 8 other.h5
  same_bytes md model.h5 other.h5
  same_bytes md-confusion model.h5 --confusion
  same_bytes csv model.h5 other.h5 --format csv --confusion
  same_bytes tsv model.h5 --format tsv --top-k 3
  same_bytes json model.h5 other.h5 --format json --confusion
  same_bytes predictions-csv model.h5 --predictions --format csv
  same_bytes predictions-json model.h5 --predictions --format json
  ;;
raw-black)
  train 7 model.h5
  # The first 500 test images moved 3 right and 2 up by Python, raw 0 where nothing moved in.
  mkdir moved
  python3 - "$data" moved 3 -2 <<'PY'
import gzip, struct, sys
data, out, dx, dy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
n = 500
images = gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()
labels = gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz").read()
rows, cols = struct.unpack(">II", images[8:16])
pixels = images[16:]
moved = bytearray(n * rows * cols)
for i in range(n):
    for y in range(rows):
        for x in range(cols):
            sy, sx = y - dy, x - dx
            if 0 <= sy < rows and 0 <= sx < cols:
                moved[(i * rows + y) * cols + x] = pixels[(i * rows + sy) * cols + sx]
open(f"{out}/t10k-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 2051, n, rows, cols) + moved)
open(f"{out}/t10k-labels-idx1-ubyte", "wb").write(struct.pack(">II", 2049, n) + labels[8:8 + n])
PY
  ln -s "$data/train-images-idx3-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" moved/
  # The model's normalisation has a mean far from 0: a fill of normalised 0 would differ.
  for format in md json; do
    eval_ model.h5 --shift 3,-2 --format "$format" --confusion > shifted.$format
    "$bin/nin-eval" model.h5 --data moved --batch 64 --format "$format" --confusion > outside.$format
    cmp -s shifted.$format outside.$format ||
      fail "--shift 3,-2 differs from the images moved outside: $(diff shifted.$format outside.$format | head -5)"
  done
  eval_ model.h5 --shift 3,-2 --predictions --format json > shifted.jsonl 2> /dev/null
  "$bin/nin-eval" model.h5 --data moved --batch 64 --predictions --format json > outside.jsonl 2> /dev/null
  cmp -s shifted.jsonl outside.jsonl || fail "predictions differ from the images moved outside"
  echo "ok: --shift 3,-2 is a plain evaluation of the images moved with raw 0 fill" ;;
changes)
  train 7 model.h5
  eval_ model.h5 --format csv > plain.csv
  eval_ model.h5 --format csv --shift 4,-3 > shifted.csv
  [ "$(sed -n 2p plain.csv | cut -d, -f4-6)" != "$(sed -n 2p shifted.csv | cut -d, -f4-6)" ] ||
    fail "--shift 4,-3 left the figures as they were: $(sed -n 2p shifted.csv)"
  # A sweep's rows: dx outer, dy inner, ascending; each the figures --shift DX,DY gives.
  eval_ model.h5 --format csv --shift-sweep 2 > sweep.csv
  [ "$(wc -l < sweep.csv)" -eq 26 ] || fail "a header and 25 rows expected: $(cat sweep.csv)"
  expected=$(for dx in -2 -1 0 1 2; do for dy in -2 -1 0 1 2; do echo "model.h5,$dx,$dy"; done; done)
  [ "$(tail -n +2 sweep.csv | cut -d, -f1-3)" = "$expected" ] || fail "sweep order: $(cut -d, -f1-3 sweep.csv)"
  for shift in 0,0 2,-1 -2,2; do
    eval_ model.h5 --format csv --shift "$shift" > one.csv
    # model,network,samples,top1,topk,loss,error  vs  model,dx,dy,top1,loss,topk,error
    want=$(sed -n 2p one.csv | awk -F, '{print $4","$6","$5}')
    got=$(grep "^model.h5,${shift}," sweep.csv | cut -d, -f4-6)
    [ "$want" = "$got" ] || fail "sweep row $shift is '$got', --shift $shift gives '$want'"
  done
  echo "ok: a shift changes the result, and the sweep rows are those of --shift" ;;
too-far)
  # A model of 8×8 input, trained on an image folder decoded to its size.
  "$fixture" folder "$data" folder --train 300 --test 50
  python3 - > small.json <<'PY'
import json
print(json.dumps({"version": 1, "name": "small-8x8", "input": {"channels": 1, "height": 8, "width": 8},
  "classes": 10, "layers": [
    {"name": "conv1", "type": "convolution", "outputs": 10, "kernel": 3},
    {"name": "gap", "type": "global_avg_pool"}]}))
PY
  "$bin/nin-train" --net small.json --data folder --epochs 1 --batch 50 -q -o small.h5
  "$bin/nin-eval" small.h5 --data folder --shift-sweep 7 --format csv > sweep.csv
  [ "$(wc -l < sweep.csv)" -eq 226 ] || fail "a header and 225 rows expected"
  expect_line 2 "nin-eval: error: --shift-sweep: '8' moves the image out of the 8×8 input of 'small.h5': N must be at most 7" \
    "$bin/nin-eval" small.h5 --data folder --shift-sweep 8
  expect_line 2 "nin-eval: error: --shift: '-8,0' moves the image out of the 8×8 input of 'small.h5': DX must be in -7..7 and DY in -7..7" \
    "$bin/nin-eval" small.h5 --data folder --shift -8,0
  expect_line 2 "nin-eval: error: --shift: '0,8' moves the image out of the 8×8 input of 'small.h5': DX must be in -7..7 and DY in -7..7" \
    "$bin/nin-eval" small.h5 --data folder --shift 0,8
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
