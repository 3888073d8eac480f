#!/work/venv/bin/python
"""JPEG fixtures for @vit/io's decoder tests: real-world JPEG kinds and Pillow's decoded pixels.

Run with a Python that has Pillow 12 + numpy (and Debian's libjpeg-turbo-progs for `cjpeg`):
    /work/venv/bin/python tools/jpeg-fixtures/make_fixtures.py
Writes tools/jpeg-fixtures/fixtures/<kind>.jpg, <kind>.npy (= np.asarray(PIL.Image.open(p).convert('RGB')),
uint8 [H,W,3]) and manifest.json (kind → how it was written, size, Pillow's mode, EXIF orientation).
For the EXIF-rotated kind also <kind>.transposed.npy = ImageOps.exif_transpose(...).convert('RGB').

Content: three real photographs shipped with scikit-learn and matplotlib (china.jpg, flower.jpg,
grace_hopper.jpg; downscaled with Pillow LANCZOS so the files stay small), once as they are
("smooth": photo content) and once with Gaussian noise (σ = 24 grey levels) that stresses the
IDCT and the chroma upsampling, plus one flat-gradient image ("gradient").

Pillow opens JPEGs with libjpeg-turbo's defaults (JDCT_ISLOW, do_fancy_upsampling = TRUE,
block smoothing for progressive files), converts YCbCr→RGB inside libjpeg, reads CMYK as
libjpeg's CMYK (inverting Adobe-inverted files) and converts to RGB with
R = 255 − min(255, C + K)-style arithmetic of its own (ImagingConvert cmyk2rgb), and does NOT
apply the EXIF orientation on open (ImageOps.exif_transpose does).
"""
import io
import json
import os
import subprocess
import sys

import numpy as np
import PIL
from PIL import Image, ImageOps, features

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
SOURCES = {
    "china": "/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg",
    "flower": "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg",
    "hopper": "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
}


def photo(name, size):
    im = Image.open(SOURCES[name]).convert("RGB")
    return im.resize(size, Image.LANCZOS)


def noisy(im, seed):
    rng = np.random.default_rng(seed)
    a = np.asarray(im).astype(np.float64) + rng.normal(0, 24, size=np.asarray(im).shape)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), im.mode)


