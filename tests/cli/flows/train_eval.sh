#!/usr/bin/env bash
# Black-box flows of nin-train and nin-eval on real Fashion-MNIST images (a few hundred of them):
#   train_eval.sh SCENARIO BIN_DIR WORK_DIR SOURCE_DIR
# Scenarios: smoke, resume, threads, crash, signal, terminal, pictures, recipe.
set -euo pipefail
scenario=$1 bin=$2 work=$3 source=$4
data=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
spec=$source/tests/cli/specs/tiny-fashion.json
json_keys() { cmake -DFILE="$1" -DKEYS="$2" ${3:+-DLINES=ON} -P "$source/tests/cli/json_keys.cmake"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ -d "$data" ] || fail "'$data' missing: install dataset-fashion-mnist"

train() { "$bin/nin-train" --net "$spec" --data "$data" --limit 300 --batch 50 --seed 7 -q "$@"; }
same_weights() { h5diff "$1" "$2" /layers /layers || fail "weights of $1 and $2 differ"; }

case $scenario in
smoke)
  train --epochs 2 -o model.h5 --log log.jsonl --log-every 2
  [ -f model.h5 ] && [ -f model.ckpt.h5 ] || fail "model or checkpoint missing"
  h5dump -A model.h5 > dump.txt || fail "h5dump cannot read model.h5"
  grep -q '"nin-model"' dump.txt || fail "h5dump shows no format attribute"
  h5ls -r model.h5 | grep -q '^/layers/conv1/weight ' || fail "h5ls lists no /layers/conv1/weight"
  grep '"type":"epoch"' log.jsonl > epochs.jsonl
  grep '"type":"step"' log.jsonl > steps.jsonl
  [ "$(wc -l < epochs.jsonl)" -eq 2 ] || fail "log.jsonl should hold 2 epoch records"
  [ "$(wc -l < steps.jsonl)" -eq 6 ] || fail "log.jsonl should hold 6 step records (every 2 of 12 steps)"
  json_keys epochs.jsonl "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images_per_s,eval_seconds,best" lines
  json_keys steps.jsonl "epoch,step,loss,accuracy,lr,images_per_s" lines
  "$bin/nin-eval" model.h5 --data "$data" --limit 200 --format json > eval.json
  json_keys eval.json "models.0.model,models.0.network,models.0.samples,models.0.top1_accuracy,models.0.topk_accuracy,models.0.mean_loss,models.0.per_class.9.f1,models.0.confusion.9.9"
  grep -q '"samples": 200' eval.json || fail "nin-eval did not evaluate 200 images"
  # nin-train evaluates as nin-eval does: with the same batch size, the best epoch's test loss is
  # nin-eval's to the last digit. (Across batch sizes OpenBLAS may block the products differently
  # on some CPUs, which moves the last bits.)
  best_loss=$(grep '"best":true' epochs.jsonl | tail -n 1 | sed -n 's/.*"test_loss":\([0-9.e+-]*\).*/\1/p')
  "$bin/nin-eval" model.h5 --data "$data" --limit 300 --batch 50 --format json > eval300.json
  grep -q "\"mean_loss\": $best_loss," eval300.json ||
    fail "nin-train's best test loss $best_loss is not nin-eval's: $(grep mean_loss eval300.json)"
  "$bin/nin-eval" model.h5 model.h5 --data "$data" --limit 50 --format csv > eval.csv
  [ "$(wc -l < eval.csv)" -eq 3 ] || fail "two models should give a header and two rows"
  "$bin/nin-eval" model.h5 --data "$data" --limit 20 --predictions --format json > predictions.jsonl 2> summary.txt
  [ "$(wc -l < predictions.jsonl)" -eq 20 ] || fail "expected 20 prediction lines"
  json_keys predictions.jsonl "index,label,predicted,confidence,top_k" lines
  grep -q "top-1" summary.txt || fail "summary missing on stderr"
  "$bin/nin-params" model.h5 --format json > params.json
  json_keys params.json "totals.params"
  # A validation split held out of the training images replaces the test set.
  train --epochs 1 --val 50 --crop-pad 2 --flip -o val.h5 --log val.jsonl
  json_keys val.jsonl "validation_accuracy,validation_loss" lines
  grep -q '"test_accuracy"' val.jsonl && fail "with --val the test set should not be evaluated"
  h5dump -a metrics val.h5 | grep -q validation_accuracy || fail "the model's metrics lack validation_accuracy"
  ;;
