#!/usr/bin/python3
"""Maintainer script: the miniature model zoo (DESIGN.md "The miniature study").

One command, on CPU (Debian's torch 1.13 and numpy, the `dataset-fashion-mnist` package):

    /usr/bin/python3 tools/zoo/train_zoo.py            # the real run (budget: ~30 min on 2 cores)
    /usr/bin/python3 tools/zoo/train_zoo.py --smoke    # a few steps per method, same outputs (pipeline check)

Trains one tiny ViT (32x32 input = the 28x28 image zero-padded by 2, patch 4 -> 8x8 grid, 6 blocks,
width 96, 3 heads, CLS token, timm parameter names) with each of seven kinds of supervision:
fs, clip, dino, mocov3, mae, beit, random. Every method is the paper's recipe scaled down (few
thousand steps at most, small heads, cheap batched augmentations). Seeds are fixed.

Writes examples/zoo/
    <method>.onnx           torch.onnx.export, opset 17, eager timm-style attention, output `features`
                            [B,96] = final LayerNorm of the CLS token (the backbone only, no head)
    <method>.safetensors    the same backbone under timm names (written by hand: 8-byte LE header length,
                            JSON header, raw little-endian float32)
    <method>.json           the model card
    sample/images/NNNN.png  the first 1000 test images, 32x32 8-bit gray (zero-padded)
    sample/masks/NNNN.png   foreground = gray value > FG_THRESHOLD, 8-bit gray 0/1
    sample/labels.json      classes, file names, labels, the k-NN protocol
and /tmp/zoo_ckpt/<method>.pt (the backbone's state dict, to re-export without retraining).

Input of every model: pixel_values [B,3,32,32] = the gray image replicated to 3 channels, scaled to
[0,1] and normalised with ImageNet's mean/std (the `imagenet` preset).

The card's k-NN number ("knnSample") uses exactly the protocol the TypeScript tests re-run: the shipped
PNGs, features = CLS token of block 6's output (before the final norm), L2-normalised, cosine
similarity, k=20, T=0.07 weighted votes (sum of exp(s/T)), train = sample images 0..499, test = 500..999.
"""
import argparse
import gzip
import json
import math
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'examples', 'zoo')
DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
FG_THRESHOLD = 25
SAMPLE = 1000
KNN = dict(k=20, temperature=0.07, train=[0, 500], test=[500, 1000], feature='CLS token of block 6 output (before the final norm)')
CFG = dict(imageSize=32, patchSize=4, dim=96, depth=6, heads=3, mlpDim=384, numClasses=0, layerNormEps=1e-6)
METHODS = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random']

# Steps and batch per method, sized so the whole run fits ~30 min on 2 cores (see the cards'
# trainingSeconds). Multi-view methods see fewer images per step. The schedules (learning rate,
# EMA momentum) run on progress = max(step / steps, elapsed / maxSeconds) and training stops at
# progress 1, so on a busy machine a method still anneals fully within its time budget (the card
# records the steps actually taken); on a fast enough machine the run is the plain step schedule.
PLAN = {
    'fs': dict(steps=450, batch=64, lr=1e-3, maxSeconds=250),
    'clip': dict(steps=280, batch=64, lr=1e-3, maxSeconds=270),
    'dino': dict(steps=150, batch=64, lr=5e-4, maxSeconds=290),
    'mocov3': dict(steps=175, batch=64, lr=1e-3, maxSeconds=280),
    'mae': dict(steps=380, batch=128, lr=1.5e-3, maxSeconds=230),
    'beit': dict(steps=420, batch=64, lr=1e-3, maxSeconds=250),
    'random': dict(steps=0, batch=0, lr=0, maxSeconds=0),
}


# ---------------------------------------------------------------- data

def ensure_dataset():
    if not os.path.exists(os.path.join(DATA, 'train-images-idx3-ubyte.gz')):
        subprocess.run(['apt-get', 'install', '-y', 'dataset-fashion-mnist'], check=True)


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    magic, = struct.unpack('>I', raw[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(prefix):
    x = read_idx(f'{prefix}-images-idx3-ubyte.gz')
    y = read_idx(f'{prefix}-labels-idx1-ubyte.gz').astype(np.int64)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))  # 28x28 -> 32x32, zero background
    return x, y


