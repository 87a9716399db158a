#!/usr/bin/python3
"""Runs ONNX models exported by nin-convert with OpenCV's dnn module and compares the logits with
nin-eval's, image by image.

    opencv_logits.py DATA_DIR COUNT MODEL.onnx PREDICTIONS.jsonl [MODEL.onnx PREDICTIONS.jsonl]...

PREDICTIONS.jsonl is `nin-eval MODEL --data DATA_DIR --limit COUNT --predictions --format json`.
Exit 0 when every logit agrees within 1e-4, 1 otherwise, 77 (skipped) when python3-opencv is not
installed.
"""
import json
import os
import sys

try:
    import cv2
    import numpy as np
except ImportError:
    print("SKIP: python3-opencv is not installed (import cv2 failed)", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_images import read_idx_images  # noqa: E402

TOLERANCE = 1e-4

data, count = sys.argv[1], int(sys.argv[2])
pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))
images = read_idx_images(data, count)
failed = False
for model, predictions in pairs:
    with open(predictions) as f:
        expected = np.array([json.loads(line)["logits"] for line in f], dtype=np.float32)
    net = cv2.dnn.readNetFromONNX(model)
    net.setInput(images)
    logits = net.forward()
    if logits.shape != expected.shape:
        print(f"FAIL: {model}: OpenCV gives logits of shape {logits.shape}, nin-eval {expected.shape}")
        failed = True
        continue
    diff = float(np.abs(logits - expected).max())
    same_top1 = int((logits.argmax(1) == expected.argmax(1)).sum())
    verdict = "ok" if diff <= TOLERANCE else "FAIL"
    print(f"{verdict}: {model}: OpenCV {cv2.__version__} vs nin-eval on {len(images)} images "
          f"(logits {expected.min():.3g} to {expected.max():.3g}): "
          f"max |logit difference| {diff:.3g} (tolerance {TOLERANCE}), same top-1 {same_top1}/{len(images)}")
    failed = failed or diff > TOLERANCE
sys.exit(1 if failed else 0)