resume)
  train --epochs 2 -o straight.h5
  train --epochs 2 --stop-after 1 -o resumed.h5
  [ "$(h5dump -a /checkpoint/epoch resumed.ckpt.h5 | grep -c '(0): 1')" -eq 1 ] || fail "the first run should stop after epoch 1"
  "$bin/nin-train" --resume resumed.ckpt.h5 -o resumed.h5 -q
  same_weights straight.ckpt.h5 resumed.ckpt.h5
  h5diff straight.ckpt.h5 resumed.ckpt.h5 /checkpoint/velocity /checkpoint/velocity || fail "velocity differs"
  ;;
threads)
  train --epochs 1 --threads 1 -o one.h5
  train --epochs 1 --threads 2 -o two.h5
  same_weights one.ckpt.h5 two.ckpt.h5
  # Random erasing and label smoothing draw nothing from the thread layout either.
  train --epochs 1 --threads 1 --erase 0.5 --label-smoothing 0.1 -o erase1.h5
  train --epochs 1 --threads 2 --erase 0.5 --label-smoothing 0.1 -o erase2.h5
  same_weights erase1.ckpt.h5 erase2.ckpt.h5
  if h5diff -q one.ckpt.h5 erase1.ckpt.h5 /layers /layers; then
    fail "--erase and --label-smoothing changed nothing"
  fi
  "$bin/nin-eval" one.h5 --data "$data" --limit 100 --predictions --threads 1 > p1.csv 2>/dev/null
  "$bin/nin-eval" one.h5 --data "$data" --limit 100 --predictions --threads 2 > p2.csv 2>/dev/null
  cmp -s p1.csv p2.csv || fail "predictions depend on --threads"
  ;;
recipe)
  # A named recipe stands in for the defaults; options on the command line win over it.
  "$bin/nin-train" --net "$spec" --data "$data" --limit 300 --seed 7 --recipe fast --epochs 2 \
    --batch 50 -o model.h5 --log log.jsonl 2> stderr.txt
  grep -q "^nin-train: recipe 'fast': --net nin-mnist-bn-light-dropout --epochs 8 --batch 128 " \
    stderr.txt ||
    fail "no note of the recipe: $(cat stderr.txt)"
  h5dump -A -g /checkpoint model.ckpt.h5 > options.txt
  for key in '\"epochs\":2,' '\"batch\":50,' '\"lr\":0.2,' '\"eval_every\":0'; do
    grep -q "$key" options.txt || fail "the checkpoint's options lack $key"
  done
  # --eval-every 0: only the last epoch is evaluated.
  grep -q '"epoch":1,.*"train_accuracy":[0-9.e-]*,"lr"' log.jsonl || fail "epoch 1 was evaluated"
  grep -q '"epoch":2,.*"test_accuracy"' log.jsonl || fail "the last epoch was not evaluated"
  # Evaluation after every second epoch and the last: epochs 2 and 3 of 3.
  train --epochs 3 --eval-every 2 -o every2.h5 --log every2.jsonl
  [ "$(grep -c '"test_accuracy"' every2.jsonl)" -eq 2 ] || fail "--eval-every 2 of 3 epochs: 2 evaluations"
  ;;
crash)
  # SIGKILL at the dangerous moments of a checkpoint write (fault injection), then resume.
  train --epochs 1 -o model.h5
  cp model.ckpt.h5 before.h5
  for stage in open partial before-rename after-rename; do
    set +e
    NIN_CRASH_AT="$stage" train --resume model.ckpt.h5 --epochs 3 -o model.h5 2>/dev/null
    status=$?
    set -e
    [ "$status" -eq 137 ] || fail "stage $stage: expected death by SIGKILL (137), got $status"
    for f in *.h5; do
      h5dump -A "$f" > /dev/null 2>&1 || fail "stage $stage: '$f' is not a readable HDF5 file"
      "$bin/nin-params" "$f" > /dev/null || fail "stage $stage: '$f' does not load"
    done
  done
  "$bin/nin-train" --resume model.ckpt.h5 --epochs 3 -o model.h5 -q
  ls *.tmp-* > /dev/null 2>&1 && fail "temporary files left behind: $(ls *.tmp-*)"
  "$bin/nin-eval" model.h5 --data "$data" --limit 50 > /dev/null
  ;;
signal)
  set +e
  NIN_SIGNAL_AT_STEP=3 train --epochs 4 -o model.h5 2> err.txt
  status=$?
  set -e
  [ "$status" -eq 130 ] || fail "expected exit 130 after SIGINT, got $status: $(cat err.txt)"
  grep -q "interrupted by SIGINT" err.txt || fail "no interruption message"
  "$bin/nin-train" --resume model.ckpt.h5 -o model.h5 -q --log resumed.jsonl
  train --epochs 4 -o straight.h5 --log straight.jsonl
  same_weights straight.ckpt.h5 model.ckpt.h5
  # The interrupted epoch reports the training loss and accuracy of all its steps.
  epoch_summary() { grep '"epoch":1,' "$1" | sed -n 's/.*\("train_loss":[^,]*,"train_accuracy":[^,]*\).*/\1/p'; }
  [ -n "$(epoch_summary straight.jsonl)" ] || fail "straight.jsonl has no epoch 1 record"
  [ "$(epoch_summary resumed.jsonl)" = "$(epoch_summary straight.jsonl)" ] ||
    fail "epoch 1 after resuming reports $(epoch_summary resumed.jsonl), straight $(epoch_summary straight.jsonl)"
  ;;