def to_input(u8):
    """uint8 [B,32,32] (or float [B,1,32,32] in [0,1]) -> normalised pixel_values [B,3,32,32]."""
    x = u8 if u8.dtype == torch.float32 else u8.float().div(255).unsqueeze(1)
    x = x.expand(-1, 3, -1, -1)
    m = torch.tensor(MEAN).view(1, 3, 1, 1)
    s = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - m) / s


def rrc(x, size, scale, gen, flip=True, ratio=(3 / 4, 4 / 3)):
    """Batched random resized crop (+ horizontal flip) of x [B,1,H,W] in [0,1] via affine_grid."""
    B = x.shape[0]
    area = torch.empty(B).uniform_(scale[0], scale[1], generator=gen)
    logr = torch.empty(B).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=gen)
    r = torch.exp(logr)
    sw = torch.sqrt(area * r).clamp(max=1.0)
    sh = torch.sqrt(area / r).clamp(max=1.0)
    tx = (torch.rand(B, generator=gen) * 2 - 1) * (1 - sw)
    ty = (torch.rand(B, generator=gen) * 2 - 1) * (1 - sh)
    fx = torch.where(torch.rand(B, generator=gen) < 0.5, -1.0, 1.0) if flip else torch.ones(B)
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = sw * fx
    theta[:, 0, 2] = tx
    theta[:, 1, 1] = sh
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, (B, 1, size, size), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def jitter(x, gen, strength):
    """Brightness/contrast jitter of gray images (the gray part of SimCLR-style colour jitter)."""
    B = x.shape[0]
    b = 1 + (torch.rand(B, 1, 1, 1, generator=gen) * 2 - 1) * strength
    c = 1 + (torch.rand(B, 1, 1, 1, generator=gen) * 2 - 1) * strength
    m = x.mean(dim=(2, 3), keepdim=True)
    return ((x - m) * c + m * b).clamp(0, 1)


# ---------------------------------------------------------------- the ViT (timm names, eager attention)

class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, cfg=CFG):
        super().__init__()
        d, p = cfg['dim'], cfg['patchSize']
        self.grid = cfg['imageSize'] // p
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, d, p, p)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid ** 2, d))
        self.blocks = nn.ModuleList([Block(d, cfg['heads'], cfg['mlpDim'], cfg['layerNormEps']) for _ in range(cfg['depth'])])
        self.norm = nn.LayerNorm(d, eps=cfg['layerNormEps'])
        self.init_weights()

    def init_weights(self):
        # timm's ViT init: truncated normal (std .02) for linear layers and embeddings, LN = (1, 0)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
        w = self.patch_embed.proj.weight
        nn.init.trunc_normal_(w.view(w.shape[0], -1), std=0.02)  # MAE/BEiT: patch embed as a linear layer

    def pos_for(self, g):
        """Position embedding of the patch tokens for a g x g grid (bicubic, as timm, for DINO's small crops)."""
        pe = self.pos_embed[:, 1:]
        if g == self.grid:
            return pe
        pe = pe.reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2)
        pe = F.interpolate(pe, size=(g, g), mode='bicubic', align_corners=False)
        return pe.permute(0, 2, 3, 1).reshape(1, g * g, -1)

    def embed(self, x):
        x = self.patch_embed.proj(x)
        g = x.shape[-1]
        return x.flatten(2).transpose(1, 2) + self.pos_for(g)

    def run_blocks(self, tokens, upto=None):
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(tokens.shape[0], -1, -1)
        x = torch.cat([cls, tokens], dim=1)
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if upto is not None and i + 1 == upto:
                return x
        return self.norm(x)

    def forward(self, x):
        """pixel_values [B,3,H,W] -> features [B,D] (final norm of CLS), the exported function."""
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        t = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([cls, t], dim=1) + self.pos_embed
        for blk in self.blocks:
            t = blk(t)
        return self.norm(t)[:, 0]

    def tokens(self, x):
        """All tokens after the final norm [B,T,D] (training paths)."""
        return self.run_blocks(self.embed(x))

    def block_cls(self, x, layer):
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        t = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([cls, t], dim=1) + self.pos_embed
        for blk in self.blocks[:layer]:
            t = blk(t)
        return t[:, 0]


