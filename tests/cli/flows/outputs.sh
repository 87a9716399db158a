#!/usr/bin/env bash
# What nin-train and nin-convert refuse to write: anything but a regular file, a symbolic link, one
# of the run's inputs, an output twice, a name of the wrong format, an output another process is
# writing. Each case must fail with one line on stderr and the right exit status, and leave every
# file it names as it was.
#   outputs.sh CASE BIN_DIR WORK_DIR SOURCE_DIR MODEL_FIXTURE
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4 fixture=$5
fashion=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
tiny=$source/tests/cli/specs/tiny-fashion.json
rm -rf "$work" && mkdir -p "$work" && cd "$work"
. "$source/tests/cli/flows/expect.sh"
train() { "$bin/nin-train" -q --net "$tiny" --epochs 1 --batch 50 --limit 100 "$@"; }
convert() { "$bin/nin-convert" "$@"; }
model() { train -o good.h5; }
# Holds the lock of $1 as a running writer does (file descriptor 9, pid of this shell inside).
hold_lock() { exec 9<> "$1.lock" && flock -n 9 && echo $$ >&9; }
unchanged() { cmp -s "$1" "$2" || fail "'$1' was changed"; }

case $case_name in
dev-null)
  expect 2 "^nin-train: error: -o '/dev/null': the file name must end in .h5 or .hdf5" train -o /dev/null
  [ -c /dev/null ] || fail "/dev/null is no longer a character device" ;;
device)
  # A device node of one's own (the same as /dev/null) needs root; elsewhere the case is skipped.
  mknod dev.h5 c 1 3 2> /dev/null || { echo "skipped: mknod needs root"; exit 77; }
  expect 1 "^nin-train: error: -o '.*dev.h5': not a regular file \(a character device\); nin writes models to regular files only$" \
    train -o dev.h5
  [ -c dev.h5 ] || fail "dev.h5 is no longer a character device" ;;
fifo)
  mkfifo pipe.h5
  expect 1 "^nin-train: error: -o '.*pipe.h5': not a regular file \(a FIFO\)" train -o pipe.h5
  [ -p pipe.h5 ] || fail "pipe.h5 is no longer a FIFO" ;;
fifo-checkpoint)
  mkfifo pipe.h5
  expect 1 "^nin-train: error: --checkpoint '.*pipe.h5': not a regular file \(a FIFO\)" \
    train -o out.h5 --checkpoint pipe.h5
  [ -p pipe.h5 ] || fail "pipe.h5 is no longer a FIFO" ;;
socket)
  python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock.h5")'
  expect 1 "^nin-train: error: -o '.*sock.h5': not a regular file \(a socket\)" train -o sock.h5
  [ -S sock.h5 ] || fail "sock.h5 is no longer a socket" ;;
symlink)
  echo "the target" > target.h5 && cp target.h5 target.orig
  ln -s target.h5 link.h5
  expect 1 "^nin-train: error: -o '.*link.h5': is a symbolic link. give the target's path" train -o link.h5
  [ -L link.h5 ] || fail "link.h5 is no longer a symbolic link"
  unchanged target.h5 target.orig ;;
data-file)
  "$fixture" dataset data.h5 && cp data.h5 data.orig
  expect 2 "^nin-train: error: -o '.*data.h5': the same file as --data '.*data.h5'. nin never writes over its inputs" \
    train --data data.h5 -o data.h5
  unchanged data.h5 data.orig ;;
data-hard-link)
  "$fixture" dataset data.h5 && cp data.h5 data.orig
  ln data.h5 same.h5
  expect 2 "^nin-train: error: -o '.*same.h5': the same file as --data '.*data.h5'" \
    train --data data.h5 -o same.h5
  unchanged data.h5 data.orig ;;
data-directory)
  mkdir data && cp "$fashion/train-labels-idx1-ubyte.gz" data/ && cp data/train-labels-idx1-ubyte.gz labels.orig
  ln data/train-labels-idx1-ubyte.gz labels.h5
  expect 2 "^nin-train: error: -o '.*labels.h5': the same file as --data 'data/train-labels-idx1-ubyte.gz'" \
    train --data data -o labels.h5
  unchanged data/train-labels-idx1-ubyte.gz labels.orig ;;
beside-data)
  # Other files in a data set directory are no input: a model and a log there may be rewritten.
  mkdir data && ln -s "$fashion"/*-ubyte.gz data/
  echo "an old model" > data/model.h5 && echo '{}' > data/log.jsonl
  train --data data -o data/model.h5 --log data/log.jsonl
  "$bin/nin-params" data/model.h5 > /dev/null || fail "data/model.h5 is not the new model" ;;
log-is-data)
  "$fixture" dataset data.h5 && cp data.h5 data.orig
  expect 2 "^nin-train: error: --log '.*data.h5': the same file as --data" \
    train --data data.h5 -o out.h5 --log data.h5
  unchanged data.h5 data.orig ;;
checkpoint-is-output)
  # Another spelling of the same name is the same file.
  expect 2 "^nin-train: error: --checkpoint '.*/new.h5': the same file as -o 'new.h5'. each output needs a file of its own$" \
    train -o new.h5 --checkpoint "$work/./new.h5"
  [ ! -e new.h5 ] || fail "new.h5 was written" ;;
