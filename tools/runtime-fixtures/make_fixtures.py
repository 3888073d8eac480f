#!/usr/bin/python3
"""Maintainer script: tiny ViT-family ONNX graphs + PyTorch's own taps, for @vit/runtime's tests.

Run with Debian's torch 1.13 (TorchScript exporter only):
    /usr/bin/python3 tools/runtime-fixtures/make_fixtures.py
Writes packages/runtime/fixtures/<case>/{model.onnx, input.npy, <tap>-<l>.npy, expected.json}.

Every case is a small model (width 32, 2-3 blocks, 32x32 or 24x32 images) written the way the
family it imitates writes attention, so the exported graph carries that family's pattern:
  timm       one qkv Linear, reshape/permute, q @ k^T * scale           softmax [B,H,T,T], dynamic batch
  mha        torchvision: nn.MultiheadAttention(batch_first=True)        softmax [B*H,T,T]
  hf         Hugging Face: separate q/k/v Linears, scores / sqrt(d),     opset 14 (decomposed LayerNorm), static batch 2
  dynamo     the dynamo exporter's SDPA form: q and k both multiplied by sqrt(scale) where
             scale = 1/sqrt(E) is computed from the runtime shape (Shape -> Gather -> Cast -> Sqrt).
             torch 1.13 has no dynamo exporter, so the model computes the scale from
             torch._shape_as_tensor(q), which the TorchScript exporter records as Shape/Gather/Cast/Sqrt.
  clip       sequence-first [T,B,D] blocks (nn.MultiheadAttention), class embedding, ln_pre, QuickGELU
  beit       relative position bias added before the softmax, LayerScale, q/v-only qkv bias
  registers  CLS + 4 register tokens (P = 5)
  gap        no CLS token (P = 0), global average pooling head
  nonsquare  24x32 input (grid 3x4), static batch 2
  softmax_queries  a transformer whose softmax runs over queries (dim -2): must be refused
  fused      an onnx.helper graph with a com.microsoft.Attention node: must be refused
  cnn        a tiny CNN: no attention, must be refused
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'runtime', 'fixtures')
REC = {'on': False}
TAPS = ['attention', 'block', 'attnIn', 'mlpIn', 'attnSkip', 'attnBranch', 'mlpSkip', 'mlpBranch']


def rec(mod, key, t):
    if REC['on']:
        mod.taps[key] = t.detach().clone()


class Mlp(nn.Module):
    def __init__(self, dim, hidden, act=None):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = act or nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


# ---------------------------------------------------------------- attention variants

class TimmAttention(nn.Module):
    def __init__(self, dim, heads, softmax_dim=-1):
        super().__init__()
        self.h, self.hd = heads, dim // heads
        self.scale = self.hd ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.softmax_dim = softmax_dim
        self.taps = {}

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=self.softmax_dim)
        rec(self, 'attention', attn)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class HFAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h, self.hd = heads, dim // heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.dense = nn.Linear(dim, dim)
        self.taps = {}

    def split(self, x):
        B, N, _ = x.shape
        return x.view(B, N, self.h, self.hd).permute(0, 2, 1, 3)

    def forward(self, x):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2))
        scores = scores / math.sqrt(self.hd)
        probs = nn.functional.softmax(scores, dim=-1)
        rec(self, 'attention', probs)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        B, N = ctx.shape[0], ctx.shape[1]
        return self.dense(ctx.view(B, N, self.h * self.hd))


class DynamoAttention(TimmAttention):
    """The decomposition torch.export/dynamo emits for scaled_dot_product_attention."""

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        e = torch._shape_as_tensor(q)[-1].to(q.dtype)  # Shape -> Gather -> Cast
        scale = 1.0 / torch.sqrt(e)                     # Sqrt, Div
        s = torch.sqrt(scale)                           # Sqrt
        attn = torch.matmul(q * s, k.transpose(-2, -1) * s)
        attn = torch.softmax(attn, dim=-1)
        rec(self, 'attention', attn)
        x = torch.matmul(attn, v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class MHAWrap(nn.Module):
    """nn.MultiheadAttention as torchvision (batch_first) and OpenAI CLIP (sequence-first) use it."""

    def __init__(self, dim, heads, batch_first):
        super().__init__()
        self.mha = nn.MultiheadAttention(dim, heads, batch_first=batch_first)
        self.taps = {}

    def forward(self, x):
        if REC['on']:
            out, w = self.mha(x, x, x, need_weights=True, average_attn_weights=False)
            rec(self, 'attention', w)
            return out
        return self.mha(x, x, x, need_weights=False)[0]


class BeitAttention(nn.Module):
    def __init__(self, dim, heads, grid, prefix=1):
        super().__init__()
        self.h, self.hd = heads, dim // heads
        self.scale = self.hd ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.q_bias = nn.Parameter(torch.randn(dim) * 0.1)
        self.v_bias = nn.Parameter(torch.randn(dim) * 0.1)
        gh, gw = grid
        n_rel = (2 * gh - 1) * (2 * gw - 1) + 3
        self.relative_position_bias_table = nn.Parameter(torch.randn(n_rel, heads) * 0.5)
        coords = torch.stack(torch.meshgrid(torch.arange(gh), torch.arange(gw), indexing='ij')).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        rel[:, :, 0] += gh - 1
        rel[:, :, 1] += gw - 1
        idx = torch.zeros(gh * gw + 1, gh * gw + 1, dtype=torch.long)
        idx[1:, 1:] = rel[:, :, 0] * (2 * gw - 1) + rel[:, :, 1]
        idx[0, :] = n_rel - 3
        idx[:, 0] = n_rel - 2
        idx[0, 0] = n_rel - 1
        self.register_buffer('relative_position_index', idx, persistent=False)
        self.proj = nn.Linear(dim, dim)
        self.taps = {}

    def forward(self, x):
        B, N, C = x.shape
        qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))
        qkv = F.linear(x, self.qkv.weight, qkv_bias).reshape(B, N, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        rpb = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + rpb.permute(2, 0, 1).contiguous().unsqueeze(0)
        attn = attn.softmax(dim=-1)
        rec(self, 'attention', attn)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


# ---------------------------------------------------------------- blocks and models

class Block(nn.Module):
    """Pre-norm block; `seq_first` blocks see [T,B,D]; LayerScale when `ls` is given."""

    def __init__(self, dim, attn, mlp_hidden, eps=1e-6, ls=None, act=None, seq_first=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = attn
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp_hidden, act)
        self.gamma_1 = nn.Parameter(torch.full((dim,), ls)) if ls else None
        self.gamma_2 = nn.Parameter(torch.full((dim,), ls) * torch.linspace(0.5, 1.5, dim)) if ls else None
        self.seq_first = seq_first
        self.taps = {}

    def forward(self, x):
        t = (lambda z: z.transpose(0, 1)) if self.seq_first else (lambda z: z)
        a_in = self.norm1(x)
        a = self.attn(a_in)
        if self.gamma_1 is not None:
            a = self.gamma_1 * a
        rec(self, 'attnIn', t(a_in))
        rec(self, 'attnSkip', t(x))
        rec(self, 'attnBranch', t(a))
        x = x + a
        m_in = self.norm2(x)
        m = self.mlp(m_in)
        if self.gamma_2 is not None:
            m = self.gamma_2 * m
        rec(self, 'mlpIn', t(m_in))
        rec(self, 'mlpSkip', t(x))
        rec(self, 'mlpBranch', t(m))
        x = x + m
        rec(self, 'block', t(x))
        return x


class ViT(nn.Module):
    def __init__(self, img=(32, 32), patch=8, dim=32, depth=2, heads=2, cls=True, registers=0,
                 attn='timm', eps=1e-6, ls=None, softmax_dim=-1):
        super().__init__()
        self.grid = (img[0] // patch, img[1] // patch)
        n = self.grid[0] * self.grid[1]
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.5) if cls else None
        self.reg_token = nn.Parameter(torch.randn(1, registers, dim) * 0.5) if registers else None
        self.prefix = int(cls) + registers
        self.pos_embed = nn.Parameter(torch.randn(1, n + (1 if cls else 0), dim) * 0.2)

        def make_attn():
            if attn == 'timm':
                return TimmAttention(dim, heads, softmax_dim)
            if attn == 'hf':
                return HFAttention(dim, heads)
            if attn == 'dynamo':
                return DynamoAttention(dim, heads)
            if attn == 'mha':
                return MHAWrap(dim, heads, batch_first=True)
            if attn == 'beit':
                return BeitAttention(dim, heads, self.grid)
            raise ValueError(attn)

        self.blocks = nn.ModuleList([Block(dim, make_attn(), dim * 2, eps, ls) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        B = x.shape[0]
        if self.cls_token is not None:
            x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.pos_embed
        if self.reg_token is not None:
            x = torch.cat((x[:, :1], self.reg_token.expand(B, -1, -1), x[:, 1:]), dim=1)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        pooled = x[:, 0] if self.cls_token is not None else x.mean(dim=1)
        return self.head(pooled)


class ClipVisual(nn.Module):
    """OpenAI CLIP's VisionTransformer: class embedding, ln_pre, sequence-first [T,B,D] blocks."""

    def __init__(self, img=32, patch=8, width=32, layers=2, heads=4):
        super().__init__()
        self.grid = (img // patch, img // patch)
        self.prefix = 1
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(self.grid[0] * self.grid[1] + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([
            Block(width, MHAWrap(width, heads, batch_first=False), width * 4, eps=1e-5, act=QuickGELU(), seq_first=True)
            for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, 16))

    def forward(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1)
        x = x + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x)
        x = x.permute(1, 0, 2)  # NLD -> LND
        for blk in self.blocks:
            x = blk(x)
        x = x.permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.c2(F.relu(self.c1(x))))
        return self.fc(x.mean(dim=(2, 3)))