def mlp(dims, bn=False, last_bn=False):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1], bias=not (bn and (i < len(dims) - 2 or last_bn))))
        if i < len(dims) - 2:
            if bn:
                layers.append(nn.BatchNorm1d(dims[i + 1]))
            layers.append(nn.GELU())
        elif last_bn:
            layers.append(nn.BatchNorm1d(dims[i + 1], affine=False))
    return nn.Sequential(*layers)


def ema(teacher, student, m):
    with torch.no_grad():
        for pt, ps in zip(teacher.parameters(), student.parameters()):
            pt.mul_(m).add_(ps.detach(), alpha=1 - m)


def lr_at(progress, base, warm=0.1):
    """Linear warm-up over the first 10% of training, then cosine decay to 0; progress in [0, 1)."""
    if progress < warm:
        return base * max(progress, 1e-3) / warm
    return base * 0.5 * (1 + math.cos(math.pi * (progress - warm) / (1 - warm)))


# ---------------------------------------------------------------- methods

class FS(nn.Module):
    """Supervised: cross-entropy on a linear head over the final-norm CLS token (DeiT-style RRC + flip)."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.head = nn.Linear(96, 10)

    def loss(self, x, y, gen, step, steps):
        v = rrc(x, 32, (0.6, 1.0), gen)
        return F.cross_entropy(self.head(self.vit(to_input(v))), y, label_smoothing=0.1)


ATTR_WORDS = ['dark', 'light', 'small', 'large']
TEMPLATES = ['a photo of a {a} {c}', 'a {a} {c}', 'a picture of the {a} {c}', 'this is a {a} {c}', 'a product photo of a {a} {c}']


class TextEncoder(nn.Module):
    """A 2-block transformer over word tokens, EOT-token pooling (CLIP's text tower in miniature)."""

    def __init__(self, vocab, length, width=64, out=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(1, length, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, 2, 4 * width, 1e-5) for _ in range(2)])
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, out, bias=False)

    def forward(self, ids, eot):
        x = self.tok(ids) + self.pos
        for b in self.blocks:
            x = b(x)
        x = self.norm(x)
        return self.proj(x[torch.arange(ids.shape[0]), eot])