log-is-output)
  expect 2 "^nin-train: error: --log 'out.h5': the same file as -o 'out.h5'" train -o out.h5 --log out.h5 ;;
log-is-checkpoint)
  expect 2 "^nin-train: error: --log 'out.ckpt.h5': the same file as --checkpoint 'out.ckpt.h5'" \
    train -o out.h5 --log out.ckpt.h5 ;;
onnx-output)
  expect 2 "^nin-train: error: -o 'out.onnx': the file name must end in .h5 or .hdf5 \(nin-train writes nin models. nin-convert exports ONNX\)$" \
    train -o out.onnx ;;
checkpoint-extension)
  expect 2 "^nin-train: error: --checkpoint 'out.ckpt': the file name must end in .h5 or .hdf5" \
    train -o out.h5 --checkpoint out.ckpt
  [ ! -e out.ckpt ] || fail "out.ckpt was written" ;;
resume-is-output)
  model && cp good.ckpt.h5 ckpt.orig
  expect 2 "^nin-train: error: -o 'good.ckpt.h5': the same file as --resume 'good.ckpt.h5'" \
    "$bin/nin-train" -q --resume good.ckpt.h5 -o good.ckpt.h5 --epochs 2
  unchanged good.ckpt.h5 ckpt.orig ;;
net-is-output)
  model && cp good.h5 good.orig
  expect 2 "^nin-train: error: -o 'good.h5': the same file as --weights 'good.h5'" \
    "$bin/nin-train" -q --weights good.h5 --epochs 1 --limit 100 -o good.h5
  unchanged good.h5 good.orig
  # A trained model given as --net would start from random weights: refused, pointing to --weights.
  expect 2 "^nin-train: error: --net 'good.h5' is a trained model: to start from its parameters use --weights 'good.h5' \(--net alone would take only its architecture\)$" \
    "$bin/nin-train" -q --net good.h5 --epochs 1 --limit 100 -o other.h5 ;;
locked)
  hold_lock out.h5
  expect 1 "^nin-train: error: -o '.*out.h5': another nin process is writing it \(pid $$\)$" train -o out.h5
  [ ! -e out.ckpt.h5 ] || fail "the checkpoint was written" ;;
locked-checkpoint)
  hold_lock out.ckpt.h5
  expect 1 "^nin-train: error: --checkpoint '.*out.ckpt.h5': another nin process is writing it \(pid $$\)$" \
    train -o out.h5
  [ ! -e out.h5.lock ] || fail "the lock of out.h5, taken before, was not removed" ;;
lock-released)
  # A lock file left by a writer killed at any moment is no lock: the kernel released it.
  set +e
  NIN_CRASH_AT=open train -o model.h5 2> /dev/null
  status=$?
  set -e
  [ "$status" -eq 137 ] || fail "expected death by SIGKILL (137), got $status"
  [ -e model.ckpt.h5.lock ] || fail "the killed writer left no lock file (the test proves nothing)"
  flock -n model.ckpt.h5.lock true || fail "the lock of a killed writer is still held"
  train -o model.h5
  [ -f model.h5 ] && [ -f model.ckpt.h5 ] || fail "model or checkpoint missing"
  [ ! -e model.h5.lock ] && [ ! -e model.ckpt.h5.lock ] || fail "a finished run left its lock files" ;;
convert-fifo)
  model && mkfifo pipe.onnx
  expect 1 "^nin-convert: error: -o '.*pipe.onnx': not a regular file \(a FIFO\)" convert good.h5 -o pipe.onnx
  [ -p pipe.onnx ] || fail "pipe.onnx is no longer a FIFO" ;;
convert-dev-null)
  model
  expect 2 "^nin-convert: error: -o '/dev/null': the file name must end in .h5, .hdf5 \(nin model\) or .onnx" \
    convert good.h5 -o /dev/null
  [ -c /dev/null ] || fail "/dev/null is no longer a character device" ;;
convert-symlink)
  model && echo "the target" > target.onnx && cp target.onnx target.orig
  ln -s target.onnx link.onnx
  expect 1 "^nin-convert: error: -o '.*link.onnx': is a symbolic link" convert good.h5 -o link.onnx
  [ -L link.onnx ] || fail "link.onnx is no longer a symbolic link"
  unchanged target.onnx target.orig ;;
convert-class-names)
  model && for i in 0 1 2 3 4 5 6 7 8 9; do echo "class $i"; done > names.h5 && cp names.h5 names.orig
  expect 2 "^nin-convert: error: -o 'names.h5': the same file as --rename-classes 'names.h5'" \
    convert good.h5 --rename-classes names.h5 -o names.h5
  unchanged names.h5 names.orig ;;
convert-locked)
  model && hold_lock out.onnx
  expect 1 "^nin-convert: error: -o 'out.onnx': another nin process is writing it \(pid $$\)$" \
    convert good.h5 -o out.onnx ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
