#!/usr/bin/python3
"""Runs the onnx package's checker (full check, with shape inference) on ONNX files.

    onnx_checker.py MODEL.onnx...

Exit 0 when every file passes, 1 when one fails, 77 (skipped) when python3-onnx is not installed.
"""
import sys

try:
    import onnx
except ImportError:
    print("SKIP: python3-onnx is not installed (import onnx failed)", file=sys.stderr)
    sys.exit(77)

for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(f"{path}: onnx.checker.check_model(full_check=True) passed (onnx {onnx.__version__})")
