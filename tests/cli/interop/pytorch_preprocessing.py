#!/usr/bin/python3
"""Preprocessing that an ONNX graph leaves out: PyTorch models trained on scaled inputs, exported
without any scaling node, must predict in nin as in PyTorch once the import is told what they
expect.

1. Gray: a small NIN trained for a few steps on Fashion-MNIST pixels scaled to [0, 1]; imported
   with `nin-convert --scale 1/255` and also read directly with `nin-eval --scale 1/255`.
2. RGB: the same on three-channel images (tinted copies of Fashion-MNIST written as PNG files in an
   image folder) normalised as torchvision does, `--mean 0.485,0.456,0.406 --std
   0.229,0.224,0.225` after `--scale 1/255`.

Every logit of COUNT test images must agree with PyTorch's within 1e-4.

    pytorch_preprocessing.py BIN_DIR WORK_DIR DATA_DIR [COUNT]

Exit 0 on success, 1 on a failure, 77 (skipped) when python3-torch or python3-pil is missing.
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
    from PIL import Image
    from torch import nn
except ImportError as e:
    print(f"SKIP: {e.name} is not installed", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_images import read_idx_images, read_idx_labels  # noqa: E402

TOLERANCE = 1e-4
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
bin_dir, work, data = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
os.makedirs(work, exist_ok=True)
torch.manual_seed(11)
torch.set_num_threads(1)


def nin(channels):
    return nn.Sequential(
        nn.Conv2d(channels, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 16, 1), nn.ReLU(),
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.Conv2d(16, 10, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def train(net, inputs, labels, steps=40):
    """A few SGD steps, enough for weights and batch statistics that are not the initial ones."""
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net.train()
    for step in range(steps):
        batch = slice((step * 64) % (len(inputs) - 64), (step * 64) % (len(inputs) - 64) + 64)
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(net(inputs[batch]), labels[batch])
        loss.backward()
        optimiser.step()
    return net.eval()


def run(*command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(command)}: {result.stderr.strip()}")
    return result.stdout


def logits_of(model, data_path, *options):
    out = run(f"{bin_dir}/nin-eval", model, "--data", data_path, "--limit", str(count),
              "--predictions", "--format", "json", *options)
    return np.array([json.loads(line)["logits"] for line in out.splitlines()], dtype=np.float32)


def tint(gray):
    """Three channels that differ from each other: the image, its negative and a darker copy."""
    return np.concatenate([gray, 255 - gray, np.floor(gray * 0.6)], axis=1)


def verdict(name, expected, results):
    failed = False
    for label, got in results.items():
        diff = float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")
        ok = diff <= TOLERANCE
        print(f"{'ok' if ok else 'FAIL'}: {name}, {label}: PyTorch {torch.__version__} vs nin on "
              f"{len(expected)} images (logits {expected.min():.3g} to {expected.max():.3g}): "
              f"max |logit difference| {diff:.3g} (tolerance {TOLERANCE})")
        failed = failed or not ok
    return failed


train_images = read_idx_images(data, 2000, "train")
train_labels = torch.from_numpy(read_idx_labels(data, 2000, "train")).long()
test_images = read_idx_images(data, count)
test_labels = read_idx_labels(data, count)
failed = False

# 1. Gray, scaled to [0, 1]: no scaling node in the graph.
net = train(nin(1), torch.from_numpy(train_images / 255), train_labels)
gray_onnx = os.path.join(work, "gray.onnx")
torch.onnx.export(net, torch.zeros(1, 1, 28, 28), gray_onnx, opset_version=13)
gray_h5 = os.path.join(work, "gray.h5")
run(f"{bin_dir}/nin-convert", gray_onnx, "-o", gray_h5, "--scale", "1/255")
with torch.no_grad():
    expected = net(torch.from_numpy(test_images / 255)).numpy()
failed |= verdict("gray, --scale 1/255", expected, {
    "nin-convert then nin-eval": logits_of(gray_h5, data),
    "nin-eval of the .onnx": logits_of(gray_onnx, data, "--scale", "1/255")})

# 2. RGB, torchvision's normalisation, read from an image folder of PNG files.
folder = os.path.join(work, "rgb")
rgb = tint(test_images).astype(np.uint8)
paths = []
for i, (image, label) in enumerate(zip(rgb, test_labels)):
    directory = os.path.join(folder, "test", f"class{label}")
    os.makedirs(directory, exist_ok=True)
    paths.append((f"class{label}", f"{i:05d}.png", i))
    Image.fromarray(image.transpose(1, 2, 0), "RGB").save(os.path.join(directory, f"{i:05d}.png"))
order = [i for _, _, i in sorted(paths)]  # the folder's sample order: by class, then by name
mean = torch.tensor(MEAN).view(1, 3, 1, 1)
std = torch.tensor(STD).view(1, 3, 1, 1)
rgb_train = torch.from_numpy(tint(train_images) / 255).float()
net = train(nin(3), (rgb_train - mean) / std, train_labels)
rgb_onnx = os.path.join(work, "rgb.onnx")
torch.onnx.export(net, torch.zeros(1, 3, 28, 28), rgb_onnx, opset_version=13)
rgb_h5 = os.path.join(work, "rgb.h5")
options = ["--scale", "1/255", "--mean", ",".join(map(str, MEAN)), "--std", ",".join(map(str, STD))]
run(f"{bin_dir}/nin-convert", rgb_onnx, "-o", rgb_h5, *options)
with torch.no_grad():
    inputs = (torch.from_numpy(rgb[order].astype(np.float32) / 255) - mean) / std
    expected = net(inputs).numpy()
failed |= verdict("RGB, torchvision mean/std", expected, {
    "nin-convert then nin-eval": logits_of(rgb_h5, folder),
    "nin-eval of the .onnx": logits_of(rgb_onnx, folder, *options)})
sys.exit(1 if failed else 0)
