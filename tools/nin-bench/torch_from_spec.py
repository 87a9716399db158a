#!/usr/bin/python3
"""PyTorch's side of the speed comparisons: the network of a nin spec built as torch.nn layers.

    torch_from_spec.py SPEC.json [THREADS] [TRAIN_BATCH] [INFER_BATCH] [SECONDS]
        prints one line: name, parameters, threads, train_img_s (forward, backward and an SGD step
        with momentum at TRAIN_BATCH, default 128) and infer_img_s (forward at INFER_BATCH, default
        256), each timed for SECONDS (default 8) after warm-up steps, on random data.
    torch_from_spec.py SPEC.json --fashion EPOCHS [THREADS] [LR] [DATA_DIR]
        trains on Fashion-MNIST (IDX files, default /usr/share/datasets/fashion-mnist) with
        nin-train's main-job recipe at batch 128: He initialisation, Nesterov SGD with momentum
        0.9, LR (default 0.05) with 0.4 epochs of linear warm-up then cosine decay, weight decay
        5e-4, inputs normalised by the training set's mean and std, no augmentation; prints one
        line per epoch: epoch, seconds so far (training and the test pass), mean training loss and
        test accuracy.

Needs python3-torch (/usr/bin/python3).
"""
import gzip
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn


def pooled(size, kernel, stride, pad, ceil_mode):
    """nin's pooling output size (Caffe's ceil mode, or floor mode), to check PyTorch agrees."""
    if not ceil_mode:
        return (size + 2 * pad - kernel) // stride + 1
    out = math.ceil((size + 2 * pad - kernel) / stride) + 1
    return out - 1 if (out - 1) * stride >= size + pad else out


def pair(value):
    return tuple(value) if isinstance(value, list) else (value, value)


def build(spec):
    """The layers of a nin spec as an nn.Sequential (same shapes, same parameter count)."""
    channels, height, width = (spec["input"][k] for k in ("channels", "height", "width"))
    layers, flat = [], False
    for layer in spec["layers"]:
        kind = layer["type"]
        if kind == "convolution":
            k, s, p = (pair(layer.get(f, d)) for f, d in (("kernel", 1), ("stride", 1), ("pad", 0)))
            layers.append(nn.Conv2d(channels, layer["outputs"], k, s, p, bias=layer.get("bias", True)))
            channels = layer["outputs"]
            height = (height + 2 * p[0] - k[0]) // s[0] + 1
            width = (width + 2 * p[1] - k[1]) // s[1] + 1
        elif kind in ("max_pool", "avg_pool"):
            k, s, p = (pair(layer.get(f, d)) for f, d in (("kernel", 1), ("stride", 1), ("pad", 0)))
            ceil_mode = layer.get("ceil_mode", True)
            pool = (nn.MaxPool2d(k, s, p, ceil_mode=ceil_mode) if kind == "max_pool" else
                    nn.AvgPool2d(k, s, p, ceil_mode=ceil_mode, count_include_pad=False))
            layers.append(pool)
            height = pooled(height, k[0], s[0], p[0], ceil_mode)
            width = pooled(width, k[1], s[1], p[1], ceil_mode)
        elif kind == "global_avg_pool":
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            height = width = 1
            flat = True
        elif kind == "relu":
            layers.append(nn.ReLU(inplace=True))
        elif kind == "dropout":
            layers.append(nn.Dropout(layer.get("ratio", 0.5)))
        elif kind == "batch_norm":
            layers.append(nn.BatchNorm2d(channels, eps=layer.get("eps", 1e-5),
                                         momentum=layer.get("momentum", 0.1)))
        elif kind == "fully_connected":
            if not flat:
                layers.append(nn.Flatten())
                flat = True
            layers.append(nn.Linear(channels * height * width, layer["outputs"],
                                    bias=layer.get("bias", True)))
            channels, height, width = layer["outputs"], 1, 1
        else:
            raise SystemExit(f"torch_from_spec: layer type '{kind}' has no PyTorch equivalent here")
    return nn.Sequential(*layers)


def images_per_second(step, batch, seconds):
    for _ in range(3):
        step()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        count += 1
    return count * batch / (time.perf_counter() - start)


def read_idx(path, header):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def train_fashion(spec, epochs, threads, base_lr, data):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    train_x = read_idx(f"{data}/train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    train_y = read_idx(f"{data}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    test_x = read_idx(f"{data}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    test_y = torch.from_numpy(read_idx(f"{data}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
    mean, std = train_x.mean(), train_x.std()
    train_x = torch.from_numpy((train_x.astype(np.float32) - mean) / std)
    test_x = torch.from_numpy((test_x.astype(np.float32) - mean) / std)
    net = build(spec)
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    optimizer = torch.optim.SGD(net.parameters(), lr=base_lr, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    loss = nn.CrossEntropyLoss()
    batch = 128
    per_epoch = len(train_y) // batch
    total, warmup = epochs * per_epoch, 0.4 * per_epoch
    step, start = 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        net.train()
        order = rng.permutation(len(train_y))
        loss_sum = 0.0
        for i in range(per_epoch):
            lr = base_lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / total))
            for group in optimizer.param_groups:
                group["lr"] = lr
            chosen = torch.from_numpy(order[i * batch:(i + 1) * batch])
            optimizer.zero_grad()
            value = loss(net(train_x[chosen]), torch.from_numpy(train_y[chosen.numpy()]))
            value.backward()
            optimizer.step()
            loss_sum += value.item()
            step += 1
        net.eval()
        with torch.no_grad():
            correct = sum((net(test_x[i:i + 500]).argmax(1) == test_y[i:i + 500]).sum().item()
                          for i in range(0, len(test_y), 500))
        print(f"{spec.get('name', 'net')} epoch {epoch} t={time.perf_counter() - start:.0f}s "
              f"loss={loss_sum / per_epoch:.4f} test_acc={correct / len(test_y):.4f}", flush=True)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    if len(sys.argv) > 2 and sys.argv[2] == "--fashion":
        args = sys.argv[3:]
        train_fashion(spec, int(args[0]) if args else 1, int(args[1]) if len(args) > 1 else 2,
                      float(args[2]) if len(args) > 2 else 0.05,
                      args[3] if len(args) > 3 else "/usr/share/datasets/fashion-mnist")
        return
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    train_batch = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    infer_batch = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 8.0
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = build(spec)
    shape = tuple(spec["input"][k] for k in ("channels", "height", "width"))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss = nn.CrossEntropyLoss()
    x = torch.randn(train_batch, *shape)
    y = torch.randint(0, spec["classes"], (train_batch,))

    def train_step():
        optimizer.zero_grad()
        loss(net(x), y).backward()
        optimizer.step()

    net.train()
    train = images_per_second(train_step, train_batch, seconds)
    net.eval()
    xi = torch.randn(infer_batch, *shape)
    with torch.no_grad():
        infer = images_per_second(lambda: net(xi), infer_batch, seconds * 0.75)
    parameters = sum(p.numel() for p in net.parameters())
    print(f"{spec.get('name', sys.argv[1])} params={parameters} threads={threads} "
          f"train_img_s={train:.1f} infer_img_s={infer:.1f}")


main()
