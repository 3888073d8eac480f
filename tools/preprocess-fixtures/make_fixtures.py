#!/usr/bin/python3
"""Fixtures for @vit/runtime's preprocessing tests, computed with Pillow (the independent reference).

Run with Debian's Python (Pillow and numpy are system packages):
    /usr/bin/python3 tools/preprocess-fixtures/make_fixtures.py
Writes tools/preprocess-fixtures/fixtures/pil-resize.json and pil-preprocess.json:
  resize:     Pillow Image.resize((w, h), Image.BICUBIC) of small uint8 (mode RGB / L) and float32 (mode F) images;
  preprocess: the torchvision evaluation transform Resize(S, BICUBIC) → CenterCrop(S) → ToTensor → Normalize,
              written out with Pillow + numpy float32 exactly as torchvision computes it (torchvision itself is not
              installed here): short side → S, long side → int(S * long / short); crop corner
              int(round((H - h) / 2)); x / 255 in float32; (x - mean) / std in float32.
"""
import json
import os

import numpy as np
from PIL import Image

PRESETS = {
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "clip": ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
    "inception": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
}


def image(rng, h, w, c):
    """Half noise, half smooth ramps: noise stresses every tap, ramps the overshoot clamping."""
    yy, xx = np.mgrid[0:h, 0:w]
    ramp = np.stack([(255 * ((xx * (k + 1) + yy * (3 - k)) % (w + h)) / (w + h)) for k in range(c)], -1)
    noise = rng.integers(0, 256, size=(h, w, c))
    mask = (xx < w // 2)[..., None]
    return np.where(mask, noise, ramp).astype(np.uint8)


def f32list(a):
    """float32 values as the shortest decimals that round-trip (9 significant digits suffice)."""
    return [float(f"{v:.9g}") for v in np.asarray(a, dtype=np.float32).ravel()]


def pil(img):
    return Image.fromarray(img[..., 0] if img.shape[2] == 1 else img, "L" if img.shape[2] == 1 else "RGB")


def resize_u8(rng, h, w, c, oh, ow):
    img = image(rng, h, w, c)
    out = np.asarray(pil(img).resize((ow, oh), Image.BICUBIC)).reshape(oh, ow, c)
    return {"dtype": "uint8", "shape": [h, w, c], "out": [oh, ow], "input": img.ravel().tolist(), "expected": out.ravel().tolist()}


def resize_f32(rng, h, w, oh, ow):
    img = (rng.standard_normal((h, w)) * 2).astype(np.float32)
    out = np.asarray(Image.fromarray(img, "F").resize((ow, oh), Image.BICUBIC), dtype=np.float32)
    return {
        "dtype": "float32",
        "shape": [h, w, 1],
        "out": [oh, ow],
        "input": f32list(img),
        "expected": f32list(out),
    }


def torchvision_transform(rng, h, w, size, preset):
    img = image(rng, h, w, 3)
    short, long = (h, w) if h <= w else (w, h)
    new_short, new_long = size, int(size * long / short)
    nh, nw = (new_short, new_long) if h <= w else (new_long, new_short)
    resized = pil(img).resize((nw, nh), Image.BICUBIC) if (nh, nw) != (h, w) else pil(img)
    arr = np.asarray(resized)
    top = int(round((nh - size) / 2.0))
    left = int(round((nw - size) / 2.0))
    crop = arr[top : top + size, left : left + size]
    x = crop.astype(np.float32).transpose(2, 0, 1) / np.float32(255)
    mean, std = (np.asarray(v, dtype=np.float32)[:, None, None] for v in PRESETS[preset])
    x = ((x - mean) / std).astype(np.float32)
    return {"shape": [h, w, 3], "size": size, "preset": preset, "input": img.ravel().tolist(), "expected": f32list(x)}


def main():
    rng = np.random.default_rng(20260127)
    fixtures = {
        "pillow": Image.__version__,
        "resize": [
            resize_u8(rng, 23, 31, 3, 10, 13),  # shrink both axes (antialiased)
            resize_u8(rng, 13, 11, 3, 29, 24),  # enlarge both axes
            resize_u8(rng, 40, 17, 3, 12, 30),  # shrink one, enlarge the other
            resize_u8(rng, 19, 25, 1, 7, 9),  # one channel (mode L)
            resize_u8(rng, 48, 44, 3, 5, 7),  # large shrink factor: wide kernels
            resize_u8(rng, 20, 16, 3, 9, 16),  # width unchanged: horizontal pass skipped
            resize_u8(rng, 9, 14, 3, 9, 5),  # height unchanged: vertical pass skipped
            resize_f32(rng, 17, 19, 8, 33),
            resize_f32(rng, 17, 19, 40, 6),
        ],
        "preprocess": [
            torchvision_transform(rng, 27, 40, 13, "imagenet"),  # landscape, odd margins
            torchvision_transform(rng, 41, 29, 14, "clip"),  # portrait
            torchvision_transform(rng, 30, 30, 12, "inception"),  # square
            torchvision_transform(rng, 12, 21, 12, "imagenet"),  # short side already S: no vertical pass
            torchvision_transform(rng, 7, 11, 12, "clip"),  # enlarge
        ],
    }
    for key in ("resize", "preprocess"):
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", f"pil-{key}.json")
        with open(out, "w") as f:
            json.dump({"pillow": fixtures["pillow"], "cases": fixtures[key]}, f, separators=(",", ":"))
        print(f"wrote {out} ({os.path.getsize(out)} bytes, Pillow {Image.__version__})")


if __name__ == "__main__":
    main()