class CLIP(nn.Module):
    """Caption contrastive: captions = template x (brightness, size attributes) x class name; symmetric InfoNCE."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        words = set()
        for t in TEMPLATES:
            words.update(t.replace('{a}', '').replace('{c}', '').split())
        for c in CLASSES:
            words.update(c.lower().split())
        words.update(ATTR_WORDS)
        self.vocab = ['<pad>', '<eot>'] + sorted(words)
        self.length = 12
        self.text = TextEncoder(len(self.vocab), self.length)
        self.img_proj = nn.Linear(96, 64, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def captions(self, x01, y, gen):
        """One caption per image: its class name and two attributes measured on the image."""
        fg = (x01 > FG_THRESHOLD / 255).float()
        area = fg.mean(dim=(1, 2, 3))
        bright = (x01 * fg).sum(dim=(1, 2, 3)) / fg.sum(dim=(1, 2, 3)).clamp(min=1)
        ids = torch.zeros(len(y), self.length, dtype=torch.long)
        eot = torch.zeros(len(y), dtype=torch.long)
        tpl = torch.randint(len(TEMPLATES), (len(y),), generator=gen)
        for i in range(len(y)):
            a = ('dark ' if bright[i] < 0.45 else 'light ') + ('small' if area[i] < 0.33 else 'large')
            text = TEMPLATES[tpl[i]].format(a=a, c=CLASSES[y[i]].lower())
            toks = [self.vocab.index(w) for w in text.split()] + [1]
            ids[i, :len(toks)] = torch.tensor(toks)
            eot[i] = len(toks) - 1
        return ids, eot

    def loss(self, x, y, gen, step, steps):
        v = rrc(x, 32, (0.6, 1.0), gen)
        ids, eot = self.captions(x, y, gen)
        i = F.normalize(self.img_proj(self.vit(to_input(v))), dim=-1)
        t = F.normalize(self.text(ids, eot), dim=-1)
        logits = self.logit_scale.clamp(max=math.log(100)).exp() * i @ t.t()
        # several images share a caption: count every same-caption pair as a positive
        same = (ids[:, None, :] == ids[None, :, :]).all(-1).float()
        target = same / same.sum(1, keepdim=True)
        return 0.5 * (torch.sum(-target * F.log_softmax(logits, 1), 1).mean() + torch.sum(-target * F.log_softmax(logits.t(), 1), 1).mean())


class DINOHead(nn.Module):
    def __init__(self, out=1024, hidden=256, bottleneck=64):
        super().__init__()
        self.mlp = mlp([96, hidden, hidden, bottleneck])
        self.last = nn.utils.weight_norm(nn.Linear(bottleneck, out, bias=False))
        self.last.weight_g.data.fill_(1)
        self.last.weight_g.requires_grad = False

    def forward(self, x):
        return self.last(F.normalize(self.mlp(x), dim=-1))


class DINO(nn.Module):
    """Self-distillation: 2 global 32x32 crops to the momentum teacher, 2 global + 2 local 16x16 crops to the
    student (6 local crops in DINO, 2 here); teacher output centred (momentum .9) and sharpened (T .04 -> student T .1)."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.head = DINOHead()
        self.t_vit = ViT()
        self.t_head = DINOHead()
        self.t_vit.load_state_dict(self.vit.state_dict())
        self.t_head.load_state_dict(self.head.state_dict())
        for p in list(self.t_vit.parameters()) + list(self.t_head.parameters()):
            p.requires_grad = False
        self.register_buffer('center', torch.zeros(1, 1024))

    def student(self, v):
        return self.head(self.vit.tokens(to_input(v))[:, 0])

    def loss(self, x, y, gen, step, steps):
        g = [jitter(rrc(x, 32, (0.4, 1.0), gen), gen, 0.4) for _ in range(2)]
        loc = [jitter(rrc(x, 16, (0.1, 0.4), gen), gen, 0.4) for _ in range(2)]
        with torch.no_grad():
            t_out = [self.t_head(self.t_vit.tokens(to_input(v))[:, 0]) for v in g]
        tt = 0.04
        t_prob = [F.softmax((o - self.center) / tt, dim=-1) for o in t_out]
        s_out = [self.student(v) / 0.1 for v in g] + [self.student(v) / 0.1 for v in loc]
        total, n = 0.0, 0
        for ti, tp in enumerate(t_prob):
            for si, so in enumerate(s_out):
                if si == ti:
                    continue
                total = total + torch.sum(-tp * F.log_softmax(so, dim=-1), dim=-1).mean()
                n += 1
        with torch.no_grad():
            self.center.mul_(0.9).add_(torch.cat(t_out).mean(0, keepdim=True), alpha=0.1)
        return total / n

    def after_step(self, progress):
        m = 1 - (1 - 0.99) * (math.cos(math.pi * progress) + 1) / 2
        ema(self.t_vit, self.vit, m)
        ema(self.t_head, self.head, m)


