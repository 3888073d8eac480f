#!/usr/bin/python3
"""Maintainer script: reference ViTs in PyTorch for the tests of @vit/runtime's ViT builder.

Run with Debian's torch (1.13) and numpy:
    /usr/bin/python3 tools/builder-fixtures/make_fixtures.py
Writes packages/runtime/fixtures/builder/<case>/
    weights.safetensors   the parameters under timm's names (F32, F16 or BF16)
    config.json           the builder config (ViTConfig) of the case
    input.npy             a fixed input [2,C,H,W] float32
    logits.npy | features.npy
    <tap>.<l>.npy         every tap of every block (l 1-based): attention [B,H,T,T], the rest [B,T,D]

The model below is written from timm's VisionTransformer / Beit forward passes (timm itself is not
installed): same parameter names, same order of operations. It runs in float64 on the stored
(rounded) weights, so the fixtures are the exact function of the file; the TS builder runs in float32.
The safetensors file is written here by hand (8-byte little-endian header length, JSON header,
raw little-endian data), since the safetensors package is not installed.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'runtime', 'fixtures', 'builder')
TAPS = ['attention', 'block', 'attnIn', 'mlpIn', 'attnSkip', 'attnBranch', 'mlpSkip', 'mlpBranch']


def gen_relative_position_index(gh, gw):
    """timm's Beit gen_relative_position_index, for a [gh, gw] window plus the CLS token."""
    num_rel = (2 * gh - 1) * (2 * gw - 1) + 3
    coords = torch.stack(torch.meshgrid([torch.arange(gh), torch.arange(gw)], indexing='ij'))
    flat = torch.flatten(coords, 1)
    rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
    rel[:, :, 0] += gh - 1
    rel[:, :, 1] += gw - 1
    rel[:, :, 0] *= 2 * gw - 1
    idx = torch.zeros((gh * gw + 1,) * 2, dtype=torch.int64)
    idx[1:, 1:] = rel.sum(-1)
    idx[0, 0:] = num_rel - 3
    idx[0:, 0] = num_rel - 2
    idx[0, 0] = num_rel - 1
    return idx


class Attention(nn.Module):
    def __init__(self, dim, heads, qkv_bias, grid=None):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv_mode = qkv_bias
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias == 'qkv')
        if qkv_bias == 'qv':
            self.q_bias = nn.Parameter(torch.zeros(dim))
            self.v_bias = nn.Parameter(torch.zeros(dim))
        self.grid = grid
        if grid is not None:
            rows = (2 * grid[0] - 1) * (2 * grid[1] - 1) + 3
            self.relative_position_bias_table = nn.Parameter(torch.zeros(rows, heads))
            self.register_buffer('relative_position_index', gen_relative_position_index(*grid))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, taps):
        B, N, C = x.shape
        if self.qkv_mode == 'qv':
            bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))
            qkv = F.linear(x, self.qkv.weight, bias)
        else:
            qkv = self.qkv(x)
        qkv = qkv.reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        if self.grid is not None:
            bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
            attn = attn + bias.permute(2, 0, 1).unsqueeze(0)
        attn = attn.softmax(dim=-1)
        taps['attention'] = attn
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class LayerScale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden, act):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU() if act == 'gelu' else QuickGELU()  # nn.GELU is the exact, erf-based one
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, cfg, grid):
        super().__init__()
        d, eps = cfg['dim'], cfg['layerNormEps']
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attention(d, cfg['heads'], cfg['qkvBias'], grid if cfg['relPosBias'] else None)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.mlp = Mlp(d, cfg['mlpDim'], cfg['mlpAct'])
        self.ls_style = cfg['layerScaleStyle']
        if self.ls_style == 'timm':
            self.ls1 = LayerScale(d)
            self.ls2 = LayerScale(d)
        elif self.ls_style == 'beit':
            self.gamma_1 = nn.Parameter(torch.ones(d))
            self.gamma_2 = nn.Parameter(torch.ones(d))

    def scale(self, i, x):
        if self.ls_style == 'timm':
            return (self.ls1 if i == 1 else self.ls2)(x)
        if self.ls_style == 'beit':
            return x * (self.gamma_1 if i == 1 else self.gamma_2)
        return x

    def forward(self, x, taps):
        taps['attnSkip'] = x
        h = self.norm1(x)
        taps['attnIn'] = h
        a = self.scale(1, self.attn(h, taps))
        taps['attnBranch'] = a
        x = x + a
        taps['mlpSkip'] = x
        h = self.norm2(x)
        taps['mlpIn'] = h
        m = self.scale(2, self.mlp(h))
        taps['mlpBranch'] = m
        x = x + m
        taps['block'] = x
        return x


