"""Reads images and labels from IDX files (gzip or raw): images as a float32 array [N, C=1, H, W] of
raw pixel values (0..255), the values nin's readers give a network before its normalisation."""
import gzip
import os

import numpy as np


def _open_idx(directory, split, kind):
    base = os.path.join(directory, f"{split}-{kind}")
    path = base + ".gz" if os.path.exists(base + ".gz") else base
    return (gzip.open if path.endswith(".gz") else open)(path, "rb"), path


def read_idx_images(directory, count, split="t10k"):
    f, path = _open_idx(directory, split, "images-idx3-ubyte")
    with f:
        header = np.frombuffer(f.read(16), dtype=">u4")
        if header[0] != 2051:
            raise ValueError(f"{path}: not an IDX image file")
        n, rows, cols = (int(v) for v in header[1:])
        count = min(count, n)
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    return pixels.reshape(count, 1, rows, cols).astype(np.float32)


def read_idx_labels(directory, count, split="t10k"):
    f, path = _open_idx(directory, split, "labels-idx1-ubyte")
    with f:
        header = np.frombuffer(f.read(8), dtype=">u4")
        if header[0] != 2049:
            raise ValueError(f"{path}: not an IDX label file")
        count = min(count, int(header[1]))
        return np.frombuffer(f.read(count), dtype=np.uint8).astype(np.int64)