# ---------------------------------------------------------------- export

def save_npy(path, arr):
    np.save(path, np.ascontiguousarray(arr.astype(np.float32)))


def export(name, model, img, batch=2, dynamic=True, opset=17, train_mode=False, taps=True, blocks=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    torch.manual_seed(1234)
    x = torch.randn(batch, 3, img[0], img[1])
    model.eval()
    kwargs = {}
    if train_mode:
        # nn.MultiheadAttention(batch_first=True) takes a fused native kernel in eval mode that the
        # TorchScript exporter cannot export; training mode (no dropout anywhere) keeps the eager math.
        model.train()
        kwargs['training'] = torch.onnx.TrainingMode.TRAINING
        kwargs['do_constant_folding'] = False
    with torch.no_grad():
        torch.onnx.export(
            model, (x,), os.path.join(d, 'model.onnx'), opset_version=opset,
            input_names=['pixels'], output_names=['logits'],
            dynamic_axes={'pixels': {0: 'batch'}, 'logits': {0: 'batch'}} if dynamic else None,
            **kwargs)
    if not taps:
        return
    model.eval()
    blocks = blocks if blocks is not None else model.blocks
    REC['on'] = True
    with torch.no_grad():
        model(x)
    REC['on'] = False
    save_npy(os.path.join(d, 'input.npy'), x.numpy())
    for l, blk in enumerate(blocks, start=1):
        for tap in TAPS:
            src = blk.attn.taps if tap == 'attention' else blk.taps
            save_npy(os.path.join(d, f'{tap}-{l}.npy'), src[tap].numpy())
    a = blocks[0].attn.taps['attention']
    b = blocks[0].taps['block']
    expected = {
        'layers': len(blocks), 'heads': int(a.shape[1]), 'dim': int(b.shape[2]), 'tokens': int(b.shape[1]),
        'prefixTokens': model.prefix, 'grid': list(model.grid), 'patch': img[0] // model.grid[0],
        'imageSize': list(img), 'batch': None if dynamic else batch,
    }
    with open(os.path.join(d, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=2)


def fused_graph():
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    d = os.path.join(OUT, 'fused')
    os.makedirs(d, exist_ok=True)
    D, T = 32, 17
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(np.ones(D, np.float32), 'ln.weight'),
        numpy_helper.from_array(np.zeros(D, np.float32), 'ln.bias'),
        numpy_helper.from_array(rng.standard_normal((D, 3 * D)).astype(np.float32) * 0.1, 'attn.qkv_weight'),
        numpy_helper.from_array(np.zeros(3 * D, np.float32), 'attn.qkv_bias'),
    ]
    nodes = [
        helper.make_node('LayerNormalization', ['tokens', 'ln.weight', 'ln.bias'], ['ln_out'], axis=-1, epsilon=1e-6, name='norm1'),
        helper.make_node('Attention', ['ln_out', 'attn.qkv_weight', 'attn.qkv_bias'], ['attn_out'],
                         domain='com.microsoft', num_heads=2, name='blocks.0.attn/Attention'),
        helper.make_node('Add', ['tokens', 'attn_out'], ['out']),
    ]
    graph = helper.make_graph(nodes, 'fused', [helper.make_tensor_value_info('tokens', TensorProto.FLOAT, ['batch', T, D])],
                              [helper.make_tensor_value_info('out', TensorProto.FLOAT, ['batch', T, D])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17), helper.make_opsetid('com.microsoft', 1)])
    m.ir_version = 8
    onnx.save(m, os.path.join(d, 'model.onnx'))


