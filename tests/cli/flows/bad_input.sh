#!/usr/bin/env bash
# Bad input to nin-train and nin-eval: each case must fail with one line on stderr naming the
# problem, a non-zero exit, and no damage to an existing output file.
#   bad_input.sh CASE BIN_DIR WORK_DIR SOURCE_DIR FIXTURE_TOOL
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4 fixture=$5
fashion=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
tiny=$source/tests/cli/specs/tiny-fashion.json
rm -rf "$work" && mkdir -p "$work" && cd "$work"
. "$source/tests/cli/flows/expect.sh"
train() { "$bin/nin-train" -q --epochs 1 --batch 50 --limit 100 -o out.h5 "$@"; }
idx_header() {  # magic count [rows cols] as big-endian 32-bit words
  for word in "$@"; do printf "\\x$(printf %02x $((word >> 24 & 255)))\\x$(printf %02x $((word >> 16 & 255)))\\x$(printf %02x $((word >> 8 & 255)))\\x$(printf %02x $((word & 255)))"; done
}
fashion_copy() {  # a raw (gunzipped) copy of the first N Fashion-MNIST training images and labels
  mkdir -p "$1"
  gzip -dc "$fashion/train-labels-idx1-ubyte.gz" > "$1/train-labels-idx1-ubyte"
  gzip -dc "$fashion/t10k-images-idx3-ubyte.gz" > "$1/t10k-images-idx3-ubyte"
  gzip -dc "$fashion/t10k-labels-idx1-ubyte.gz" > "$1/t10k-labels-idx1-ubyte"
}

case $case_name in
missing-data)
  expect 1 "nin-train: error: '.*no-such-dir'.*no such" train --net "$tiny" --data "$work/no-such-dir" ;;
truncated-idx)
  fashion_copy data
  gzip -dc "$fashion/train-images-idx3-ubyte.gz" | head -c 100000 > data/train-images-idx3-ubyte || [ -s data/train-images-idx3-ubyte ]
  expect 1 "nin-train: error: '.*train-images-idx3-ubyte'.*truncated at image 127 of 60000" \
    "$bin/nin-train" -q --epochs 1 -o out.h5 --net "$tiny" --data data ;;
wrong-magic)
  fashion_copy data
  { idx_header 2049 60000 28 28; gzip -dc "$fashion/train-images-idx3-ubyte.gz" | tail -c +17; } > data/train-images-idx3-ubyte
  expect 1 "nin-train: error: '.*train-images-idx3-ubyte'.*magic" train --net "$tiny" --data data ;;
huge-count)
  fashion_copy data
  # Both headers claim 2^31 records; the files hold a few. Refused before allocating anything.
  { idx_header 2051 2147483648 28 28; head -c 1000 /dev/zero; } > data/train-images-idx3-ubyte
  { idx_header 2049 2147483648; head -c 1000 /dev/zero; } > data/train-labels-idx1-ubyte
  expect 1 "nin-train: error: '.*train-(images|labels)-idx[13]-ubyte'.*2147483648" train --net "$tiny" --data data ;;
huge-dims)
  fashion_copy data
  # rows × cols = (2^32 − 1)^2 does not fit in 64 bits; it once wrapped and read as "truncated".
  { idx_header 2051 60000 4294967295 4294967295; head -c 1000 /dev/zero; } > data/train-images-idx3-ubyte
  expect 1 "^nin-train: error: '.*train-images-idx3-ubyte': images of 4294967295x4294967295 pixels are too large, expected 1 to 67108864 pixels each$" \
    train --net "$tiny" --data data ;;
cifar-size)
  mkdir data
  for i in 1 2 3 4 5; do head -c $((3073 * 2)) /dev/zero > data/data_batch_$i.bin; done
  head -c $((3073 * 2)) /dev/zero > data/test_batch.bin
  head -c 3000 /dev/zero >> data/data_batch_3.bin
  expect 1 "nin-train: error: '.*data_batch_3.bin'.*9146" train --net nin-cifar10 --data data ;;
label-range)
  mkdir data
  # CIFAR-100 records: coarse label, fine label 57, 3072 pixels; a 10-class network cannot take them.
  for f in train test; do
    for r in 1 2; do { printf '\x05\x39'; head -c 3072 /dev/zero; }; done > data/$f.bin
  done
  expect 1 "nin-train: error: .*label 57 of record 0 is out of range for the network's 10 classes" train --net nin-cifar10 --data data ;;
shape-mismatch)
  expect 1 "nin-train: error: .*images are 28×28×1, the network 'nin-cifar10' expects 32×32×3" train --net nin-cifar10 --data "$fashion" ;;
