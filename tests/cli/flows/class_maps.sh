#!/usr/bin/env bash
# Black-box flows of nin-eval --class-maps DIR --limit K: the PNG files (decoded by Pillow, their
# size the documented grid's), the rows on stdout, files replaced in place, ONNX models, and a
# model without global average pooling refused. Exits 77 (CTest: skipped) without python3-pil.
#   class_maps.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
python=/usr/bin/python3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"

# A small model trained on the IDX original (tiny-fashion: 10 classes, 4×4 maps of 28×28 images).
base() { "$bin/nin-train" --net "$spec" --data "$data" --limit 2000 --batch 32 --epochs 1 --seed 3 -q -o base.h5; }
# The grid of tiny-fashion (class_map_grid.hpp): 64-pixel tiles in 72×83 cells, 4 columns and 3
# rows 4 pixels apart, a 22-pixel footer: 4 + 4·76 = 308 by 4 + 3·87 + 22 = 287.
size="308 287"
# check_pngs DIR FILE...: exactly these files in DIR, each a PNG that Pillow decodes fully, RGB,
# of the grid's size.
check_pngs() {
  local dir=$1; shift
  [ -x "$python" ] && "$python" -c 'import PIL' 2> /dev/null || { echo "python3-pil missing"; exit 77; }
  diff <(ls "$dir") <(printf '%s\n' "$@") || fail "unexpected files in $dir: $(ls "$dir")"
  for f in "$@"; do
    got=$("$python" -c 'import sys
from PIL import Image
im = Image.open(sys.argv[1]); im.load()
print(im.format, im.mode, *im.size)' "$dir/$f") || fail "Pillow cannot decode $dir/$f"
    [ "$got" = "PNG RGB $size" ] || fail "$dir/$f: '$got', expected 'PNG RGB $size'"
  done
}
# The rows of the first two test images: Ankle boot (9) and Pullover (2); predictions vary.
rows_regex() {
  printf '%s\n' 'file,true,true_class,predicted,predicted_class' \
    "$1/00000-Ankle_boot.png,9,Ankle boot,[0-9],[^,]+" "$1/00001-Pullover.png,2,Pullover,[0-9],[^,]+"
}
check_rows() {
  [ "$(wc -l < "$1")" -eq 3 ] || fail "a header and 2 rows expected: $(cat "$1")"
  paste -d '\n' <(rows_regex "$2") "$1" | while read -r regex && read -r line; do
    [[ $line =~ ^$regex$ ]] || fail "row '$line' does not match '$regex'"
  done
}

case $scenario in
write)
  base
  "$bin/nin-eval" base.h5 --data "$data" --class-maps maps --limit 2 --format csv > rows.csv 2> err.txt
  [ ! -s err.txt ] || fail "stderr not empty: $(cat err.txt)"
  check_rows rows.csv maps
  check_pngs maps 00000-Ankle_boot.png 00001-Pullover.png
  # The predictions are those of --predictions.
  "$bin/nin-eval" base.h5 --data "$data" --limit 2 --predictions --format csv 2> /dev/null |
    tail -n +2 | cut -d, -f4 > predicted.txt
  diff <(tail -n +2 rows.csv | cut -d, -f4) predicted.txt || fail "predictions differ from --predictions"
  # JSON lines name the same files.
  "$bin/nin-eval" base.h5 --data "$data" --class-maps maps --limit 2 --format json > rows.jsonl
  grep -q '^{"file":"maps/00000-Ankle_boot.png","true":9,"true_class":"Ankle boot","predicted":[0-9],"predicted_class":"[^"]*"}$' rows.jsonl ||
    fail "unexpected JSON line: $(head -n 1 rows.jsonl)"
  echo "ok: $(tail -n +2 rows.csv | tr '\n' ' ')" ;;
replace)
  # Existing pictures are replaced (atomically: no temporary file is left), other files kept;
  # a DIR that does not exist yet is created, parents included.
  base
  mkdir -p out/maps
  echo "an old picture" > out/maps/00000-Ankle_boot.png
  echo "notes" > out/maps/notes.txt
  "$bin/nin-eval" base.h5 --data "$data" --class-maps out/maps --limit 2 --format csv > rows.csv
  check_rows rows.csv out/maps
  rm out/maps/notes.txt
  check_pngs out/maps 00000-Ankle_boot.png 00001-Pullover.png
  "$bin/nin-eval" base.h5 --data "$data" --class-maps new/deeper --limit 1 --format csv > one.csv
  [ "$(wc -l < one.csv)" -eq 2 ] || fail "a header and 1 row expected: $(cat one.csv)"
  check_pngs new/deeper 00000-Ankle_boot.png
  echo "ok: replaced" ;;
onnx)
  # An ONNX export gives the same pictures as the model it was exported from.
  base
  "$bin/nin-convert" base.h5 -o base.onnx 2> /dev/null
  "$bin/nin-eval" base.h5 --data "$data" --class-maps h5 --limit 2 --format csv > h5.csv
  "$bin/nin-eval" base.onnx --data "$data" --class-maps onnx --limit 2 --format csv > onnx.csv
  check_rows onnx.csv onnx
  check_pngs onnx 00000-Ankle_boot.png 00001-Pullover.png
  for f in 00000-Ankle_boot.png 00001-Pullover.png; do
    cmp -s "h5/$f" "onnx/$f" || fail "$f differs between the HDF5 model and its ONNX export"
  done
  echo "ok: the same pictures" ;;
no-pooling)
  # A model whose scores come from a convolution over the whole image has no class maps: exit 1,
  # one line, nothing written.
  "$bin/nin-train" --net "$source/tests/cli/specs/no-pooling.json" --data "$data" --limit 200 \
    --batch 50 --epochs 1 --seed 1 -q -o flat.h5
  set +e
  "$bin/nin-eval" flat.h5 --data "$data" --class-maps maps --limit 2 > out.txt 2> err.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "exit $status, expected 1"
  [ "$(cat err.txt)" = "nin-eval: error: 'flat.h5': has no global average pooling layer, so no class maps" ] ||
    fail "unexpected stderr: $(cat err.txt)"
  [ ! -s out.txt ] || fail "stdout not empty: $(cat out.txt)"
  [ ! -e maps ] || fail "maps was created"
  echo "ok: $(cat err.txt)" ;;
*)
  fail "unknown scenario '$scenario'" ;;
esac