class MoCoV3(nn.Module):
    """Momentum contrast v3: projector (BN MLP) + predictor on the query side, momentum encoder on the key
    side, symmetric InfoNCE with T=0.2 over the batch."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.proj = mlp([96, 256, 128], bn=True, last_bn=True)
        self.pred = mlp([128, 256, 128], bn=True)
        self.m_vit = ViT()
        self.m_proj = mlp([96, 256, 128], bn=True, last_bn=True)
        self.m_vit.load_state_dict(self.vit.state_dict())
        self.m_proj.load_state_dict(self.proj.state_dict())
        for p in list(self.m_vit.parameters()) + list(self.m_proj.parameters()):
            p.requires_grad = False

    def contrast(self, q, k, T=0.2):
        q, k = F.normalize(q, dim=1), F.normalize(k, dim=1)
        logits = q @ k.t() / T
        return F.cross_entropy(logits, torch.arange(q.shape[0])) * 2 * T

    def loss(self, x, y, gen, step, steps):
        v1 = to_input(jitter(rrc(x, 32, (0.25, 1.0), gen), gen, 0.4))
        v2 = to_input(jitter(rrc(x, 32, (0.25, 1.0), gen), gen, 0.4))
        q1, q2 = self.pred(self.proj(self.vit(v1))), self.pred(self.proj(self.vit(v2)))
        with torch.no_grad():
            k1, k2 = self.m_proj(self.m_vit(v1)), self.m_proj(self.m_vit(v2))
        return self.contrast(q1, k2) + self.contrast(q2, k1)

    def after_step(self, progress):
        m = 1 - (1 - 0.99) * (math.cos(math.pi * progress) + 1) / 2
        ema(self.m_vit, self.vit, m)
        ema(self.m_proj, self.proj, m)


def patchify(x01, p=4):
    """[B,1,32,32] -> [B,64,16] pixel patches, row-major."""
    B = x01.shape[0]
    g = x01.shape[-1] // p
    return x01.reshape(B, 1, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(B, g * g, p * p)


class MAE(nn.Module):
    """Masked autoencoder: 75% random patch masking, the encoder sees the visible 25% (+CLS); a 2-block
    width-64 decoder (discarded) reconstructs per-patch normalised pixels of the masked patches."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.dec_embed = nn.Linear(96, 64)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 64))
        self.dec_pos = nn.Parameter(torch.randn(1, 65, 64) * 0.02)
        self.dec_blocks = nn.ModuleList([Block(64, 2, 256, 1e-6) for _ in range(2)])
        self.dec_norm = nn.LayerNorm(64, eps=1e-6)
        self.dec_pred = nn.Linear(64, 16)
        nn.init.normal_(self.mask_token, std=0.02)

    def loss(self, x, y, gen, step, steps):
        v = rrc(x, 32, (0.5, 1.0), gen)
        B, N = v.shape[0], 64
        keep = N // 4
        order = torch.argsort(torch.rand(B, N, generator=gen), dim=1)
        ids_keep = order[:, :keep]
        t = self.vit.embed(to_input(v))
        t = torch.gather(t, 1, ids_keep[:, :, None].expand(-1, -1, t.shape[-1]))
        z = self.dec_embed(self.vit.run_blocks(t))
        full = self.mask_token.expand(B, N, -1).clone()
        full.scatter_(1, ids_keep[:, :, None].expand(-1, -1, 64), z[:, 1:])
        d = torch.cat([z[:, :1], full], dim=1) + self.dec_pos
        for b in self.dec_blocks:
            d = b(d)
        pred = self.dec_pred(self.dec_norm(d))[:, 1:]
        target = patchify(v)
        target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6).sqrt()
        mask = torch.ones(B, N)
        mask.scatter_(1, ids_keep, 0)
        return (((pred - target) ** 2).mean(-1) * mask).sum() / mask.sum()


def block_mask(B, gen, grid=8, target=26, min_block=4):
    """BEiT's block-wise masking: random rectangles (aspect 0.3..3.3, >= min_block patches) until ~40% of
    the grid (26 of 64 patches) is masked."""
    masks = torch.zeros(B, grid, grid, dtype=torch.bool)
    for b in range(B):
        m = masks[b]
        tries = 0
        while int(m.sum()) < target and tries < 50:
            tries += 1
            left = target - int(m.sum())
            area = float(torch.empty(1).uniform_(min_block, max(min_block, left), generator=gen))
            ar = math.exp(float(torch.empty(1).uniform_(math.log(0.3), math.log(1 / 0.3), generator=gen)))
            h = int(round(math.sqrt(area * ar)))
            w = int(round(math.sqrt(area / ar)))
            if h < 1 or w < 1 or h > grid or w > grid:
                continue
            top = int(torch.randint(0, grid - h + 1, (1,), generator=gen))
            lft = int(torch.randint(0, grid - w + 1, (1,), generator=gen))
            m[top:top + h, lft:lft + w] = True
    return masks.view(B, -1)


def kmeans_codebook(patches, k, iters, gen):
    """Lloyd's k-means on [n,16] pixel patches (k-means++-free: random distinct init), float32."""
    idx = torch.randperm(patches.shape[0], generator=gen)[:k]
    c = patches[idx].clone()
    for _ in range(iters):
        a = torch.cdist(patches, c).argmin(1)
        s = torch.zeros_like(c).index_add_(0, a, patches)
        n = torch.bincount(a, minlength=k).float()[:, None]
        c = torch.where(n > 0, s / n.clamp(min=1), c)
    return c


