#!/usr/bin/python3
"""PyTorch to nin: small NINs built in PyTorch with random weights (and non-trivial batch-norm
statistics) are exported with torch.onnx.export (opset 13), imported with nin-convert and evaluated
with nin-eval on Fashion-MNIST test images; every logit must agree with PyTorch's within 1e-4.
One network pools with ceil_mode=True (clipped last windows, and one that PyTorch and nin drop
because it would start in the padding), two with ceil_mode=False, PyTorch's default: one whose
windows tile the input (ceil and floor rounding agree, so nin keeps its ceil mode) and one whose
floor rounding leaves rows and columns out (imported with nin's "ceil_mode": false). Pooling that
nin cannot reproduce (AvgPool2d counting its padding; a dilated MaxPool2d) must be refused with one
line naming the node, leaving no output file.

    pytorch_interop.py BIN_DIR WORK_DIR DATA_DIR [COUNT]

Exit 0 on success, 1 on a failure, 77 (skipped) when python3-torch is not installed.
"""
import json
import os
import re
import subprocess
import sys

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError:
    print("SKIP: python3-torch is not installed (import torch failed)", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_images import read_idx_images  # noqa: E402

TOLERANCE = 1e-4
bin_dir, work, data = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 100
os.makedirs(work, exist_ok=True)
torch.manual_seed(5)
torch.set_num_threads(1)


class Normalize(nn.Module):
    """(x − mean) / std with constant buffers: exported as Sub and Div."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.full((1, 1, 1, 1), mean))
        self.register_buffer("std", torch.full((1, 1, 1, 1), std))

    def forward(self, x):
        return (x - self.mean) / self.std


def nin(pools):
    """conv5x5 (+BN, folded into the Conv by the exporter) → cccp → BN after ReLU (kept) → pool →
    dropout → conv3x3 → cccp without bias → BN → pools → cccp to 10 classes → global pooling."""
    return nn.Sequential(
        Normalize(72.94, 90.02),
        nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 16, 1), nn.ReLU(), nn.BatchNorm2d(16),
        pools[0],
        nn.Dropout(0.5),
        nn.Conv2d(16, 24, 3, padding=1), nn.ReLU(),
        nn.Conv2d(24, 24, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(),
        *pools[1:],
        nn.Conv2d(24, 10, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def randomise(net):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.2)
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    # Logits of a few units rather than tenths, so that the tolerance means something.
    net[-3].weight.data.mul_(20)
    return net.eval()


NETWORKS = {
    # 28 → 14 (last window clipped) → 8 (padded, last window clipped) → 3 (ceil gives 4, but the
    # fourth window would start in the padding: PyTorch and nin drop it).
    "ceil_mode=True": [
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        nn.MaxPool2d(3, stride=3, padding=1, ceil_mode=True)],
    # Windows that tile the input exactly, where floor and ceil rounding agree: 28 → 14 → 14 → 7.
    "ceil_mode=False": [
        nn.MaxPool2d(2, stride=2),
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
        nn.MaxPool2d(2, stride=2)],
    # PyTorch's defaults where floor rounding gives fewer windows than ceil rounding:
    # 28 → 13 (ceil 14) → 6 (ceil 7) → 3 (padded, ceil 4), each in nin's floor mode.
    "floor-mode": [
        nn.MaxPool2d(3, stride=2),
        nn.MaxPool2d(2, stride=2),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)],
}
# "ceil_mode": false in the imported spec, for the pooling layers of each network in order.
# Each pooling layer comes back in PyTorch's own mode (also where both modes give its windows).
FLOOR_MODE = {"ceil_mode=True": [False, False, False], "ceil_mode=False": [True, True, True],
              "floor-mode": [True, True, True]}
REFUSED = {
    # A window of every other cell: nin's windows are contiguous.
    "dilation": ([nn.MaxPool2d(3, stride=2, dilation=2), nn.MaxPool2d(2, stride=2)],
                 r"MaxPool '[^']*': dilations \[2,2\] are not supported. nin pooling has dilation 1$"),
    # PyTorch's default count_include_pad=True averages over the padding too (exported as a Pad).
    "count-include-pad": ([nn.MaxPool2d(2, stride=2), nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                           nn.MaxPool2d(2, stride=2)],
                          r"Pad '[^']*': pads the activations by \[0,0,1,1,0,0,1,1\]"),
}


def run(*command):
    return subprocess.run(command, capture_output=True, text=True)


def export(net, path):
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      input_names=["image"], output_names=["scores"])


def floor_mode_layers(model):
    """Whether each pooling layer of a nin model (nin-params --format json) is in floor mode."""
    result = run(f"{bin_dir}/nin-params", model, "--format", "json")
    if result.returncode != 0:
        raise SystemExit(f"FAIL: nin-params {model}: {result.stderr.strip()}")
    layers = json.loads(result.stdout)["layers"]
    return [layer["kernel"].endswith(" floor") for layer in layers
            if layer["type"] in ("max_pool", "avg_pool")]


def nin_logits(model):
    result = run(f"{bin_dir}/nin-eval", model, "--data", data, "--limit", str(count),
                 "--predictions", "--format", "json")
    if result.returncode != 0:
        raise SystemExit(f"FAIL: nin-eval {model}: {result.stderr.strip()}")
    return np.array([json.loads(line)["logits"] for line in result.stdout.splitlines()],
                    dtype=np.float32)


images = torch.from_numpy(read_idx_images(data, count))
failed = False
for name, pools in NETWORKS.items():
    net = randomise(nin(pools))
    onnx_path = os.path.join(work, f"torch-{name.replace('=', '-')}.onnx")
    h5_path = onnx_path[:-5] + ".h5"
    export(net, onnx_path)
    converted = run(f"{bin_dir}/nin-convert", onnx_path, "-o", h5_path)
    if converted.returncode != 0:
        print(f"FAIL: {name}: nin-convert: {converted.stderr.strip()}")
        failed = True
        continue
    with torch.no_grad():
        expected = net(images).numpy()
    from_h5, from_onnx = nin_logits(h5_path), nin_logits(onnx_path)
    diff = float(np.abs(from_h5 - expected).max())
    floor_mode = floor_mode_layers(h5_path)
    verdict = ("ok" if diff <= TOLERANCE and np.array_equal(from_h5, from_onnx)
               and floor_mode == FLOOR_MODE[name] else "FAIL")
    print(f"{verdict}: {name}: PyTorch {torch.__version__} vs nin-eval of the imported model on "
          f"{len(images)} images (logits {expected.min():.3g} to {expected.max():.3g}): "
          f"max |logit difference| {diff:.3g} (tolerance {TOLERANCE}); "
          f"nin-eval of the .onnx file and of the converted .h5 agree: "
          f"{np.array_equal(from_h5, from_onnx)}; pooling in floor mode: {floor_mode} "
          f"(expected {FLOOR_MODE[name]})")
    failed = failed or verdict != "ok"

for name, (pools, pattern) in REFUSED.items():
    onnx_path = os.path.join(work, f"torch-{name}.onnx")
    h5_path = onnx_path[:-5] + ".h5"
    export(randomise(nin(pools)), onnx_path)
    refused = run(f"{bin_dir}/nin-convert", onnx_path, "-o", h5_path)
    lines = refused.stderr.splitlines()
    ok = (refused.returncode == 1 and len(lines) == 1 and re.search(pattern, lines[0])
          and not os.path.exists(h5_path))
    print(f"{'ok' if ok else 'FAIL'}: {name} refused: exit {refused.returncode}: {refused.stderr.strip()}")
    failed = failed or not ok
sys.exit(1 if failed else 0)