def gradient(w, h):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * xx / (w - 1)
    g = 255 * yy / (h - 1)
    b = 128 + 100 * np.sin(xx / 9.0) * np.cos(yy / 7.0)
    return Image.fromarray(np.clip(np.rint(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8), "RGB")


def save_pil(im, path, **kw):
    im.save(path, "JPEG", **kw)
    args = [f"{k}={v!r}" for k, v in kw.items() if k not in ("exif", "icc_profile")]
    args += ["exif=<orientation 6>"] if "exif" in kw else []
    args += ["icc_profile=<ImageCms sRGB>"] if "icc_profile" in kw else []
    return "PIL.Image.save(" + ", ".join(args) + ")"


def save_cjpeg(im, path, args):
    buf = io.BytesIO()
    im.save(buf, "PPM")
    data = subprocess.run(["cjpeg", *args], input=buf.getvalue(), capture_output=True, check=True).stdout
    with open(path, "wb") as f:
        f.write(data)
    return "cjpeg " + " ".join(args)


def main():
    os.makedirs(OUT, exist_ok=True)
    china = photo("china", (128, 96))
    flower = photo("flower", (96, 72))
    hopper = photo("hopper", (80, 96))
    odd = photo("china", (101, 67))  # odd sizes: partial MCUs on both axes
    kinds = {}

    def add(kind, writer, note):
        path = os.path.join(OUT, f"{kind}.jpg")
        how = writer(path)
        im = Image.open(path)
        info = {"how": how, "note": note, "mode": im.mode, "size": list(im.size)}
        exif = im.getexif()
        if 0x0112 in exif:
            info["exifOrientation"] = exif[0x0112]
        rgb = np.asarray(im.convert("RGB"))
        np.save(os.path.join(OUT, f"{kind}.npy"), rgb)
        if "exifOrientation" in info:
            np.save(os.path.join(OUT, f"{kind}.transposed.npy"), np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")))
        kinds[kind] = info

    add("baseline-420-smooth", lambda p: save_pil(china, p, quality=85, subsampling="4:2:0"), "photo, 4:2:0 (Pillow's default)")
    add("baseline-420-noisy", lambda p: save_pil(noisy(china, 1), p, quality=90, subsampling="4:2:0"), "photo + noise, 4:2:0")
    add("baseline-422-noisy", lambda p: save_pil(noisy(flower, 2), p, quality=90, subsampling="4:2:2"), "photo + noise, 4:2:2")
    add("baseline-444-noisy", lambda p: save_pil(noisy(hopper, 3), p, quality=95, subsampling="4:4:4"), "photo + noise, 4:4:4")
    add("baseline-420-odd-size", lambda p: save_pil(noisy(odd, 4), p, quality=80, subsampling="4:2:0"), "101×67: partial MCUs")
    add("gradient-420", lambda p: save_pil(gradient(112, 80), p, quality=75, subsampling="4:2:0"), "smooth synthetic gradient")
    add("progressive-420", lambda p: save_pil(noisy(flower, 5), p, quality=85, progressive=True), "progressive, Pillow")
    add("progressive-444-cjpeg", lambda p: save_cjpeg(hopper, p, ["-quality", "90", "-sample", "1x1", "-progressive"]), "progressive 4:4:4, cjpeg")
    add("grayscale", lambda p: save_pil(noisy(hopper, 6).convert("L"), p, quality=90), "one component (mode L)")
    add("cmyk-adobe", lambda p: save_pil(noisy(china, 7).convert("CMYK"), p, quality=90), "4 components, Adobe APP14 (inverted CMYK, as Photoshop writes)")
    add("cmyk-no-adobe", lambda p: _strip_adobe(save_pil(noisy(flower, 13).convert("CMYK"), p, quality=90), p), "4 components without an Adobe APP14 segment (renamed to COM): Pillow still reads it as inverted CMYK")
    add("exif-rotated", lambda p: save_pil(china, p, quality=85, exif=_exif_orientation(6)), "EXIF orientation 6 (rotate 90° CW to view)")
    add("restart-blocks", lambda p: save_pil(noisy(china, 8), p, quality=85, restart_marker_blocks=3), "restart interval 3 MCUs")
    add("restart-rows-cjpeg", lambda p: save_cjpeg(noisy(flower, 9), p, ["-quality", "85", "-restart", "1"]), "restart every MCU row, cjpeg")
    add("optimized-q100-cjpeg", lambda p: save_cjpeg(noisy(china, 10), p, ["-quality", "100", "-optimize", "-sample", "2x1"]), "quality 100, optimised Huffman, 4:2:2")

    add("icc-srgb", lambda p: save_pil(noisy(flower, 11), p, quality=90, icc_profile=_srgb_icc()), "embedded ICC profile (Pillow ignores it in convert('RGB'))")
    add("arithmetic-cjpeg", lambda p: save_cjpeg(noisy(hopper, 12), p, ["-quality", "85", "-arithmetic"]), "arithmetic-coded (libjpeg-turbo decodes it; rare in the wild)")

    manifest = {
        "generator": "tools/jpeg-fixtures/make_fixtures.py",
        "pillow": PIL.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "reference": "np.asarray(PIL.Image.open(path).convert('RGB'))",
        "kinds": kinds,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {len(kinds)} kinds to {OUT}", file=sys.stderr)


def _strip_adobe(how, path):
    """Turn the Adobe APP14 segment into a comment (same length), leaving the scans untouched."""
    b = bytearray(open(path, "rb").read())
    i = b.index(b"\xff\xeeAdobe"[:2] + b[b.index(b"Adobe") - 2 : b.index(b"Adobe")] + b"Adobe")
    b[i + 1] = 0xFE
    open(path, "wb").write(bytes(b))
    return how + " with APP14 renamed to COM"


def _srgb_icc():
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif_orientation(v):
    e = Image.Exif()
    e[0x0112] = v
    return e.tobytes()


if __name__ == "__main__":
    main()
