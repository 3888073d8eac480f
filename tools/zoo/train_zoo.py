#!/work/venv/bin/python
"""Maintainer script: trains the miniature model zoo on Fashion-MNIST scenes (tools/zoo/scenes.py).

Environment: /work/venv/bin/python (torch 2.13 CPU, numpy 2); Debian's /usr/bin/python3 (torch 1.13)
also runs it. Measured on this machine (2 shared AMD EPYC cores with AVX512-BF16): see --measure and
examples/zoo/README.md for the numbers that chose the defaults (torch 2.13, 2 threads, bf16 autocast).

    tools/zoo/train_zoo.py --measure            # images/s of every method, fp32 vs bf16 (a few steps each)
    tools/zoo/train_zoo.py                      # train every unfinished method, resumably
    tools/zoo/train_zoo.py --only fs dino       # some methods
    tools/zoo/train_zoo.py --smoke --dir /tmp/z # 3 steps per method (pipeline check)

Seven methods share one ViT (64x64 RGB input, patch 8 -> 8x8 grid, 6 blocks, width 96, 4 heads,
MLP 384, CLS token, learned position embedding, timm parameter names): fs, clip, dino, mocov3, mae,
beit, random (untrained). Each step's batch is drawn from a generator seeded by (method seed, step):
the scenes are generated on the fly from Fashion-MNIST *train* items (the benchmark under
examples/zoo/bench uses *test* items), so training never repeats an image and a resumed run sees
exactly the batches an uninterrupted one would.

Budgets are in optimiser steps (PLAN), not seconds, so a loaded machine trains as long as a quiet one.
Checkpoints go OUTSIDE the work tree, to --dir (default /work/zoo-train/):
    <dir>/<method>/last.pt    every --ckpt-every seconds (model, optimiser, step, losses; atomic rename)
    <dir>/<method>/final.pt   when the method's planned steps are done; a finished method is skipped
A restarted run continues each method from its last.pt. Export (ONNX, safetensors, cards) is a separate
command: tools/zoo/export_zoo.py, which runs on whatever checkpoints exist.
"""
import argparse
import json
import math
import os
import sys
import time

# OpenMP threads that wait passively: on this shared, oversubscribed machine the default spin-waiting
# burnt 3-5x the CPU time per image (measured: FS step 28 -> 150 images per CPU-second)
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes as S  # noqa: E402

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CFG = dict(imageSize=64, patchSize=8, dim=96, depth=6, heads=4, mlpDim=384, numClasses=0, layerNormEps=1e-6)
METHODS = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random']
SEEDS = {m: i + 1 for i, m in enumerate(METHODS)}
DEFAULT_DIR = '/work/zoo-train'

# Steps and batch per method. Planned from images/s measured with --measure on this machine (see the
# README): about 2 hours of 2 cores in all, the multi-view methods get fewer steps per second of compute.
# CPU-seconds per step measured with bf16 autocast, 2 threads, OMP_WAIT_POLICY=PASSIVE (README):
# fs .25, clip .36, mae .29 (batch 128), beit ~.32, mocov3 ~.75, dino ~.9 -> ~13,600 CPU-s = 1.9 h of 2 cores.
PLAN = {
    'fs': dict(steps=6000, batch=64, lr=1e-3),
    'clip': dict(steps=5000, batch=64, lr=1e-3),
    'dino': dict(steps=4000, batch=64, lr=5e-4),
    'mocov3': dict(steps=4000, batch=64, lr=1e-3),
    'mae': dict(steps=6000, batch=128, lr=1.5e-3),
    'beit': dict(steps=6000, batch=64, lr=1e-3),
    'random': dict(steps=0, batch=0, lr=0),
}


# ---------------------------------------------------------------- augmentations

def to_input(x01):
    """[B,3,H,W] in [0,1] -> normalised pixel_values (ImageNet mean/std)."""
    m = torch.tensor(MEAN).view(1, 3, 1, 1)
    s = torch.tensor(STD).view(1, 3, 1, 1)
    return (x01 - m) / s


