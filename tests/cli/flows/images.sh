#!/usr/bin/env bash
# Black-box flows of the users' own images: image folders as data sets (nin-train, nin-eval),
# per-file predictions (nin-eval --images), fine-tuning (nin-train --weights). The images are
# made from Fashion-MNIST by image_fixture (PNG and JPEG, gray and RGB, other sizes).
#   images.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
fixture=$bin/image_fixture
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# expect_line EXIT LINE COMMAND...: exit status, the one stderr line, nothing on stdout.
source "$source/tests/cli/flows/expect.sh"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"

# A small model trained on the IDX original.
base() { "$bin/nin-train" --net "$spec" --data "$data" --limit 3000 --batch 32 --epochs 2 --seed 3 -q -o base.h5; }
# csv_columns FILE FIRST_COLUMN: the prediction columns from FIRST_COLUMN on, header dropped.
csv_columns() { tail -n +2 "$1" | cut -d, -f"$2"-; }

case $scenario in
train-eval)
  # PNG and JPEG, some RGB, some 40×36: all decoded to the network's 28×28 gray input.
  "$fixture" folder "$data" folder --train 600 --test 200 --jpeg-every 5 --rgb-every 7 --resize-every 9
  [ "$(find folder -name '*.jpg' | wc -l)" -gt 100 ] || fail "the fixture wrote too few JPEGs"
  "$bin/nin-train" --net "$spec" --data folder --epochs 2 --batch 50 -q -o m.h5 --log log.jsonl
  [ "$(grep -c '"type":"epoch"' log.jsonl)" -eq 2 ] || fail "two epochs expected: $(cat log.jsonl)"
  "$bin/nin-eval" m.h5 --data folder --format csv > eval.csv
  grep -q '^m.h5,tiny-fashion,200,' eval.csv || fail "200 test images expected: $(cat eval.csv)"
  # The class names are the folder names, in sorted order; predictions carry them.
  "$bin/nin-eval" m.h5 --data folder --predictions --format json 2> /dev/null > predictions.jsonl
  [ "$(wc -l < predictions.jsonl)" -eq 200 ] || fail "200 prediction lines expected"
  grep -q '"class_name":"\(Ankle boot\|Bag\|Coat\|Dress\|Pullover\|Sandal\|Shirt\|Sneaker\|T-shirt-top\|Trouser\)"' predictions.jsonl ||
    fail "no folder name in the predictions: $(head -n 1 predictions.jsonl)"
  "$bin/nin-eval" m.h5 --data folder --confusion --format csv > confusion.csv
  diff <(tail -n +2 confusion.csv | cut -d, -f3) <(ls folder/train) ||
    fail "class names are not the sorted folder names"
  echo "ok: trained and evaluated on $(find folder -type f | wc -l) files" ;;
lossless)
  # A PNG copy of test images evaluates exactly as the IDX original: the same figures to the last
  # printed digit. The folders carry the data set's class names, so the model's order is kept.
  base
  "$fixture" folder "$data" png --train 0 --test 1000
  "$bin/nin-eval" base.h5 --data png --format csv | cut -d, -f2- > png.csv
  "$bin/nin-eval" base.h5 --data "$data" --limit 1000 --format csv | cut -d, -f2- > idx.csv
  diff png.csv idx.csv || fail "the PNG copy does not evaluate as the IDX original"
  echo "ok: $(tail -n 1 png.csv)" ;;