terminal)
  # On a terminal (a pseudo-terminal from script(1)) a live bar is redrawn in place; elsewhere only
  # the per-epoch lines appear.
  command -v script > /dev/null || { echo "skipped: script(1) is not installed"; exit 77; }
  command="$(printf '%q ' "$bin/nin-train" --net "$spec" --data "$data" --limit 300 --batch 50 --seed 7 --epochs 1 -o tty.h5)"
  script -qec "$command" /dev/null > tty.txt < /dev/null
  grep -q $'\r\033\[Kepoch 1/1 \[#*\.*\] *[0-9]*% *[0-9]* img/s  loss [0-9.]*  acc *[0-9.]*%  ETA' tty.txt ||
    fail "no live progress bar on a terminal: $(od -c tty.txt | head -5)"
  grep -q 'epoch 1/1: train loss' tty.txt || fail "no epoch line on a terminal"
  "$bin/nin-train" --net "$spec" --data "$data" --limit 300 --batch 50 --seed 7 --epochs 1 -o plain.h5 2> plain.txt
  grep -q $'\r' plain.txt && fail "progress bar drawn on a file: $(od -c plain.txt | head -3)"
  [ "$(grep -c 'epoch 1/1: train loss' plain.txt)" -eq 1 ] || fail "expected one epoch line: $(cat plain.txt)"
  ;;
pictures)
  # --plot: the training curves as a well-formed SVG, one marker per epoch on each curve, rewritten
  # after each epoch. --confusion-svg: the confusion matrix as classes² cells, the class names
  # (with characters XML must escape) on both axes.
  svg_count() {  # FILE CLASS: how many elements of that class a well-formed SVG holds
    /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
print(sum(1 for e in root.iter() if e.get("class") == sys.argv[2]))' "$1" "$2"
  }
  train --epochs 2 -o model.h5 --plot curves.svg --log log.jsonl
  for series in train-loss eval-loss train-accuracy eval-accuracy learning-rate; do
    n=$(svg_count curves.svg "point $series") || fail "curves.svg is not a well-formed SVG"
    [ "$n" -eq 2 ] || fail "curves.svg: $n markers on $series, expected 2 (epochs)"
  done
  grep -q '>accuracy (%)<' curves.svg && grep -q '>epoch<' curves.svg || fail "axis titles missing"
  ls curves.svg.tmp-* 2> /dev/null && fail "a temporary file was left"
  printf '%s\n' 'T-shirt & top' 'Trouser <long>' '"Pullover"' Dress Coat Sandal Shirt Sneaker Bag \
    "Ankle boot's" > names.txt
  "$bin/nin-eval" model.h5 --data "$data" --limit 200 --class-names names.txt \
    --confusion-svg confusion.svg > eval.txt
  n=$(svg_count confusion.svg cell) || fail "confusion.svg is not a well-formed SVG"
  [ "$n" -eq 100 ] || fail "confusion.svg: $n cells, expected 10 x 10"
  [ "$(svg_count confusion.svg row-label)" -eq 10 ] || fail "confusion.svg: row labels"
  [ "$(svg_count confusion.svg column-label)" -eq 10 ] || fail "confusion.svg: column labels"
  grep -q '>T-shirt &amp; top<' confusion.svg || fail "class names are not escaped"
  grep -q '>true class<' confusion.svg && grep -q '>predicted class<' confusion.svg ||
    fail "axis titles missing"
  # The counts in the cells add up to the images evaluated.
  /usr/bin/python3 -c 'import xml.etree.ElementTree as E
root = E.parse("confusion.svg").getroot()
total = sum(int(e.text) for e in root.iter() if e.get("class") == "count")
assert total == 200, total' || fail "the cells do not count 200 images"
  # An existing picture is replaced; a model that cannot be read leaves it as it was.
  cp confusion.svg before.svg
  "$bin/nin-eval" missing.h5 --data "$data" --limit 200 --confusion-svg confusion.svg \
    > /dev/null 2>&1 && fail "a missing model should fail"
  cmp -s before.svg confusion.svg || fail "a failed evaluation changed the picture"
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "ok: $scenario"
