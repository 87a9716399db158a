#!/usr/bin/env bash
# Bad input to nin-convert: each case must fail with one line on stderr naming the problem, a
# non-zero exit, nothing on stdout, and no output file written or damaged.
#   convert_bad_input.sh CASE BIN_DIR WORK_DIR SOURCE_DIR ONNX_FIXTURE
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4 fixture=$5
spec=$source/tests/cli/specs/tiny-fashion.json
rm -rf "$work" && mkdir -p "$work" && cd "$work"
. "$source/tests/cli/flows/expect.sh"
convert() { "$bin/nin-convert" "$@"; }
good() { "$fixture" export "$spec" good.onnx; }
broken() { good && "$fixture" break "$1" good.onnx broken.onnx; }

case $case_name in
not-onnx)
  echo "this is a text file" > text.onnx
  expect 1 "^nin-convert: error: '.*text.onnx': not an ONNX model" convert text.onnx -o out.h5 ;;
truncated)
  good
  head -c 1000 good.onnx > truncated.onnx
  expect 1 "^nin-convert: error: '.*truncated.onnx': truncated or damaged ONNX model" \
    convert truncated.onnx -o out.h5 ;;
unsupported-op)
  broken unsupported-op
  expect 1 "^nin-convert: error: '.*broken.onnx': LRN 'conv1_relu': unsupported op. nin maps Conv, Relu" \
    convert broken.onnx -o out.h5 ;;
conv-group)
  broken conv-group
  expect 1 "^nin-convert: error: '.*broken.onnx': Conv 'conv2': group 2 \(a grouped convolution\) is not supported" \
    convert broken.onnx -o out.h5 ;;
conv-dilation)
  broken conv-dilation
  expect 1 "^nin-convert: error: '.*broken.onnx': Conv 'conv1': dilations \[2,2\] are not supported" \
    convert broken.onnx -o out.h5 ;;
two-inputs)
  broken two-inputs
  expect 1 "^nin-convert: error: '.*broken.onnx': the graph has 2 inputs \('input', 'second_input'\)" \
    convert broken.onnx -o out.h5 ;;
weight-shape)
  broken weight-shape
  expect 1 "^nin-convert: error: '.*broken.onnx': Conv 'conv2': weight 'conv2/weight' is \[10,9,3,3\], but the input has 8 channels \(expected \[10,8,3,3\]\)" \
    convert broken.onnx -o out.h5 ;;
conv-huge-pads|params-huge-pads)
  # Pads whose doubled size wraps around 2^63 once gave negative sizes and out-of-bounds writes.
  broken conv-huge-pads
  regex="'.*broken.onnx': Conv 'conv1': pads \[4611686018427387903,.*\] exceed nin's limit of 65536$"
  if [ "$case_name" = conv-huge-pads ]; then
    expect 1 "^nin-convert: error: $regex" convert broken.onnx -o out.h5
  else
    expect 1 "^nin-params: error: $regex" "$bin/nin-params" broken.onnx
  fi ;;
eval-unsupported-op)
  broken unsupported-op
  expect_error_row 1 "^nin-eval: error: '.*broken.onnx': LRN 'conv1_relu': unsupported op" \
    "$bin/nin-eval" broken.onnx --limit 10 ;;
class-count)
  good
  printf 'a\nb\nc\n' > names.txt
  expect 1 "^nin-convert: error: '.*names.txt': 3 class names, expected 10, one per class$" \
    convert good.onnx -o out.h5 --rename-classes names.txt ;;
unknown-extension)
  good
  expect 2 "^nin-convert: error: -o '.*out.bin': the file name must end in .h5, .hdf5 \(nin model\) or .onnx" \
    convert good.onnx -o out.bin ;;
softmax-to-hdf5)
  good
  expect 2 "^nin-convert: error: --softmax applies to ONNX output" convert good.onnx -o out.h5 --softmax ;;
strip-onnx)
  good
  expect 2 "^nin-convert: error: --strip turns a checkpoint into a model. '.*good.onnx' is an ONNX model" \
    convert good.onnx -o out.h5 --strip ;;
missing-output)
  good
  expect 2 "^nin-convert: error: .*'--output' is required" convert good.onnx ;;
missing-directory)
  good
  expect 1 "^nin-convert: error: -o '.*no-such-dir/out.h5': cannot create: no such directory" \
    convert good.onnx -o "$work/no-such-dir/out.h5" ;;
*) fail "unknown case $case_name" ;;
esac