stdin)
  # --images - on 20 files: 20 lines in input order, the same predictions as through IDX.
  base
  "$fixture" files "$data" files 20
  ls files/*.png | "$bin/nin-eval" base.h5 --images - --format csv > images.csv
  [ "$(wc -l < images.csv)" -eq 21 ] || fail "a header and 20 lines expected: $(cat images.csv)"
  diff <(tail -n +2 images.csv | cut -d, -f1) <(ls files/*.png) || fail "not in input order"
  "$bin/nin-eval" base.h5 --data "$data" --limit 20 --predictions --format csv > idx.csv 2> /dev/null
  diff <(csv_columns images.csv 2) <(csv_columns idx.csv 4) ||
    fail "--images and --predictions through IDX differ"
  # JSON lines: the file, the class name, probabilities and logits.
  "$bin/nin-eval" base.h5 --images files/0000.png files/0001.png --format json --top-k 3 > images.jsonl
  [ "$(wc -l < images.jsonl)" -eq 2 ] || fail "two JSON lines expected"
  grep -q '^{"file":"files/0000.png","predicted":[0-9],"class_name":"[^"]*","confidence":[0-9.e-]*,"top_k":\[[0-9],[0-9],[0-9]\],"probabilities":\[.*\],"logits":\[.*\]}$' images.jsonl ||
    fail "unexpected JSON line: $(head -n 1 images.jsonl)"
  echo "ok: 20 files" ;;
streaming)
  # The first prediction appears while standard input is still open.
  base
  "$fixture" files "$data" files 2
  coproc EVAL { "$bin/nin-eval" base.h5 --images - --format csv; }
  echo files/0000.png >&"${EVAL[1]}"
  read -r -t 60 header <&"${EVAL[0]}" || fail "no header"
  read -r -t 60 line <&"${EVAL[0]}" || fail "no prediction before the input ended"
  [[ $line == files/0000.png,* ]] || fail "unexpected line: $line"
  echo files/0001.png >&"${EVAL[1]}"
  read -r -t 60 line <&"${EVAL[0]}" || fail "no second prediction"
  [[ $line == files/0001.png,* ]] || fail "unexpected line: $line"
  exec {EVAL[1]}>&-
  wait "$EVAL_PID" || fail "nin-eval failed"
  echo "ok: $header / $line" ;;
bad-files)
  # Each broken file: one error line naming it, the others still predicted, exit 1 at the end.
  base
  "$fixture" files "$data" files 2
  mkdir bad
  "$fixture" bad truncated-jpeg bad/truncated.jpg
  "$fixture" bad bad-crc-png bad/crc.png
  "$fixture" bad text-png bad/text.png
  "$fixture" bad tiny bad/tiny.png
  "$fixture" bad huge-header bad/huge.png
  mkfifo bad/fifo.png
  set +e
  "$bin/nin-eval" base.h5 --images files/0000.png bad/truncated.jpg bad/crc.png bad/text.png \
    bad/tiny.png bad/huge.png bad/fifo.png bad/missing.png files/0001.png --format csv \
    > out.csv 2> err.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "exit $status, expected 1"
  diff err.txt - <<'ERR' || fail "unexpected stderr"
nin-eval: error: 'bad/truncated.jpg': JPEG: Premature end of JPEG file
nin-eval: error: 'bad/crc.png': PNG: IDAT: CRC error
nin-eval: error: 'bad/text.png': not a PNG or JPEG image
nin-eval: error: 'bad/huge.png': 20000×20000 pixels exceed nin's limit of 67108864 pixels per image
nin-eval: error: 'bad/fifo.png': not a regular file (a FIFO)
nin-eval: error: 'bad/missing.png': cannot open: No such file or directory
nin-eval: 6 files could not be predicted
ERR
  # A 1×1 image is an image: scaled up to 28×28 and predicted.
  diff <(cut -d, -f1 out.csv) - <<'OUT' || fail "unexpected predictions: $(cat out.csv)"
file
files/0000.png
bad/tiny.png
files/0001.png
OUT
  echo "ok: $(wc -l < err.txt) lines on stderr" ;;
bad-folders)
  base
  mkdir -p empty two/a two/b flat
  "$fixture" files "$data" two/a 1
  expect_line 1 "nin-eval: error: 'empty': no IDX, CIFAR-10 or CIFAR-100 files and no class folders of images found (expected train-images-idx3-ubyte.gz, data_batch_1.bin, train.bin, or <class>/<image>.png or .jpg, optionally under train/ and test/)" \
    "$bin/nin-eval" base.h5 --data empty
  expect_line 1 "nin-eval: error: 'two/b': a class folder without images (*.png, *.jpg, *.jpeg); add some or remove it, since the classes after it would change their labels" \
    "$bin/nin-eval" base.h5 --data two
  # A flat folder (no train/ and test/) trains only with --val.
  "$fixture" folder "$data" flat --train 300 --test 0 --flat
  expect_line 2 "nin-train: error: --data 'flat': an image folder without train/ and test/: hold out images for evaluation with --val N" \
    "$bin/nin-train" --net "$spec" --data flat -q -o m.h5
  "$bin/nin-train" --net "$spec" --data flat --val 50 --batch 50 -q -o m.h5
  # A bad file in a folder: an error naming it, or skipped with a warning and counted.
  cp "$(ls flat/Bag/*.png | head -n 1)" flat/Bag/zz-cut.png
  truncate -s 100 flat/Bag/zz-cut.png
  set +e
  "$bin/nin-eval" base.h5 --data flat --format csv > /dev/null 2> err4.txt; s4=$?
  set -e
  [ "$s4" -eq 1 ] || fail "exit $s4, expected 1"
  grep -q "^nin-eval: error: 'flat/Bag/zz-cut.png': PNG: " err4.txt || fail "bad file: $(cat err4.txt)"
  "$bin/nin-eval" base.h5 --data flat --format csv --skip-bad-images > skip.csv 2> err5.txt
  grep -q "^nin-eval: warning: 'flat/Bag/zz-cut.png': skipped: PNG: " err5.txt || fail "$(cat err5.txt)"
  grep -qx "nin-eval: 'flat': skipped 1 of 301 images that could not be read" err5.txt || fail "$(cat err5.txt)"
  grep -q '^base.h5,tiny-fashion,300,' skip.csv || fail "300 images expected: $(cat skip.csv)"
  echo "ok" ;;
fine-tune)
  # Fine-tuning starts from the model's accuracy: its evaluation before the first step is
  # nin-eval's on the same data (an image folder of the model's own classes).
  base
  "$fixture" folder "$data" folder --train 500 --test 300 --jpeg-every 4
  "$bin/nin-eval" base.h5 --data folder --batch 50 --format csv > before.csv
  "$bin/nin-train" --weights base.h5 --data folder --epochs 1 --batch 50 --eval-first \
    -o tuned.h5 --log log.jsonl 2> err.txt
  grep -qx "nin-train: 4 layers taken from --weights, 0 initialised afresh" err.txt || fail "$(cat err.txt)"
  first=$(grep '"type":"first_evaluation"' log.jsonl | sed -n 's/.*"test_accuracy":\([0-9.e-]*\).*/\1/p')
  expected=$(tail -n 1 before.csv | cut -d, -f4)
  awk -v a="$first" -v b="$expected" 'BEGIN { exit !(sprintf("%.6f", a) == b) }' ||
    fail "first evaluation $first, nin-eval $expected"
  echo "ok: starts at $expected" ;;