def images():
    """A few small photos-like images (JPEG and PNG, various sizes) and one corrupt JPEG, for stream/extract tests."""
    from PIL import Image
    d = os.path.join(OUT, 'images')
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    rng = np.random.default_rng(0)
    sizes = [(40, 48), (32, 32), (50, 36), (36, 44), (64, 40)]
    for i, (h, w) in enumerate(sizes):
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx + yy) * 127 // (h + w))], -1)
        img = np.clip(img + rng.integers(0, 40, img.shape), 0, 255).astype(np.uint8)
        ext = 'png' if i % 2 else 'jpg'
        Image.fromarray(img).save(os.path.join(d, f'img{i}.{ext}'))
    with open(os.path.join(d, 'img2b_broken.jpg'), 'wb') as f:
        f.write(bytes([0xFF, 0xD8, 0xFF, 0xE0]) + b'\x00\x10JFIF' + bytes(rng.integers(0, 256, 300, dtype=np.uint8)))


def main():
    images()
    torch.manual_seed(0)
    export('timm', ViT(depth=3, heads=2), (32, 32))
    torch.manual_seed(1)
    export('mha', ViT(heads=4, attn='mha'), (32, 32), train_mode=True)
    torch.manual_seed(2)
    export('hf', ViT(heads=4, attn='hf', eps=1e-12), (32, 32), dynamic=False, opset=14)
    torch.manual_seed(3)
    export('dynamo', ViT(heads=2, attn='dynamo'), (32, 32))
    torch.manual_seed(4)
    clip = ClipVisual()
    export('clip', clip, (32, 32))
    torch.manual_seed(5)
    export('beit', ViT(heads=4, attn='beit', ls=0.5), (32, 32))
    torch.manual_seed(6)
    export('registers', ViT(heads=2, registers=4), (32, 32))
    torch.manual_seed(7)
    export('gap', ViT(heads=2, cls=False), (32, 32))
    torch.manual_seed(8)
    export('nonsquare', ViT(img=(24, 32), heads=2), (24, 32), dynamic=False)
    torch.manual_seed(9)
    export('softmax_queries', ViT(heads=2, softmax_dim=-2), (32, 32), taps=False)
    torch.manual_seed(10)
    export('cnn', TinyCNN(), (32, 32), taps=False)
    fused_graph()
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f'wrote {OUT} ({total / 1024:.0f} KiB)')


if __name__ == '__main__':
    sys.exit(main())
