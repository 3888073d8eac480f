"""Scenes for the miniature zoo: Fashion-MNIST items at random positions and scales on a cluttered,
textured RGB canvas, tinted, with exact object masks (shared by train_zoo.py and make_benchmark.py).

Sizes (why): the canvas is 64x64 and the models' patch is 8, so the token grid is 8x8 + CLS = 65
tokens, the same sequence length (and attention cost) as the first zoo's 32x32 / patch 4 models,
while an item's side (20..44 px, drawn from a 28x28 source, so it is never upsampled by more than
1.6x nor shrunk below 0.7x) covers about 2.5..5.5 patches: the object fills between 10% and 47% of
the canvas area, so most tokens are background and finding the object is part of the task. The
whole item always lies inside the canvas, so its mask is complete and exact.

A scene, every step of it drawn from one torch.Generator (so a step's batch depends only on its seed):
  background = a low-frequency colour field (4x4 random colours, bilinear to 64x64)
             + 3 faint fragments of other items (alpha .2-.4, own tint, side 16..56 px, may leave the canvas)
             + per-pixel colour noise (std 4/255, on 2x2 blocks so the PNGs stay small)
  object     = the item's gray value g resampled bilinearly into its box; mask = g > 25/255;
               colour = tint * (.35 + .65 g) inside the mask (hard alpha: the mask is exactly the
               set of pixels the object paints)
"""
import gzip
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
CANVAS = 64
ITEM = 28
SIZE = (20, 44)          # item side in canvas pixels
FG_THRESHOLD = 25 / 255  # mask: resampled gray value above this
HUES = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink']


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    magic, = struct.unpack('>I', raw[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(prefix):
    """'train' or 't10k' -> (uint8 [N,28,28], int64 [N])."""
    x = read_idx(os.path.join(DATA, f'{prefix}-images-idx3-ubyte.gz'))
    y = read_idx(os.path.join(DATA, f'{prefix}-labels-idx1-ubyte.gz')).astype(np.int64)
    return x, y


def place(item01, x0, y0, size, canvas=CANVAS, flip=None):
    """Resample items [B,C,28,28] into boxes of side `size` [B] (float px) whose top-left corner is
    (x0, y0) [B] on a canvas x canvas image; zeros outside. Pixel centres: canvas pixel x (centre x+.5)
    samples item coordinate ((x + .5 - x0) / size) * 28."""
    B = item01.shape[0]
    theta = torch.zeros(B, 2, 3)
    sx = canvas / size
    cx = (2 * x0 + size) / canvas - 1  # box centre in normalised canvas coordinates
    cy = (2 * y0 + size) / canvas - 1
    fx = torch.ones(B) if flip is None else torch.where(flip, -1.0, 1.0)
    theta[:, 0, 0] = sx * fx
    theta[:, 0, 2] = -cx * sx * fx
    theta[:, 1, 1] = sx
    theta[:, 1, 2] = -cy * sx
    grid = F.affine_grid(theta, (B, item01.shape[1], canvas, canvas), align_corners=False)
    return F.grid_sample(item01, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def hsv_tint(h, s, v):
    """HSV in [0,1] [B] -> RGB [B,3]."""
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], 1)
    return v[:, None] - v[:, None] * s[:, None] * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


def draw_tints(B, gen):
    """Object tints: hue bin (one of HUES) + jitter inside it, saturation .55-1, value .7-1."""
    hue_bin = torch.randint(len(HUES), (B,), generator=gen)
    h = (hue_bin.float() + torch.rand(B, generator=gen) * 0.8 + 0.1) / len(HUES)
    s = 0.55 + 0.45 * torch.rand(B, generator=gen)
    v = 0.7 + 0.3 * torch.rand(B, generator=gen)
    return hsv_tint(h, s, v), hue_bin


def draw_background(B, gen, pool, canvas=CANVAS, fragments=3):
    """Cluttered textured backgrounds [B,3,canvas,canvas] in [0,1]; `pool` = uint8 items [N,28,28]
    to cut fragments from."""
    field = torch.rand(B, 3, 4, 4, generator=gen) * 0.55 + 0.1
    bg = F.interpolate(field, size=(canvas, canvas), mode='bilinear', align_corners=False)
    for _ in range(fragments):
        idx = torch.randint(len(pool), (B,), generator=gen)
        it = torch.from_numpy(pool[idx.numpy()]).float().div(255).unsqueeze(1)
        size = 16 + 40 * torch.rand(B, generator=gen)
        x0 = torch.rand(B, generator=gen) * (canvas + size * 0.5) - size * 0.75
        y0 = torch.rand(B, generator=gen) * (canvas + size * 0.5) - size * 0.75
        g = place(it, x0, y0, size, canvas)
        tint, _ = draw_tints(B, gen)
        alpha = (0.2 + 0.2 * torch.rand(B, 1, 1, 1, generator=gen)) * (g > FG_THRESHOLD).float()
        bg = bg * (1 - alpha) + tint[:, :, None, None] * (0.35 + 0.65 * g) * alpha
    noise = torch.randn(B, 3, canvas // 2, canvas // 2, generator=gen) * (4 / 255)
    bg = bg + F.interpolate(noise, scale_factor=2, mode='nearest')
    return bg.clamp(0, 1)


def draw_placement(B, gen, canvas=CANVAS, size_range=SIZE):
    size = size_range[0] + (size_range[1] - size_range[0]) * torch.rand(B, generator=gen)
    x0 = torch.rand(B, generator=gen) * (canvas - size)
    y0 = torch.rand(B, generator=gen) * (canvas - size)
    return x0, y0, size


def composite(bg, item01, x0, y0, size, tint, flip=None):
    """Paint items onto backgrounds. Returns (images [B,3,H,W] in [0,1], masks bool [B,H,W])."""
    g = place(item01, x0, y0, size, bg.shape[-1], flip)
    m = g > FG_THRESHOLD
    fg = tint[:, :, None, None] * (0.35 + 0.65 * g)
    return torch.where(m, fg, bg), m[:, 0]


def scenes(items_u8, gen, pool, placement=None, tint=None):
    """A batch of scenes from uint8 items [B,28,28]: (images [B,3,64,64] in [0,1], masks [B,64,64],
    params dict(x0, y0, size, tint, hue))."""
    B = items_u8.shape[0]
    it = torch.as_tensor(items_u8).float().div(255).unsqueeze(1)
    bg = draw_background(B, gen, pool)
    x0, y0, size = placement if placement is not None else draw_placement(B, gen)
    hue = None
    if tint is None:
        tint, hue = draw_tints(B, gen)
    img, m = composite(bg, it, x0, y0, size, tint)
    return img, m, dict(x0=x0, y0=y0, size=size, tint=tint, hue=hue)


def to_u8(img):
    """[B,3,H,W] in [0,1] -> uint8 [B,H,W,3] (round half up, as the PNGs store it)."""
    return (img.clamp(0, 1) * 255 + 0.5).floor().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