not-hdf5)
  echo "not a model" > text.h5
  expect_error_row 1 "nin-eval: error: '.*text.h5'.*not an HDF5 file" "$bin/nin-eval" text.h5 --data "$fashion" --limit 10 ;;
missing-layer|wrong-shape)
  "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 -o good.h5
  cp good.h5 broken.h5
  if [ "$case_name" = missing-layer ]; then
    "$fixture" drop-layer broken.h5 cccp1
    regex="nin-eval: error: '.*broken.h5'.*cccp1"
  else
    "$fixture" reshape broken.h5 conv2 weight
    regex="nin-eval: error: '.*broken.h5'.*conv2/weight is \[2,3\], expected \[10,8,3,3\]"
  fi
  expect_error_row 1 "$regex" "$bin/nin-eval" broken.h5 --data "$fashion" --limit 10 ;;
nan-weight|negative-variance)
  # A NaN weight or a negative running variance makes every prediction NaN; refused on loading.
  "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 -o good.h5
  cp good.h5 broken.h5
  if [ "$case_name" = nan-weight ]; then
    "$fixture" set broken.h5 cccp1 weight 17 nan
    regex="'.*broken.h5': layer 'cccp1': weight holds a non-finite value \(NaN\) at index 17$"
  else
    "$fixture" set broken.h5 conv1_bn running_var 3 -0.5
    regex="'.*broken.h5': layer 'conv1_bn': running_var holds a negative value \(-0.5\) at index 3$"
  fi
  expect_error_row 1 "^nin-eval: error: $regex" "$bin/nin-eval" broken.h5 --data "$fashion" --limit 10 ;;
checkpoint-options)
  # The recipe in a checkpoint is JSON: a missing key, or a key given twice, names the file.
  "$bin/nin-train" -q --net "$tiny" --epochs 2 --stop-after 1 --batch 50 --limit 100 -o good.h5 --checkpoint run.ckpt.h5
  rm good.h5
  "$fixture" attribute run.ckpt.h5 checkpoint options '{"data": "x"}'
  expect 1 "^nin-train: error: '.*run.ckpt.h5': training options: no key 'labels'$" \
    "$bin/nin-train" -q --resume run.ckpt.h5 -o out.h5
  "$fixture" attribute run.ckpt.h5 checkpoint options '{"data": "x", "data": "y"}'
  expect 1 "^nin-train: error: '.*run.ckpt.h5': training options: key 'data' appears twice in one object$" \
    "$bin/nin-train" -q --resume run.ckpt.h5 -o out.h5 ;;
spec-trailing-nul|spec-duplicate-key)
  # nlohmann's parser ends a document at a NUL byte and keeps the last of two equal keys.
  if [ "$case_name" = spec-trailing-nul ]; then
    { cat "$tiny"; printf '\0{"garbage": 1}'; } > spec.json
    regex="malformed JSON at line 19, column 1: a NUL byte after the document, expected nothing but white space$"
  else
    sed 's/"classes": 10,/"classes": 10, "classes": 12,/' "$tiny" > spec.json
    regex="key 'classes' appears twice in one object$"
  fi
  expect 1 "^nin-params: error: 'spec.json': $regex" "$bin/nin-params" spec.json ;;
output-is-directory)
  mkdir dir.h5
  expect 1 "nin-train: error: -o '.*dir.h5': is a directory" \
    "$bin/nin-train" -q --net "$tiny" --epochs 1 --limit 100 -o dir.h5 ;;
unwritable-output)
  expect 1 "nin-train: error: -o '.*no-such-dir/model.h5': cannot create: no such directory" \
    "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 -o "$work/no-such-dir/model.h5" ;;
file-size-limit)
  # Beyond RLIMIT_FSIZE a write raises SIGXFSZ, which killed nin-train without a word and left its
  # temporary file; ignored, the write fails with EFBIG and is reported as any failed write.
  expect 1 "^nin-train: error: '.*big.h5': cannot write: File too large$" \
    bash -c 'ulimit -f 10 && exec "$@"' - "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 -o big.h5
  [ ! -e big.h5 ] || fail "big.h5 was written" ;;
diverge)
  expect 1 "nin-train: error: the loss became (NaN|infinite) at epoch 1, step [0-9]+. try a lower --lr. No checkpoint" \
    train --net "$tiny" --lr 1e30 ;;
bad-option)
  expect 2 "nin-train: error: .*--bogus" "$bin/nin-train" --bogus ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