class BEiT(nn.Module):
    """Masked image modelling: ~40% block-wise masked patches replaced by a learned mask token; a linear
    head on the final tokens predicts each masked patch's discrete token (index of the nearest centre of a
    256-word k-means codebook of 4x4 pixel patches: the tokenizer). No decoder."""

    def __init__(self, codebook):
        super().__init__()
        self.vit = ViT()
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 96))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.register_buffer('codebook', codebook)
        self.lm_head = nn.Linear(96, codebook.shape[0])

    def loss(self, x, y, gen, step, steps):
        v = rrc(x, 32, (0.5, 1.0), gen)
        B = v.shape[0]
        with torch.no_grad():
            p = patchify(v)
            codes = torch.cdist(p.reshape(-1, 16), self.codebook).argmin(1).view(B, -1)
        m = block_mask(B, gen)
        t = self.vit.patch_embed.proj(to_input(v)).flatten(2).transpose(1, 2)
        t = torch.where(m[:, :, None], self.mask_token.expand(B, 64, -1), t) + self.vit.pos_for(8)
        out = self.vit.run_blocks(t)[:, 1:]
        return F.cross_entropy(self.lm_head(out[m]), codes[m])


# ---------------------------------------------------------------- training, evaluation, export

def train(method, x_train, y_train, plan, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    extra = {}
    if method == 'fs':
        net = FS()
    elif method == 'clip':
        net = CLIP()
    elif method == 'dino':
        net = DINO()
    elif method == 'mocov3':
        net = MoCoV3()
    elif method == 'mae':
        net = MAE()
    elif method == 'beit':
        sub = torch.from_numpy(x_train[torch.randperm(len(x_train), generator=gen)[:4000].numpy()]).float().div(255)
        patches = patchify(sub.unsqueeze(1)).reshape(-1, 16)
        net = BEiT(kmeans_codebook(patches, 256, 15, gen))
        extra['codebook'] = dict(words=256, patch='4x4 pixels in [0,1]', fitOn='256,000 patches of 4,000 train images', iterations=15)
    else:
        net = ViT()
        return net, dict(seconds=time.time() - t0, losses=[], steps=0, imagesSeen=0, extra=extra)
    params = [p for p in net.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=plan['lr'], betas=(0.9, 0.95 if method in ('mae', 'beit') else 0.999))
    xt = torch.from_numpy(x_train)
    yt = torch.from_numpy(y_train)
    steps, B = plan['steps'], plan['batch']
    losses = []
    net.train()
    perm = torch.randperm(len(xt), generator=gen)
    pos = 0
    t_loop = time.time()
    for step in range(steps):
        progress = max(step / steps, (time.time() - t_loop) / plan['maxSeconds'])
        if progress >= 1:
            break
        if pos + B > len(perm):
            perm, pos = torch.randperm(len(xt), generator=gen), 0
        idx = perm[pos:pos + B]
        pos += B
        x = xt[idx].float().div(255).unsqueeze(1)
        lr = lr_at(progress, plan['lr'])
        for g in opt.param_groups:
            g['lr'] = lr
        loss = net.loss(x, yt[idx], gen, step, steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        if hasattr(net, 'after_step'):
            net.after_step(progress)
        losses.append(float(loss))
        if step % 50 == 0 or step == steps - 1:
            print(f'  [{method}] step {step + 1}/{steps} loss {float(loss):.4f} lr {lr:.2e} {time.time() - t0:.0f}s', flush=True)
    done = len(losses)
    extra['schedule'] = 'progress = max(step / plannedSteps, elapsed / maxSeconds); stop at 1' + (
        ' (time-bound on this run)' if done < steps else ' (step-bound on this run)')
    return net.vit, dict(seconds=time.time() - t0, losses=losses, steps=done, imagesSeen=done * B, extra=extra)


@torch.no_grad()
def features(vit, u8, layer=None, batch=500):
    vit.eval()
    out = []
    for s in range(0, len(u8), batch):
        x = to_input(torch.from_numpy(u8[s:s + batch]))
        out.append(vit.block_cls(x, layer) if layer else vit(x))
    return torch.cat(out)


def knn(train_f, train_y, test_f, test_y, k=20, T=0.07, classes=10):
    """DINO's weighted k-NN (SPEC 14): cosine similarity, top-k votes exp(s/T), ties to the lower index."""
    a = F.normalize(train_f.double(), dim=1)
    b = F.normalize(test_f.double(), dim=1)
    sim = b @ a.t()
    # stable order: similarity descending, equal similarities -> lower train index first
    order = np.lexsort((np.arange(sim.shape[1])[None, :].repeat(sim.shape[0], 0), -sim.numpy()), axis=1)[:, :k]
    top = torch.gather(sim, 1, torch.from_numpy(order))
    votes = torch.zeros(sim.shape[0], classes, dtype=torch.float64)
    votes.scatter_add_(1, torch.from_numpy(train_y)[torch.from_numpy(order)], torch.exp(top / T))
    pred = votes.argmax(1).numpy()  # first maximum = lower class index
    return float((pred == test_y).mean())


def write_safetensors(path, vit):
    header, raws, off = {}, [], 0
    for name, t in vit.state_dict().items():
        raw = t.detach().float().contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        raws.append(raw)
        off += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for r in raws:
            f.write(r)


def export_onnx(path, vit):
    vit.eval()
    x = torch.zeros(2, 3, 32, 32)
    torch.onnx.export(vit, x, path, opset_version=17, input_names=['pixel_values'], output_names=['features'],
                      dynamic_axes={'pixel_values': {0: 'batch'}, 'features': {0: 'batch'}}, do_constant_folding=True)


def png_gray(path, img):
    """8-bit grayscale PNG, written by hand (zlib + CRC chunks)."""
    h, w = img.shape
    raw = b''.join(b'\x00' + img[r].astype(np.uint8).tobytes() for r in range(h))

    def chunk(tag, data):
        return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)

    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def write_sample(x_test, y_test):
    d = os.path.join(OUT, 'sample')
    for sub in ('images', 'masks'):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    files = []
    for i in range(SAMPLE):
        name = f'{i:04d}.png'
        png_gray(os.path.join(d, 'images', name), x_test[i])
        png_gray(os.path.join(d, 'masks', name), (x_test[i] > FG_THRESHOLD).astype(np.uint8))
        files.append(name)
    meta = dict(
        source='Fashion-MNIST test split, images 0..999 (Debian dataset-fashion-mnist, t10k-*), zero-padded 28x28 -> 32x32',
        classes=CLASSES, files=files, labels=[int(v) for v in y_test[:SAMPLE]],
        masks=f'foreground = gray value > {FG_THRESHOLD}; mask PNG values 0/1',
        preprocessing=dict(channels='gray replicated to 3', scale='1/255', mean=MEAN, std=STD),
        knnProtocol=KNN)
    with open(os.path.join(d, 'labels.json'), 'w') as f:
        json.dump(meta, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--smoke', action='store_true', help='a few steps per method (pipeline check)')
    ap.add_argument('--only', nargs='*', default=METHODS)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ensure_dataset()
    os.makedirs(OUT, exist_ok=True)
    x_train, y_train = load_split('train')
    x_test, y_test = load_split('t10k')
    write_sample(x_test, y_test)
    sample = x_test[:SAMPLE]
    s_y = y_test[:SAMPLE]
    # the larger k-NN evaluation (kept small for the time budget): 2,000 train images (every 30th) vs
    # test images 1000..2999 (disjoint from the shipped sample)
    ev_train, ev_train_y = x_train[::30], y_train[::30]
    ev_test, ev_test_y = x_test[1000:3000], y_test[1000:3000]
    t_start = time.time()
    for i, method in enumerate(args.only):
        plan = dict(PLAN[method])
        if args.smoke and plan['steps']:
            plan['steps'], plan['maxSeconds'] = 3, 600
        print(f'== {method}: {plan}', flush=True)
        vit, info = train(method, x_train, y_train, plan, seed=1 + METHODS.index(method))
        vit.eval()
        t_eval = time.time()
        fs = features(vit, sample, layer=6)
        knn_sample = knn(fs[:500], s_y[:500], fs[500:], s_y[500:], k=KNN['k'], T=KNN['temperature'])
        if args.smoke:
            knn_test = None
        else:
            ftr = features(vit, ev_train, layer=6)
            fte = features(vit, ev_test, layer=6)
            knn_test = knn(ftr, ev_train_y, fte, ev_test_y)
        eval_s = time.time() - t_eval
        os.makedirs('/tmp/zoo_ckpt', exist_ok=True)
        torch.save(vit.state_dict(), f'/tmp/zoo_ckpt/{method}.pt')  # lets a maintainer re-export without retraining
        export_onnx(os.path.join(OUT, f'{method}.onnx'), vit)
        write_safetensors(os.path.join(OUT, f'{method}.safetensors'), vit)
        losses = info['losses']
        tail = losses[-20:]
        card = dict(
            name=f'zoo-{method}', method=method, description=DESCRIPTIONS[method],
            config={**CFG, 'inChannels': 3},
            input=dict(name='pixel_values', shape=['B', 3, 32, 32], preprocessing=dict(channels='gray replicated to 3', scale='1/255', mean=MEAN, std=STD, padding='28x28 zero-padded by 2 to 32x32')),
            output=dict(name='features', shape=['B', 96], meaning='final LayerNorm of the CLS token (backbone only: heads, decoders, teachers discarded)'),
            training=dict(steps=info['steps'], plannedSteps=plan['steps'], maxSeconds=plan['maxSeconds'], batch=plan['batch'], imagesSeen=info['imagesSeen'],
                          epochs=round(info['imagesSeen'] / len(x_train), 3), baseLr=plan['lr'], optimizer='AdamW (wd .05, no wd on biases/norms/tokens), grad-norm clip 3, 10% warmup, cosine',
                          seed=1 + METHODS.index(method), threads=args.threads, smoke=args.smoke, **info['extra']),
            trainingSeconds=round(info['seconds'], 1),
            finalLoss=round(float(np.mean(tail)), 4) if tail else None,
            finalLossNote='mean training loss over the last 20 steps' if tail else 'untrained',
            firstLoss=round(losses[0], 4) if losses else None,
            knnSample=dict(top1=knn_sample, **KNN, images='examples/zoo/sample (Fashion-MNIST test 0..999)'),
            knnTest=None if knn_test is None else dict(top1=knn_test, k=20, temperature=0.07, feature=KNN['feature'],
                                                       train='2,000 train images (every 30th)', test='test images 1000..2999 (disjoint from the sample)'),
            evalSeconds=round(eval_s, 1),
            files=dict(onnx=f'{method}.onnx', safetensors=f'{method}.safetensors'),
            tool='tools/zoo/train_zoo.py', torch=torch.__version__)
        with open(os.path.join(OUT, f'{method}.json'), 'w') as f:
            json.dump(card, f, indent=1)
        print(f'== {method}: {info["seconds"]:.0f}s train, loss {card["finalLoss"]}, kNN sample {knn_sample:.3f} test {knn_test}', flush=True)
    print(f'total {time.time() - t_start:.0f}s', flush=True)


DESCRIPTIONS = {
    'fs': 'Supervised: cross-entropy (label smoothing .1) of a linear head on the final-norm CLS token; RRC(.6-1) + flip.',
    'clip': 'CLIP-like: symmetric contrastive loss between the projected CLS feature and a 2-block text transformer over generated captions (5 templates x brightness {dark, light} x size {small, large} measured on the image x class name); same-caption pairs count as positives; learnable temperature.',
    'dino': 'DINO-like: momentum teacher (EMA .99 -> 1), 1024 prototypes via a weight-normalised 3-layer MLP head, teacher centring (momentum .9) and sharpening (T .04, student .1), multi-crop: 2 global 32x32 (scale .4-1) + 2 local 16x16 (scale .1-.4) crops, brightness/contrast jitter, flip.',
    'mocov3': 'MoCo-v3-like: BN-MLP projector (256, 128) and predictor on the query encoder, momentum key encoder (EMA .99 -> 1), symmetric InfoNCE (T .2) over the batch, two RRC(.25-1) views with brightness/contrast jitter and flip.',
    'mae': 'MAE-like: 75% random patch masking, the encoder sees the visible patches + CLS, a 2-block width-64 decoder (discarded) reconstructs per-patch normalised pixels, loss on masked patches; RRC(.5-1) + flip.',
    'beit': 'BEiT-like: ~40% block-wise masking (26 of 64 patches, rectangles of >= 4), masked patch embeddings replaced by a learned mask token, a linear head on the final tokens predicts each masked patch\'s word in a 256-word k-means codebook of 4x4 pixel patches (the tokenizer); no decoder; RRC(.5-1) + flip.',
    'random': 'Untrained: the same architecture with timm\'s initialisation (truncated normal, std .02), seed 7.',
}

if __name__ == '__main__':
    main()