def rrc(x, size, scale, gen, flip=True, ratio=(3 / 4, 4 / 3)):
    """Batched random resized crop (+ horizontal flip) of x [B,C,H,W] via affine_grid."""
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
    grid = F.affine_grid(theta, (B, x.shape[1], size, size), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection', align_corners=False)


def hflip(x, gen):
    f = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(f[:, None, None, None], x.flip(-1), x)


def colour_jitter(x, gen, strength=0.4, gray_p=0.2):
    """SimCLR-style colour jitter without hue: brightness, contrast, saturation, then random grayscale."""
    B = x.shape[0]
    u = lambda: 1 + (torch.rand(B, 1, 1, 1, generator=gen) * 2 - 1) * strength  # noqa: E731
    x = (x * u()).clamp(0, 1)
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - m) * u() + m).clamp(0, 1)
    gray = (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = ((x - gray) * u() + gray).clamp(0, 1)
    g = torch.rand(B, 1, 1, 1, generator=gen) < gray_p
    return torch.where(g, gray.expand_as(x), x)


# ---------------------------------------------------------------- the ViT (timm names, eager attention)

class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.keep = False  # set to record the attention probabilities (export: attention summary)
        self.last = None

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        if self.keep:
            self.last = attn.detach()
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
        self.dim = d
        self.patch = p
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


def lr_at(progress, base, warm=0.05):
    """Linear warm-up over the first 5% of the steps, then cosine decay to 0; progress in [0, 1)."""
    if progress < warm:
        return base * max(progress, 1e-3) / warm
    return base * 0.5 * (1 + math.cos(math.pi * (progress - warm) / (1 - warm)))


# ---------------------------------------------------------------- methods
# Every method's loss(batch, gen) gets a dict with the scene batch: x [B,3,64,64] in [0,1], y labels,
# items uint8 [B,28,28] and the scene parameters (to redraw the same object over another background).

class FS(nn.Module):
    """Supervised: cross-entropy (label smoothing .1) of a linear head on the final-norm CLS token; the
    scenes are already random in position, scale, tint and background; + horizontal flip."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.head = nn.Linear(CFG['dim'], 10)

    def loss(self, b, gen):
        return F.cross_entropy(self.head(self.vit(to_input(hflip(b['x'], gen)))), b['y'], label_smoothing=0.1)


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
    """Caption contrastive: caption = template x colour word (the tint's hue) x size word (small/large)
    x class name; symmetric InfoNCE, same-caption pairs count as positives; learnable temperature."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        words = set()
        for t in TEMPLATES:
            words.update(t.replace('{a}', '').replace('{c}', '').split())
        for c in S.CLASSES:
            words.update(c.lower().replace('/', ' ').split())
        words.update(S.HUES + ['small', 'large'])
        self.vocab = ['<pad>', '<eot>'] + sorted(words)
        self.length = 12
        self.text = TextEncoder(len(self.vocab), self.length)
        self.img_proj = nn.Linear(CFG['dim'], 64, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def captions(self, b, gen):
        y, hue, size = b['y'], b['hue'], b['size']
        B = len(y)
        ids = torch.zeros(B, self.length, dtype=torch.long)
        eot = torch.zeros(B, dtype=torch.long)
        tpl = torch.randint(len(TEMPLATES), (B,), generator=gen)
        for i in range(B):
            a = S.HUES[int(hue[i])] + (' small' if float(size[i]) < 32 else ' large')
            text = TEMPLATES[tpl[i]].format(a=a, c=S.CLASSES[y[i]].lower().replace('/', ' '))
            toks = [self.vocab.index(w) for w in text.split()] + [1]
            ids[i, :len(toks)] = torch.tensor(toks)
            eot[i] = len(toks) - 1
        return ids, eot

    def loss(self, b, gen):
        ids, eot = self.captions(b, gen)
        i = F.normalize(self.img_proj(self.vit(to_input(hflip(b['x'], gen)))), dim=-1)
        t = F.normalize(self.text(ids, eot), dim=-1)
        logits = self.logit_scale.clamp(max=math.log(100)).exp() * i @ t.t()
        same = (ids[:, None, :] == ids[None, :, :]).all(-1).float()
        target = same / same.sum(1, keepdim=True)
        return 0.5 * (torch.sum(-target * F.log_softmax(logits, 1), 1).mean() + torch.sum(-target * F.log_softmax(logits.t(), 1), 1).mean())


def two_views(b, gen, pool):
    """The object of each scene redrawn over two fresh backgrounds (same item, box and tint): the
    'background augmentation' of contrastive learning (Ryali et al. 2021), so two views of an image do
    not share their clutter; the views are then cropped and jittered as in the methods' recipes."""
    it = torch.as_tensor(b['items']).float().div(255).unsqueeze(1)
    out = []
    for _ in range(2):
        bg = S.draw_background(it.shape[0], gen, pool)
        img, _ = S.composite(bg, it, b['x0'], b['y0'], b['size'], b['tint'])
        out.append(img)
    return out


class DINOHead(nn.Module):
    def __init__(self, out=1024, hidden=256, bottleneck=64):
        super().__init__()
        self.mlp = mlp([CFG['dim'], hidden, hidden, bottleneck])
        self.last = nn.utils.weight_norm(nn.Linear(bottleneck, out, bias=False))
        self.last.weight_g.data.fill_(1)
        self.last.weight_g.requires_grad = False

    def forward(self, x):
        return self.last(F.normalize(self.mlp(x), dim=-1))


class DINO(nn.Module):
    """Self-distillation: 2 global 64x64 crops (scale .4-1) to the momentum teacher, those + 2 local 32x32
    crops (scale .1-.4) to the student; teacher centred (momentum .9) and sharpened (T .04, student .1)."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool
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

    def loss(self, b, gen):
        v1, v2 = two_views(b, gen, self.pool)
        g = [colour_jitter(rrc(v, 64, (0.4, 1.0), gen), gen) for v in (v1, v2)]
        loc = [colour_jitter(rrc(v, 32, (0.1, 0.4), gen), gen) for v in (v1, v2)]
        with torch.no_grad():
            t_out = [self.t_head(self.t_vit.tokens(to_input(v))[:, 0]).float() for v in g]
        t_prob = [F.softmax((o - self.center) / 0.04, dim=-1) for o in t_out]
        s_out = [self.student(v).float() / 0.1 for v in g + loc]
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
    """Momentum contrast v3: BN-MLP projector + predictor on the query side, momentum encoder on the key
    side, symmetric InfoNCE (T .2) over the batch; two RRC(.25-1) views with colour jitter and flip."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool
        self.vit = ViT()
        self.proj = mlp([CFG['dim'], 256, 128], bn=True, last_bn=True)
        self.pred = mlp([128, 256, 128], bn=True)
        self.m_vit = ViT()
        self.m_proj = mlp([CFG['dim'], 256, 128], bn=True, last_bn=True)
        self.m_vit.load_state_dict(self.vit.state_dict())
        self.m_proj.load_state_dict(self.proj.state_dict())
        for p in list(self.m_vit.parameters()) + list(self.m_proj.parameters()):
            p.requires_grad = False

    def contrast(self, q, k, T=0.2):
        q, k = F.normalize(q.float(), dim=1), F.normalize(k.float(), dim=1)
        return F.cross_entropy(q @ k.t() / T, torch.arange(q.shape[0])) * 2 * T

    def loss(self, b, gen):
        v1, v2 = two_views(b, gen, self.pool)
        v1 = to_input(colour_jitter(rrc(v1, 64, (0.25, 1.0), gen), gen))
        v2 = to_input(colour_jitter(rrc(v2, 64, (0.25, 1.0), gen), gen))
        q1, q2 = self.pred(self.proj(self.vit(v1))), self.pred(self.proj(self.vit(v2)))
        with torch.no_grad():
            k1, k2 = self.m_proj(self.m_vit(v1)), self.m_proj(self.m_vit(v2))
        return self.contrast(q1, k2) + self.contrast(q2, k1)

    def after_step(self, progress):
        m = 1 - (1 - 0.99) * (math.cos(math.pi * progress) + 1) / 2
        ema(self.m_vit, self.vit, m)
        ema(self.m_proj, self.proj, m)


def patchify(x, p=8):
    """[B,C,H,W] -> [B,(H/p)*(W/p),p*p*C] pixel patches, row-major, (py, px, c) inside a patch."""
    B, C, H, W = x.shape
    return x.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1).reshape(B, (H // p) * (W // p), p * p * C)


class MAE(nn.Module):
    """Masked autoencoder: 75% random patch masking, the encoder sees the visible 25% (+CLS); a 2-block
    width-64 decoder (discarded) reconstructs per-patch normalised pixels (8x8x3) of the masked patches."""

    def __init__(self):
        super().__init__()
        self.vit = ViT()
        self.dec_embed = nn.Linear(CFG['dim'], 64)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 64))
        self.dec_pos = nn.Parameter(torch.randn(1, 65, 64) * 0.02)
        self.dec_blocks = nn.ModuleList([Block(64, 2, 256, 1e-6) for _ in range(2)])
        self.dec_norm = nn.LayerNorm(64, eps=1e-6)
        self.dec_pred = nn.Linear(64, 8 * 8 * 3)
        nn.init.normal_(self.mask_token, std=0.02)

    def loss(self, b, gen):
        v = rrc(b['x'], 64, (0.5, 1.0), gen)
        B, N = v.shape[0], 64
        keep = N // 4
        ids_keep = torch.argsort(torch.rand(B, N, generator=gen), dim=1)[:, :keep]
        t = self.vit.embed(to_input(v))
        t = torch.gather(t, 1, ids_keep[:, :, None].expand(-1, -1, t.shape[-1]))
        z = self.dec_embed(self.vit.run_blocks(t))
        full = self.mask_token.to(z.dtype).expand(B, N, -1).clone()
        full.scatter_(1, ids_keep[:, :, None].expand(-1, -1, 64), z[:, 1:])
        d = torch.cat([z[:, :1], full], dim=1) + self.dec_pos
        for blk in self.dec_blocks:
            d = blk(d)
        pred = self.dec_pred(self.dec_norm(d))[:, 1:].float()
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
    """Lloyd's k-means on [n,d] pixel patches (random distinct init), float32."""
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
    head on the final tokens predicts each masked patch's word in a 512-word k-means codebook of 8x8x3
    pixel patches of training scenes (the tokenizer). No decoder."""

    def __init__(self, codebook):
        super().__init__()
        self.vit = ViT()
        self.mask_token = nn.Parameter(torch.zeros(1, 1, CFG['dim']))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.register_buffer('codebook', codebook)
        self.lm_head = nn.Linear(CFG['dim'], codebook.shape[0])

    def loss(self, b, gen):
        v = rrc(b['x'], 64, (0.5, 1.0), gen)
        B = v.shape[0]
        with torch.no_grad(), torch.autocast('cpu', enabled=False):  # the tokenizer runs in float32
            codes = torch.cdist(patchify(v).reshape(-1, 192), self.codebook).argmin(1).view(B, -1)
        m = block_mask(B, gen)
        t = self.vit.patch_embed.proj(to_input(v)).flatten(2).transpose(1, 2)
        t = torch.where(m[:, :, None], self.mask_token.to(t.dtype).expand(B, 64, -1), t) + self.vit.pos_for(8)
        out = self.vit.run_blocks(t)[:, 1:]
        return F.cross_entropy(self.lm_head(out[m]).float(), codes[m])


# ---------------------------------------------------------------- data, training

class Data:
    """Fashion-MNIST train items; batch(step) = scenes drawn from a generator seeded by (seed, step)."""

    def __init__(self):
        self.x, self.y = S.load_split('train')

    def batch(self, seed, step, B):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(len(self.x), (B,), generator=gen).numpy()
        items = self.x[idx]
        x, _, p = S.scenes(items, gen, self.x)
        return dict(x=x, y=torch.from_numpy(self.y[idx]), items=items, **p), gen


def build(method, data):
    extra = {}
    if method == 'fs':
        return FS(), extra
    if method == 'clip':
        return CLIP(), extra
    if method == 'dino':
        return DINO(data.x), extra
    if method == 'mocov3':
        return MoCoV3(data.x), extra
    if method == 'mae':
        return MAE(), extra
    if method == 'beit':
        torch.manual_seed(SEEDS['beit'])
        b, gen = data.batch(999, 0, 1000)
        patches = patchify(b['x']).reshape(-1, 192)
        extra['codebook'] = dict(words=512, patch='8x8x3 pixels in [0,1]', fitOn='64,000 patches of 1,000 training scenes (seed 999)', iterations=15)
        return BEiT(kmeans_codebook(patches, 512, 15, gen)), extra
    return ViT(), extra


def save_atomic(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(method, data, plan, args):
    """Trains one method to plan['steps'], resuming from <dir>/<method>/last.pt; writes final.pt."""
    d = os.path.join(args.dir, method)
    os.makedirs(d, exist_ok=True)
    final = os.path.join(d, 'final.pt')
    if os.path.exists(final) and not args.smoke:
        print(f'== {method}: finished ({final}), skipped', flush=True)
        return
    seed = SEEDS[method]
    torch.manual_seed(seed)
    net, extra = build(method, data)
    info = dict(method=method, plan=plan, seed=seed, bf16=args.bf16, threads=args.threads, torch=torch.__version__,
                python=sys.executable, extra=extra, losses=[], seconds=0.0, cpuSeconds=0.0, step=0, segments=[])
    if plan['steps'] == 0:
        save_atomic(dict(vit=net.state_dict(), info=info), final)
        print(f'== {method}: untrained, written', flush=True)
        return
    params = [p for p in net.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=plan['lr'], betas=(0.9, 0.95 if method in ('mae', 'beit') else 0.999))
    last = os.path.join(d, 'last.pt')
    if os.path.exists(last) and not args.smoke:
        ck = torch.load(last, weights_only=False)
        net.load_state_dict(ck['net'])
        opt.load_state_dict(ck['opt'])
        info = ck['info']
        print(f'== {method}: resumed at step {info["step"]} / {plan["steps"]}', flush=True)
    else:
        print(f'== {method}: {plan}', flush=True)
    steps, B = plan['steps'], plan['batch']
    net.train()
    t_seg = time.time()
    seg_start = info['step']
    t_ck = time.time()

    def checkpoint(path):
        info['seconds'] += time.time() - t_seg_ref[0]
        info['cpuSeconds'] = info.get('cpuSeconds', 0.0) + time.process_time() - c_seg_ref[0]
        t_seg_ref[0] = time.time()
        c_seg_ref[0] = time.process_time()
        save_atomic(dict(net=net.state_dict(), opt=opt.state_dict(), info=info), path)

    t_seg_ref = [t_seg]
    c_seg_ref = [time.process_time()]
    c_start = c_seg_ref[0]
    stop_at = steps if args.stop_after is None else min(steps, info['step'] + args.stop_after)
    while info['step'] < stop_at:
        step = info['step']
        progress = step / steps
        lr = lr_at(progress, plan['lr'])
        for g in opt.param_groups:
            g['lr'] = lr
        batch, gen = data.batch(seed, step, B)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=args.bf16):
            loss = net.loss(batch, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        if hasattr(net, 'after_step'):
            net.after_step(progress)
        info['losses'].append(float(loss))
        info['step'] = step + 1
        if step % 50 == 0 or step == steps - 1:
            el = time.time() - t_seg
            ips = (info['step'] - seg_start) * B / max(el, 1e-9)
            ipc = (info['step'] - seg_start) * B / max(time.process_time() - c_start, 1e-9)
            print(f'  [{method}] step {step + 1}/{steps} loss {float(loss):.4f} (mean of last 50: {np.mean(info["losses"][-50:]):.4f}) '
                  f'lr {lr:.2e} {ips:.1f} img/s wall, {ipc:.1f} img/CPU-s, {time.strftime("%H:%M:%S")}', flush=True)
        if time.time() - t_ck > args.ckpt_every and not args.smoke:
            checkpoint(last)
            t_ck = time.time()
    info['segments'].append(dict(fromStep=seg_start, toStep=info['step'], seconds=round(time.time() - t_seg, 1)))
    checkpoint(last)
    if info['step'] < steps:
        print(f'== {method}: stopped at step {info["step"]} / {steps} (--stop-after); resume by running again', flush=True)
        return
    vit_sd = net.vit.state_dict()
    save_atomic(dict(vit=vit_sd, info=info), final if not args.smoke else os.path.join(d, 'smoke.pt'))
    print(f'== {method}: done, {info["step"]} steps, {info["seconds"]:.0f} s wall, {info["cpuSeconds"]:.0f} CPU-s, last-50 loss {np.mean(info["losses"][-50:]):.4f}', flush=True)


def measure(data, args):
    """images/s of each method's training step (fp32 and bf16), after 2 warm-up steps."""
    res = {}
    for method in [m for m in args.only if PLAN[m]['steps']]:
        for bf16 in (False, True):
            torch.manual_seed(0)
            net, _ = build(method, data)
            opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=1e-4)
            B = PLAN[method]['batch']
            t0 = c0 = None
            n = args.measure_steps
            for step in range(n + 2):
                if step == 2:
                    t0, c0 = time.time(), time.process_time()
                batch, gen = data.batch(0, step, B)
                with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                    loss = net.loss(batch, gen)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if hasattr(net, 'after_step'):
                    net.after_step(0.0)
            wall, cpu = time.time() - t0, time.process_time() - c0
            ips, ipc = n * B / wall, n * B / cpu
            res.setdefault(method, {})['bf16' if bf16 else 'fp32'] = dict(wall=round(ips, 1), cpu=round(ipc, 1))
            print(f'{method} {"bf16" if bf16 else "fp32"} batch {B}: {ips:.1f} images/s wall, {ipc:.1f} images per CPU-second '
                  f'({wall / n:.3f} s/step wall, {cpu / n:.3f} CPU-s/step)', flush=True)
    t0 = time.time()
    for step in range(5):
        data.batch(0, step, 64)
    print(f'scene generation alone: {5 * 64 / (time.time() - t0):.0f} images/s', flush=True)
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', nargs='*', default=['random', 'fs', 'mae', 'beit', 'clip', 'mocov3', 'dino'])
    ap.add_argument('--dir', default=DEFAULT_DIR, help='checkpoint folder (outside the work tree)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--bf16', action='store_true', help='bfloat16 autocast (measured slower than float32 for this small model: see README)')
    ap.add_argument('--ckpt-every', type=float, default=180, help='seconds between checkpoints')
    ap.add_argument('--smoke', action='store_true', help='3 steps per method (pipeline check; writes smoke.pt)')
    ap.add_argument('--measure', action='store_true', help='measure images/s per method, fp32 vs bf16, and exit')
    ap.add_argument('--measure-steps', type=int, default=6)
    ap.add_argument('--steps', type=int, default=None, help='override the planned steps of every method')
    ap.add_argument('--stop-after', type=int, default=None, help='stop this run after N steps per method (checkpointed; tests)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f'python {sys.executable}, torch {torch.__version__}, threads {args.threads}, bf16 {args.bf16}, dir {args.dir}', flush=True)
    data = Data()
    if args.measure:
        measure(data, args)
        return
    t0 = time.time()
    for method in args.only:
        plan = dict(PLAN[method])
        if args.smoke and plan['steps']:
            plan['steps'] = 3
        elif args.steps is not None and plan['steps']:
            plan['steps'] = args.steps
        train(method, data, plan, args)
    print(f'total {time.time() - t0:.0f} s', flush=True)


if __name__ == '__main__':
    main()
