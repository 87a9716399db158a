#!/usr/bin/python3
"""PyTorch to nin, fully connected heads: a small network ending in Flatten + Linear + ReLU +
Dropout + Linear, built in PyTorch with random weights, is exported with torch.onnx.export (opset
13: Flatten and Gemm with transB=1), imported with nin-convert and evaluated with nin-eval on
Fashion-MNIST test images; every logit must agree with PyTorch's within 1e-4, and nin-params must
count the parameters PyTorch counts (less the batch norm that the exporter folds into the
convolution).

    pytorch_fc.py BIN_DIR WORK_DIR DATA_DIR [COUNT]

Exit 0 on success, 1 on a failure, 77 (skipped) when python3-torch is not installed.
"""
import json
import os
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
torch.manual_seed(11)
torch.set_num_threads(1)


def run(*command):
    return subprocess.run(command, capture_output=True, text=True)


net = nn.Sequential(
    nn.Conv2d(1, 6, 5, stride=2), nn.BatchNorm2d(6), nn.ReLU(),
    nn.MaxPool2d(2, stride=2),
    nn.Flatten(), nn.Linear(6 * 6 * 6, 24), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(24, 10, bias=False))
for m in net.modules():
    if isinstance(m, nn.BatchNorm2d):
        m.running_mean.normal_(0, 0.5)
        m.running_var.uniform_(0.5, 2.0)
net.eval()
# Inputs are raw pixel values (0..255): scale the first layer so the logits stay moderate.
net[0].weight.data.mul_(1 / 255)

onnx_path = os.path.join(work, "torch-fc.onnx")
h5_path = os.path.join(work, "torch-fc.h5")
torch.onnx.export(net, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                  input_names=["image"], output_names=["scores"])
converted = run(f"{bin_dir}/nin-convert", onnx_path, "-o", h5_path)
if converted.returncode != 0:
    print(f"FAIL: nin-convert: {converted.stderr.strip()}")
    sys.exit(1)

evaluated = run(f"{bin_dir}/nin-eval", h5_path, "--data", data, "--limit", str(count),
                "--predictions", "--format", "json")
if evaluated.returncode != 0:
    print(f"FAIL: nin-eval: {evaluated.stderr.strip()}")
    sys.exit(1)
logits = np.array([json.loads(line)["logits"] for line in evaluated.stdout.splitlines()],
                  dtype=np.float32)
with torch.no_grad():
    expected = net(torch.from_numpy(read_idx_images(data, count))).numpy()
diff = float(np.abs(logits - expected).max())

params = run(f"{bin_dir}/nin-params", h5_path, "--format", "json")
counted = json.loads(params.stdout)["totals"]["params"] if params.returncode == 0 else None
# PyTorch's trainable parameters but BatchNorm's: torch.onnx.export folds it into the Conv before.
torch_count = sum(p.numel() for m in net if not isinstance(m, nn.BatchNorm2d)
                  for p in m.parameters())

ok = diff <= TOLERANCE and counted == torch_count
print(f"{'ok' if ok else 'FAIL'}: Flatten + Linear head: PyTorch {torch.__version__} vs nin-eval "
      f"of the imported model on {len(expected)} images (logits {expected.min():.3g} to "
      f"{expected.max():.3g}): max |logit difference| {diff:.3g} (tolerance {TOLERANCE}); "
      f"parameters: nin-params {counted}, PyTorch {torch_count}")
sys.exit(0 if ok else 1)