class ViT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d, eps = cfg['dim'], cfg['layerNormEps']
        ph, pw = cfg['patchSize']
        self.grid = (cfg['imageSize'][0] // ph, cfg['imageSize'][1] // pw)
        n = self.grid[0] * self.grid[1]
        self.prefix = int(cfg['classToken']) + cfg['registers']
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, d, (ph, pw), (ph, pw), bias=cfg['patchBias'])
        if cfg['classToken']:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        if cfg['registers']:
            self.reg_token = nn.Parameter(torch.zeros(1, cfg['registers'], d))
        if cfg['posEmbed'] == 'learned':
            self.pos_embed = nn.Parameter(torch.zeros(1, n + (0 if cfg['noEmbedClass'] else self.prefix), d))
        if cfg['preNorm']:
            self.norm_pre = nn.LayerNorm(d, eps=eps)
        self.blocks = nn.ModuleList([Block(cfg, self.grid) for _ in range(cfg['depth'])])
        if cfg['finalNorm'] == 'tokens':
            self.norm = nn.LayerNorm(d, eps=eps)
        if cfg['finalNorm'] == 'pooled':
            self.fc_norm = nn.LayerNorm(d, eps=eps)
        if cfg['numClasses']:
            self.head = nn.Linear(d, cfg['numClasses'], bias=cfg['headBias'])

    def forward(self, x):
        cfg = self.cfg
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        to_cat = []
        if cfg['classToken']:
            to_cat.append(self.cls_token.expand(x.shape[0], -1, -1))
        if cfg['registers']:
            to_cat.append(self.reg_token.expand(x.shape[0], -1, -1))
        pos = cfg['posEmbed'] == 'learned'
        if cfg['noEmbedClass']:
            if pos:
                x = x + self.pos_embed
            if to_cat:
                x = torch.cat(to_cat + [x], dim=1)
        else:
            if to_cat:
                x = torch.cat(to_cat + [x], dim=1)
            if pos:
                x = x + self.pos_embed
        if cfg['preNorm']:
            x = self.norm_pre(x)
        taps = []
        for blk in self.blocks:
            t = {}
            x = blk(x, t)
            taps.append(t)
        if cfg['finalNorm'] == 'tokens':
            x = self.norm(x)
        x = x[:, 0] if cfg['pool'] == 'cls' else x[:, self.prefix:].mean(dim=1)
        if cfg['finalNorm'] == 'pooled':
            x = self.fc_norm(x)
        if cfg['numClasses']:
            x = self.head(x)
        return x, taps


BASE = dict(mlpAct='gelu', classToken=True, registers=0, posEmbed='learned', noEmbedClass=False, preNorm=False, qkvBias='qkv',
            layerScaleStyle=None, relPosBias=False, finalNorm='tokens', pool='cls', numClasses=0, patchBias=True,
            headBias=True, layerNormEps=1e-6)

CASES = {
    # a plain timm ViT with a classification head
    'plain': dict(imageSize=[16, 16], patchSize=[8, 8], dim=32, depth=2, heads=2, mlpDim=64, numClasses=5, dtype='F32'),
    # CLS + 4 registers, position embedding on the patches only, LayerScale (ls1.gamma), no head
    'registers': dict(imageSize=[24, 16], patchSize=[8, 8], dim=32, depth=2, heads=2, mlpDim=128, registers=4,
                      noEmbedClass=True, layerScaleStyle='timm', dtype='F32'),
    # BEiT: q/v bias, relative position bias (with its index), gamma_1/gamma_2, no absolute position
    # embedding, mean pooling with fc_norm, a head
    'beit': dict(imageSize=[16, 24], patchSize=[8, 8], dim=32, depth=2, heads=2, mlpDim=64, qkvBias='qv',
                 relPosBias=True, layerScaleStyle='beit', posEmbed='none', pool='avg', finalNorm='pooled',
                 numClasses=4, dtype='F32'),
    # no CLS: mean pooling over all tokens, no qkv bias, float16 weights
    'gap': dict(imageSize=[12, 16], patchSize=[4, 4], dim=32, depth=2, heads=4, mlpDim=64, classToken=False,
                pool='avg', qkvBias='none', numClasses=3, dtype='F16'),
    # CLIP-like: norm_pre, eps 1e-5, QuickGELU, no patch bias, a bias-free projection head, bfloat16 weights
    'clip': dict(imageSize=[16, 16], patchSize=[4, 4], dim=32, depth=2, heads=4, mlpDim=128, preNorm=True, mlpAct='quickGelu',
                 layerNormEps=1e-5, patchBias=False, headBias=False, numClasses=6, dtype='BF16'),
}