new-classes)
  # Other classes (three): exactly the classifier starts afresh; the model takes their names.
  base
  "$fixture" folder "$data" folder --train 600 --test 200
  for split in train test; do
    (cd "folder/$split" && for c in *; do case $c in Bag|Sandal|Trouser) ;; *) rm -r "$c" ;; esac; done
     mv Bag bags && mv Sandal sandals && mv Trouser trousers)
  done
  "$bin/nin-train" --weights base.h5 --data folder --epochs 1 --batch 20 --freeze conv1 -o three.h5 2> err.txt
  grep -qx "nin-train: note: the data set has 3 classes, the network 10: its last convolution gets 3 outputs" err.txt || fail "$(cat err.txt)"
  grep -qx "nin-train: layer 'conv2' initialised afresh (weight 10×8×3×3 in the model, 3×8×3×3 here)" err.txt || fail "$(cat err.txt)"
  [ "$(grep -c "initialised afresh (" err.txt)" -eq 1 ] || fail "more than the last layer: $(cat err.txt)"
  # conv1 was frozen: its weights are the base model's, bit for bit.
  h5diff base.h5 three.h5 /layers/conv1/weight /layers/conv1/weight || fail "conv1 changed"
  "$bin/nin-eval" three.h5 --data folder --confusion --format csv > confusion.csv
  diff <(tail -n +2 confusion.csv | cut -d, -f3) <(printf 'bags\nsandals\ntrousers\n') ||
    fail "class names: $(cat confusion.csv)"
  echo "ok" ;;
usage)
  base
  "$fixture" files "$data" files 1
  expect_line 2 "nin-eval: error: --images predicts with one model; 2 were given" \
    "$bin/nin-eval" base.h5 base.h5 --images files/0000.png
  expect_line 2 "nin-eval: error: --confusion applies to data sets, not to --images" \
    "$bin/nin-eval" base.h5 --images files/0000.png --confusion
  expect_line 2 "nin-eval: error: --images: '-' (paths on standard input) cannot be mixed with file names" \
    "$bin/nin-eval" base.h5 --images - files/0000.png
  echo "ok" ;;
preprocessing)
  # --scale/--mean/--std describe an ONNX model's input; a nin model stores its own.
  base
  "$bin/nin-convert" base.h5 -o base.onnx
  expect_line 2 "nin-convert: error: --scale, --mean and --std describe what an ONNX model expects; 'base.h5' is not one (a nin model stores the normalisation it was trained with)" \
    "$bin/nin-convert" base.h5 -o again.h5 --scale 1/255
  expect_line 2 "nin-convert: error: --mean: 2 values for a model of 1 input channel: give one value or one per channel" \
    "$bin/nin-convert" base.onnx -o m.h5 --mean 0.5,0.5
  expect_line 2 "nin-eval: error: --scale: '0' must be a positive number or fraction, such as 1/255 or 0.5" \
    "$bin/nin-eval" base.onnx --limit 10 --scale 0
  expect_line 2 "nin-train: error: --scale, --mean and --std describe what an ONNX model given to --weights expects" \
    "$bin/nin-train" --net "$spec" --scale 1/255 -o t.h5
  expect_line 2 "nin-params: error: --std: 2 values for a model of 1 input channel: give one value or one per channel" \
    "$bin/nin-params" base.onnx --std 0.2,0.3
  # Declared on a graph that normalises itself, the preprocessing composes with the graph's
  # (pixel − m) / s: scaling by 1/2 first makes it (pixel − 2m) / 2s (checked against PyTorch by
  # cli.convert.pytorch-preprocessing).
  "$bin/nin-convert" base.onnx -o plain.h5 --dry-run | sed -n 's/^- input normalisation: //p' > plain.txt
  "$bin/nin-convert" base.onnx -o half.h5 --scale 1/2 --dry-run | sed -n 's/^- input normalisation: //p' > half.txt
  awk '{ gsub(/[()]/, ""); m = $3; s = $5; getline h < "half.txt"; gsub(/[()]/, "", h);
         split(h, f, " "); d1 = f[3] - 2 * m; d2 = f[5] - 2 * s;
         exit !(d1 * d1 < 1e-4 && d2 * d2 < 1e-4) }' plain.txt ||
    fail "not composed: $(cat plain.txt) / $(cat half.txt)"
  echo "ok" ;;
