#!/work/venv/bin/python
"""Fixtures for the evaluation transforms of @vit/runtime (Resize → CenterCrop → ToTensor → Normalize).

Run with a Python that has Pillow 12, numpy and torch (no torchvision needed):
    /work/venv/bin/python tools/preprocess-fixtures/make_transform_fixtures.py
Writes tools/preprocess-fixtures/fixtures/transforms.json.

torchvision itself does not import in the maintainers' venvs (its 0.28 build mismatches torch's
operators; the torch 2.14 + torchvision 0.29 venv failed to install), so its documented algorithm
is written out here with the libraries it delegates to:
  Resize(resize) on a PIL image (every family's eval loader: timm, DINO, MAE, MoCo v3, CLIP,
    torchvision weights): short side -> resize, long side -> int(resize * long / short), then
    PIL.Image.resize((w, h), {BILINEAR, BICUBIC, NEAREST}) — torchvision's F.resize calls exactly that;
  Resize(resize, antialias=False) on a float tensor (ToTensor first): torch.nn.functional.interpolate
    (mode bilinear/bicubic with align_corners=False, or nearest), which is what torchvision's tensor
    resize calls;
  CenterCrop(crop): top = int(round((H - h) / 2.0)), left likewise;
  ToTensor: float32 x / 255; Normalize: (x - mean) / std in float32.
timm's crop_pct: resize = floor(crop / crop_pct) (timm.data.transforms_factory.transforms_imagenet_eval).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

MEANS = {
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "clip": ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
    "inception": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
}
PIL_FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "nearest": Image.NEAREST}


def image(rng, h, w):
    """Half noise, half smooth ramps (noise stresses every tap, ramps the overshoot clamping)."""
    yy, xx = np.mgrid[0:h, 0:w]
    ramp = np.stack([(255 * ((xx * (k + 1) + yy * (3 - k)) % (w + h)) / (w + h)) for k in range(3)], -1)
    noise = rng.integers(0, 256, size=(h, w, 3))
    return np.where((xx < w // 2)[..., None], noise, ramp).astype(np.uint8)


def resized_size(h, w, resize):
    if h <= w:
        return resize, int(resize * w / h)
    return int(resize * h / w), resize


def f32list(a):
    return [float(f"{v:.9g}") for v in np.asarray(a, dtype=np.float32).ravel()]


def case(rng, h, w, crop, interpolation, antialias, norm, resize=None, crop_pct=None):
    img = image(rng, h, w)
    ch, cw = (crop, crop) if isinstance(crop, int) else crop
    r = resize if resize is not None else math.floor(min(ch, cw) / crop_pct)
    nh, nw = resized_size(h, w, r)
    if antialias:
        pil = Image.fromarray(img, "RGB")
        if (nh, nw) != (h, w):
            pil = pil.resize((nw, nh), PIL_FILTERS[interpolation])
        x = torch.from_numpy(np.asarray(pil).copy()).permute(2, 0, 1).float() / 255
    else:
        x = torch.from_numpy(img.copy()).permute(2, 0, 1).float() / 255
        if (nh, nw) != (h, w):
            kw = {} if interpolation == "nearest" else {"align_corners": False}
            x = F.interpolate(x[None], size=(nh, nw), mode=interpolation, antialias=False, **kw)[0]
    top = int(round((nh - ch) / 2.0))
    left = int(round((nw - cw) / 2.0))
    x = x[:, top : top + ch, left : left + cw]
    mean, std = (torch.tensor(v, dtype=torch.float32)[:, None, None] for v in MEANS[norm])
    x = (x - mean) / std
    opts = {"crop": crop, "interpolation": interpolation, "antialias": antialias, "preset": norm}
    if resize is not None:
        opts["resize"] = resize
    else:
        opts["cropPct"] = crop_pct
    return {"shape": [h, w, 3], "options": opts, "resized": [nh, nw], "input": img.ravel().tolist(), "expected": f32list(x.numpy())}


def mask_case(rng, h, w, crop, patch, resize=None, crop_pct=None):
    """A label map (blobs of labels 0..3) resized with PIL NEAREST as torchvision does for masks,
    centre-cropped, and reduced to the token grid by SPEC 5 (any pixel) and SPEC 11 (area fraction)."""
    yy, xx = np.mgrid[0:h, 0:w]
    lab = np.zeros((h, w), np.uint8)
    for k in range(1, 4):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(2, min(h, w) / 2.5)
        lab[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = k
    r = resize if resize is not None else math.floor(crop / crop_pct)
    nh, nw = resized_size(h, w, r)
    res = np.asarray(Image.fromarray(lab, "L").resize((nw, nh), Image.NEAREST))
    top = int(round((nh - crop) / 2.0))
    left = int(round((nw - crop) / 2.0))
    cm = res[top : top + crop, left : left + crop]
    g = crop // patch
    fg = (cm != 0).reshape(g, patch, g, patch).astype(np.float64)
    fg2 = (cm == 2).reshape(g, patch, g, patch).astype(np.float64)
    opts = {"crop": crop, "patch": patch, **({"resize": resize} if resize is not None else {"cropPct": crop_pct})}
    return {
        "shape": [h, w], "options": opts, "input": lab.ravel().tolist(), "mask": cm.ravel().tolist(),
        "tokens": (fg.sum((1, 3)) > 0).astype(int).ravel().tolist(),
        "fraction": f32list(fg.mean((1, 3))), "label2Tokens": (fg2.sum((1, 3)) > 0).astype(int).ravel().tolist(),
    }


def main():
    rng = np.random.default_rng(20261201)
    cases = []
    for interp in ("bicubic", "bilinear", "nearest"):
        for aa in (True, False):
            cases.append(case(rng, 37, 53, 16, interp, aa, "imagenet", resize=19))  # shrink, landscape, Resize(19) → Crop(16)
            cases.append(case(rng, 45, 23, 14, interp, aa, "clip", crop_pct=0.875))  # portrait, crop_pct → resize 16
            cases.append(case(rng, 9, 13, 12, interp, aa, "inception", resize=14))  # enlarge
    cases.append(case(rng, 40, 31, (16, 12), "bicubic", True, "imagenet", resize=18))  # non-square crop
    cases.append(case(rng, 33, 33, 15, "bilinear", True, "imagenet", crop_pct=0.9))  # timm 0.9 → floor(16.67) = 16
    cases.append(case(rng, 20, 29, 20, "bicubic", True, "clip", resize=20))  # short side already = resize: no vertical pass
    masks = [
        mask_case(rng, 45, 61, 16, 4, resize=19),  # landscape shrink, Resize(19) → Crop(16), 4×4 tokens of 4 px
        mask_case(rng, 50, 37, 24, 8, crop_pct=0.875),  # portrait, crop_pct → resize 27
        mask_case(rng, 11, 14, 12, 3, resize=13),  # enlarge
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "transforms.json")
    with open(out, "w") as f:
        json.dump({"pillow": Image.__version__, "torch": torch.__version__, "cases": cases, "masks": masks}, f, separators=(",", ":"))
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
