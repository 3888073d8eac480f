#!/usr/bin/python3
"""bench/extract helper (Debian torch 1.13): a ViT-B/16-shaped model with seeded random weights.

  vit_b16.py export <out.onnx>                 export to ONNX (opset 17, dynamic batch)
  vit_b16.py serve <batch>                     PyTorch eager + forward hooks collecting the 12 attention
                                               and 12 block tensors; each "run" line on stdin runs one batch
                                               and prints its seconds (so run.mjs can interleave it with
                                               the onnxruntime runs: the same machine load for all three)

The architecture is timm's VisionTransformer (one qkv Linear, attention probabilities through an
attn_drop module, which is where a forward hook sees them, as with timm models).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

D, DEPTH, HEADS, PATCH, IMG = 768, 12, 12, 16, 224


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.h, self.hd = HEADS, D // HEADS
        self.scale = self.hd ** -0.5
        self.qkv = nn.Linear(D, 3 * D)
        self.attn_drop = nn.Dropout(0.0)
        self.proj = nn.Linear(D, D)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.h, self.hd).permute(2, 0, 3, 1, 4).unbind(0)
        attn = self.attn_drop(((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1))
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D, eps=1e-6)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, D, PATCH, PATCH)
        self.cls_token = nn.Parameter(torch.randn(1, 1, D) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, (IMG // PATCH) ** 2 + 1, D) * 0.02)
        self.blocks = nn.Sequential(*[Block() for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, 1000)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch uses whatever libblas.so.3 resolves to)."""
    with open('/proc/self/maps') as f:
        libs = sorted({line.split()[-1] for line in f if 'blas' in line and '.so' in line})
    return ', '.join(libs) or 'none found'


def main():
    torch.manual_seed(0)
    model = ViT().eval()
    if sys.argv[1] == 'export':
        with torch.no_grad():
            torch.onnx.export(model, (torch.randn(1, 3, IMG, IMG),), sys.argv[2], opset_version=17,
                              input_names=['pixels'], output_names=['logits'],
                              dynamic_axes={'pixels': {0: 'batch'}, 'logits': {0: 'batch'}})
        return
    batch = int(sys.argv[2])
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))
    # The peer's best setting: the Linear and Conv layers on oneDNN (MKLDNN) kernels instead of
    # Debian torch's generic BLAS calls — measured here at about half the CPU time per batch of the
    # OpenBLAS path. Their inputs and outputs stay dense tensors, so the hooks see the same tensors.
    # BENCH_TORCH_MKLDNN=0 keeps plain eager.
    mkldnn = os.environ.get('BENCH_TORCH_MKLDNN', '1') != '0' and torch.backends.mkldnn.is_available()
    if mkldnn:
        from torch.utils import mkldnn as mkldnn_utils
        model = mkldnn_utils.to_mkldnn(model)
    collected = []
    for blk in model.blocks:
        blk.attn.attn_drop.register_forward_hook(lambda m, i, o: collected.append(o))
        blk.register_forward_hook(lambda m, i, o: collected.append(o))
    x = torch.randn(batch, 3, IMG, IMG)
    print(json.dumps({'ready': True, 'threads': torch.get_num_threads(), 'omp': os.environ.get('OMP_WAIT_POLICY'),
                      'blas': blas_library(), 'mkldnn': mkldnn, 'torch': torch.__version__}), flush=True)
    with torch.no_grad():
        for line in sys.stdin:
            if line.strip() != 'run':
                break
            t0 = time.perf_counter()
            c0 = time.process_time()
            collected.clear()
            model(x)
            assert len(collected) == 24
            # the consumer: the same light read the TypeScript side does on every tap
            s = sum(float(t.reshape(-1)[0]) for t in collected)
            print(json.dumps({'seconds': time.perf_counter() - t0, 'cpuSeconds': time.process_time() - c0, 'checksum': s}), flush=True)


if __name__ == '__main__':
    main()