path-lines)
  # Lines as pipes deliver them: CRLF, empty lines, no final newline, a NUL inside a line.
  base
  "$fixture" files "$data" files 3
  set +e
  printf 'files/0000.png\r\n\n\nfiles/0001.png\nfiles/0000.png\0junk\nfiles/0002.png' |
    "$bin/nin-eval" base.h5 --images - --format csv > out.csv 2> err.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "exit $status, expected 1"
  diff <(cut -d, -f1 out.csv) <(printf 'file\nfiles/0000.png\nfiles/0001.png\nfiles/0002.png\n') ||
    fail "unexpected files: $(cat out.csv)"
  grep -qxF "nin-eval: error: 'files/0000.png\\x00junk': a file name with a NUL byte" err.txt ||
    fail "$(cat err.txt)"
  echo "ok" ;;
class-names)
  # --class-names names the classes of a model without names, in its class order; an image
  # folder of those classes is labelled by them.
  base
  "$bin/nin-convert" base.h5 -o base.onnx
  "$fixture" folder "$data" folder --train 0 --test 300
  # The model's own order (IDX labels), which is not the folders' sorted order.
  printf '%s\n' T-shirt-top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag 'Ankle boot' > names.txt
  "$bin/nin-eval" base.onnx --data folder --class-names names.txt --format csv | cut -d, -f2- > named.csv
  "$bin/nin-eval" base.h5 --data folder --format csv | cut -d, -f2- > own.csv
  diff named.csv own.csv || fail "--class-names does not label the folder as the model's names do"
  # Per-file predictions carry the names too.
  "$bin/nin-eval" base.onnx --images "folder/test/Bag/$(ls folder/test/Bag | head -n 1)" \
    --class-names names.txt --format csv | tail -n 1 | cut -d, -f3 > predicted.txt
  grep -qxFf names.txt predicted.txt || fail "not a class name: $(cat predicted.txt)"
  head -n 3 names.txt > three.txt
  expect_line 1 "nin-eval: error: 'three.txt': 3 class names, expected 10, one per class" \
    "$bin/nin-eval" base.onnx --data folder --class-names three.txt
  expect_line 2 "nin-train: error: --class-names names the classes of a new run; a resumed run keeps its model's" \
    "$bin/nin-train" --resume base.ckpt.h5 --class-names names.txt -o again.h5
  echo "ok" ;;
train-options)
  # Fine-tuning options that do not go together, and a data set of fewer classes than the network.
  base
  expect_line 2 "nin-train: error: --weights starts a new run from a model; --resume continues a run from its checkpoint: give one of them" \
    "$bin/nin-train" --weights base.h5 --resume base.ckpt.h5 -o a.h5
  expect_line 2 "nin-train: error: --reinit applies to the layers of --weights" \
    "$bin/nin-train" --net "$spec" --reinit conv2 -o a.h5
  expect_line 2 "nin-train: error: --freeze is part of the recipe a checkpoint continues; it cannot change on --resume" \
    "$bin/nin-train" --resume base.ckpt.h5 --freeze conv1 -o a.h5
  expect_line 2 "nin-train: error: --freeze: the network has no layer 'conv9'" \
    "$bin/nin-train" --weights base.h5 --freeze conv9 -o a.h5
  # Ten classes of data on a network of twelve: trains, and the model reads back.
  sed 's/"classes": 10/"classes": 12/; s/"outputs": 10/"outputs": 12/' "$spec" > twelve.json
  "$bin/nin-train" --net twelve.json --data "$data" --limit 200 --batch 50 -q -o twelve.h5
  "$bin/nin-eval" twelve.h5 --data "$data" --limit 50 --format csv | grep -q '^twelve.h5,tiny-fashion,50,' ||
    fail "the twelve-class model does not read back"
  echo "ok" ;;
*) fail "unknown scenario $scenario" ;;
esac
