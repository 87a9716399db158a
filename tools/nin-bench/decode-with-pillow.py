#!/usr/bin/env python3
"""Times Pillow on the work `nin-bench --decode DIR --input HxWxC` does, for comparison.

Lists the image folder DIR as nin does (DIR/train/<class>/... when DIR has train/ or test/, else
DIR/<class>/...; *.png, *.jpg, *.jpeg anywhere under a class folder; names starting with '.'
skipped), then in WORKERS processes opens every image, converts it to L (gray) or RGB, resizes it
to H×W with Image.BILINEAR (whose antialiased filter nin's resize follows; an image that already
has the size is copied) and takes its bytes. Prints the images per second, listing included.

    decode-with-pillow.py DIR --input HxWxC [--workers 2] [--center-crop]

Needs Debian's python3-pil.
"""
import argparse
import multiprocessing
import os
import sys
import time

from PIL import Image

EXTENSIONS = (".png", ".jpg", ".jpeg")


def list_images(root):
    split = os.path.join(root, "train")
    if os.path.isdir(split) or os.path.isdir(os.path.join(root, "test")):
        root = split
    files = []
    for name in sorted(n for n in os.listdir(root) if not n.startswith(".")):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        found = []
        for parent, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [os.path.relpath(os.path.join(parent, n), folder) for n in names
                      if not n.startswith(".") and n.lower().endswith(EXTENSIONS)]
        files += [os.path.join(folder, f) for f in sorted(found, key=os.fsencode)]
    return files


def crop_box(width, height, target_w, target_h):
    # nin's center_crop_window: the largest centred window of the target's aspect ratio.
    if width * target_h > height * target_w:
        w = min(max((2 * height * target_w + target_h) // (2 * target_h), 1), width)
        x = (width - w) // 2
        return (x, 0, x + w, height)
    if width * target_h < height * target_w:
        h = min(max((2 * width * target_h + target_w) // (2 * target_w), 1), height)
        y = (height - h) // 2
        return (0, y, width, y + h)
    return (0, 0, width, height)


def convert(job):
    path, mode, width, height, center_crop = job
    with Image.open(path) as image:
        image = image.convert(mode)
        box = crop_box(image.width, image.height, width, height) if center_crop else None
        if box is not None and box != (0, 0, image.width, image.height):
            image = image.crop(box)
        if image.size != (width, height):
            image = image.resize((width, height), Image.BILINEAR)
        return image.tobytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--input", required=True, help="HxWxC, e.g. 28x28x1")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--center-crop", action="store_true")
    args = parser.parse_args()
    height, width, channels = (int(v) for v in args.input.lower().split("x"))
    if channels not in (1, 3):
        sys.exit("decode-with-pillow.py: --input: images give 1 or 3 channels")
    mode = "L" if channels == 1 else "RGB"

    start = time.perf_counter()
    files = list_images(args.dir)
    jobs = [(f, mode, width, height, args.center_crop) for f in files]
    with multiprocessing.Pool(args.workers) as pool:
        total = sum(len(b) for b in pool.imap(convert, jobs, chunksize=64))
    seconds = time.perf_counter() - start
    assert total == len(files) * height * width * channels
    print(f"Pillow {Image.__version__}: decoded and converted {len(files)} images of "
          f"'{args.dir}' to {args.input} in {args.workers} processes in {seconds:.3f} s: "
          f"{len(files) / seconds:.1f} images/s")


if __name__ == "__main__":
    main()