def randomise(model, gen):
    """Weights large enough that attention is far from uniform and every part matters."""
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name.endswith('norm1.weight') or name.endswith('norm2.weight') or name.endswith('norm.weight') or name.endswith('norm_pre.weight'):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif 'gamma' in name:
                p.copy_(0.5 + 0.5 * torch.rand(p.shape, generator=gen))
            elif name.endswith('qkv.weight'):
                p.copy_(torch.randn(p.shape, generator=gen) * 1.2 / math.sqrt(p.shape[1]))
            elif name.endswith('.weight') and p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif name.endswith('relative_position_bias_table'):
                p.copy_(torch.randn(p.shape, generator=gen))
            else:  # biases, tokens, position embedding
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def stored(t, dtype):
    """(raw little-endian bytes, value as float64) of a float tensor stored as `dtype`."""
    t = t.detach().float()
    if dtype == 'F32':
        return t.numpy().astype('<f4').tobytes(), t.double()
    if dtype == 'F16':
        h = t.half()
        return h.numpy().astype('<f2').tobytes(), h.double()
    if dtype == 'BF16':
        b = t.bfloat16()
        return b.view(torch.int16).numpy().astype('<i2').tobytes(), b.double()
    raise ValueError(dtype)


def write_safetensors(path, entries):
    """entries: list of (name, dtype, shape, bytes)."""
    header, off = {}, 0
    for name, dtype, shape, raw in entries:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for _, _, _, raw in entries:
            f.write(raw)


def ts_config(cfg):
    """The builder's ViTConfig for a case (explicit, every field)."""
    c = {k: cfg[k] for k in ['imageSize', 'patchSize', 'dim', 'depth', 'heads', 'mlpDim', 'mlpAct', 'classToken', 'registers',
                             'posEmbed', 'noEmbedClass', 'preNorm', 'qkvBias', 'relPosBias', 'finalNorm', 'pool',
                             'numClasses', 'patchBias', 'headBias', 'layerNormEps']}
    c['layerScale'] = cfg['layerScaleStyle'] is not None
    return c


def main():
    torch.manual_seed(0)
    for i, (name, spec) in enumerate(CASES.items()):
        cfg = {**BASE, **spec}
        gen = torch.Generator().manual_seed(1000 + i)
        model = ViT(cfg)
        randomise(model, gen)
        entries = []
        state = model.state_dict()
        for key, t in state.items():
            if key.endswith('relative_position_index'):
                entries.append((key, 'I64', t.shape, t.numpy().astype('<i8').tobytes()))
                continue
            raw, value = stored(t, cfg['dtype'])
            entries.append((key, cfg['dtype'], t.shape, raw))
            state[key] = value
        model = model.double()
        model.load_state_dict(state)
        x = torch.randn((2, 3, *cfg['imageSize']), generator=gen).float()
        with torch.no_grad():
            y, taps = model(x.double())
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        write_safetensors(os.path.join(d, 'weights.safetensors'), entries)
        with open(os.path.join(d, 'config.json'), 'w') as f:
            json.dump(ts_config(cfg), f, indent=2)
            f.write('\n')
        np.save(os.path.join(d, 'input.npy'), x.numpy().astype(np.float32))
        np.save(os.path.join(d, 'logits.npy' if cfg['numClasses'] else 'features.npy'), y.numpy().astype(np.float32))
        for l, t in enumerate(taps, start=1):
            for tap in TAPS:
                np.save(os.path.join(d, f'{tap}.{l}.npy'), t[tap].numpy().astype(np.float32))
        a = taps[0]['attention']
        print(f'{name}: T={a.shape[-1]} mean row max of attention {a.max(-1).values.mean().item():.3f}, output |y|max {y.abs().max().item():.3f}')


if __name__ == '__main__':
    main()
