#!/usr/bin/python3
"""Maintainer script: tiny checkpoints in every naming scheme `loadCheckpoint` of @vit/runtime reads,
saved the way each release saves them, with PyTorch forward references of every block.

Two parts, two interpreters (run both):
    /usr/bin/python3 tools/checkpoint-fixtures/make_fixtures.py releases    # Debian torch 1.13
    PYTHONPATH=tools/checkpoint-fixtures /work/venv/bin/python tools/checkpoint-fixtures/make_fixtures.py hub   # torch 2.x + transformers 5 + timm

`releases` re-implements the official releases' modules in PyTorch following their public code
(DINO's vision_transformer.py, MoCo v3's vits.py, MAE's models_mae.py, BEiT's modeling_pretrain.py,
OpenAI CLIP's model.py, DINOv2's dinov2/models/vision_transformer.py) with their parameter names,
and saves them as the releases do (`torch.save` of the same nesting; OpenAI's TorchScript archive;
OpenCLIP's .bin + open_clip_config.json). `hub` builds transformers models (save_pretrained folders)
and a timm model with its hub config.json, and takes the references from those libraries.

Writes packages/runtime/fixtures/checkpoints/<case>/:
    the checkpoint (file or folder), case.json (how the test loads it and what it expects),
    input.npy [2,3,32,32], attention.<l>.npy [B,H,T,T] and block.<l>.npy [B,T,D] for every block l
    (1-based), and <final>.npy (features [B,D] or logits [B,K]).
References run in float64 on the stored (rounded) weights; the TS builder runs in float32.
Also writes packages/io/fixtures/torch/: hostile checkpoints for the reader's tests.
"""
import argparse
import io
import json
import math
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'runtime', 'fixtures', 'checkpoints')
IO_OUT = os.path.join(ROOT, 'packages', 'io', 'fixtures', 'torch')
D, DEPTH, HEADS, IMG, PATCH = 32, 2, 2, 32, 8
GRID = IMG // PATCH


def case_dir(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    return d


def write_npy(path, a):
    np.save(path, np.ascontiguousarray(a.detach().cpu().numpy().astype(np.float32)) if torch.is_tensor(a) else a.astype(np.float32))


def the_input():
    g = torch.Generator().manual_seed(0)
    return torch.randn(2, 3, IMG, IMG, generator=g)


def write_case(name, spec, x, attentions, blocks, final_name, final):
    d = case_dir(name)
    write_npy(os.path.join(d, 'input.npy'), x)
    for i, (a, b) in enumerate(zip(attentions, blocks)):
        write_npy(os.path.join(d, f'attention.{i + 1}.npy'), a)
        write_npy(os.path.join(d, f'block.{i + 1}.npy'), b)
    if final is not None:
        write_npy(os.path.join(d, f'{final_name}.npy'), final)
    spec = dict(spec, depth=len(blocks), final=final_name if final is not None else None)
    with open(os.path.join(d, 'case.json'), 'w') as f:
        json.dump(spec, f, indent=2)
        f.write('\n')
    print('wrote', name, spec.get('path'))


def randomize(module, seed, scale=0.2):
    """Random values everywhere (LayerNorm weights around 1), so every parameter matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in module.named_parameters():
            if p.dtype.is_floating_point:
                r = torch.randn(p.shape, generator=g) * scale
                if n.endswith('norm1.weight') or n.endswith('norm2.weight') or 'ln_' in n or n.endswith('norm.weight') or 'layernorm' in n or 'layer_norm' in n or n.endswith('pre_layrnorm.weight'):
                    r = 1 + r
                p.copy_(r)


def round_to(module, dtype):
    """Round the parameters to the storage dtype (the references run on what the file holds)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.to(dtype).to(p.dtype))


# ----------------------------------------------------------------------------------------------
# releases: faithful re-implementations (parameter names and order of operations of each release)
# ----------------------------------------------------------------------------------------------

class PatchEmbed(nn.Module):
    def __init__(self, bias=True):
        super().__init__()
        self.proj = nn.Conv2d(3, D, PATCH, PATCH, bias=bias)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, hidden=2 * D):
        super().__init__()
        self.fc1 = nn.Linear(D, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, D)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    """DINO / MoCo v3 (timm) / MAE (timm) / DINOv2 attention: fused qkv with bias."""

    def __init__(self):
        super().__init__()
        self.num_heads = HEADS
        self.scale = (D // HEADS) ** -0.5
        self.qkv = nn.Linear(D, 3 * D, bias=True)
        self.proj = nn.Linear(D, D)

    def forward(self, x, taps):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        taps.append(attn)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class LayerScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(D))

    def forward(self, x):
        return x * self.gamma


class Block(nn.Module):
    def __init__(self, layer_scale=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(D, eps=1e-6)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.mlp = Mlp()
        if layer_scale:
            self.ls1 = LayerScale()
            self.ls2 = LayerScale()
        self.layer_scale = layer_scale

    def forward(self, x, taps):
        a = self.attn(self.norm1(x), taps)
        x = x + (self.ls1(a) if self.layer_scale else a)
        m = self.mlp(self.norm2(x))
        return x + (self.ls2(m) if self.layer_scale else m)


class ViT(nn.Module):
    """DINO's VisionTransformer (also the layout of MoCo v3's and MAE's encoders, which are timm's)."""

    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.zeros(1, GRID * GRID + 1, D))
        self.blocks = nn.ModuleList([Block() for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(D, eps=1e-6)

    def forward_taps(self, x):
        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        att, blocks = [], []
        for b in self.blocks:
            x = b(x, att)
            blocks.append(x)
        return att, blocks, self.norm(x)[:, 0]


class DINOHead(nn.Module):
    def __init__(self, out_dim=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(D, 24), nn.GELU(), nn.Linear(24, 24), nn.GELU(), nn.Linear(24, 8))
        self.last_layer = nn.utils.weight_norm(nn.Linear(8, out_dim, bias=False))


class MultiCropWrapper(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head


def references(model, x):
    model = model.double().eval()
    with torch.no_grad():
        return model.forward_taps(x.double())


def ddp_keys(sd):
    return {f'module.{k}': v for k, v in sd.items()}


def dino(x):
    teacher = MultiCropWrapper(ViT(), DINOHead())
    student = MultiCropWrapper(ViT(), DINOHead())
    randomize(teacher, 1)
    randomize(student, 2)
    args = argparse.Namespace(arch='vit_small', patch_size=PATCH, out_dim=16, norm_last_layer=True, momentum_teacher=0.996,
                              teacher_temp=0.04, lr=0.0005, batch_size_per_gpu=64, epochs=100, global_crops_scale=(0.4, 1.0),
                              output_dir='.', seed=0, dist_url='env://', use_fp16=True)
    opt = torch.optim.AdamW(student.parameters(), lr=1e-3)
    for p in student.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    save = {'student': ddp_keys(student.state_dict()), 'teacher': teacher.state_dict(), 'optimizer': opt.state_dict(),
            'epoch': 100, 'args': args, 'dino_loss': {'center': torch.zeros(1, 16)}}
    d = case_dir('dino')
    torch.save(save, os.path.join(d, 'checkpoint.pth'))
    att, blocks, feats = references(teacher.backbone, x)
    write_case('dino', {'path': 'checkpoint.pth', 'options': {'config': {'heads': HEADS}}, 'family': 'dino', 'preset': 'dino',
                        'ignoredIncludes': ['head.last_layer.weight_v', 'student', 'optimizer']}, x, att, blocks, 'features', feats)
    att, blocks, feats = references(student.backbone, x)
    write_case('dino-student', {'path': '../dino/checkpoint.pth', 'options': {'checkpointKey': 'student', 'config': {'heads': HEADS}}, 'family': 'dino',
                                'preset': 'dino'}, x, att, blocks, 'features', feats)
    # the bare backbone release (dino_deitsmall16_pretrain.pth), stored in float16
    bare = ViT()
    randomize(bare, 3)
    round_to(bare, torch.float16)
    d = case_dir('dino-bare-f16')
    torch.save({k: v.half() for k, v in bare.state_dict().items()}, os.path.join(d, 'dino_deitsmall8_pretrain.pth'))
    att, blocks, feats = references(bare, x)
    write_case('dino-bare-f16', {'path': 'dino_deitsmall8_pretrain.pth', 'options': {'config': {'heads': HEADS}}, 'family': 'dino', 'preset': 'dino'},
               x, att, blocks, 'features', feats)


def build_mlp(num_layers, input_dim, mlp_dim, output_dim):
    layers = []
    for l in range(num_layers):
        dim1 = input_dim if l == 0 else mlp_dim
        dim2 = output_dim if l == num_layers - 1 else mlp_dim
        layers.append(nn.Linear(dim1, dim2, bias=False))
        if l < num_layers - 1:
            layers.append(nn.BatchNorm1d(dim2))
            layers.append(nn.ReLU(inplace=True))
        else:
            layers.append(nn.BatchNorm1d(dim2, affine=False))
    return nn.Sequential(*layers)


def sincos_2d(grid, dim, cls=True):
    """MoCo v3 / MAE fixed 2-D sin-cos position embedding (values do not matter to the test, only that they are stored)."""
    gh = torch.arange(grid, dtype=torch.float64)
    gw, gh = torch.meshgrid(gh, gh, indexing='xy')
    pos_dim = dim // 4
    omega = 1.0 / (10000 ** (torch.arange(pos_dim, dtype=torch.float64) / pos_dim))
    ow = gw.flatten()[:, None] * omega[None]
    oh = gh.flatten()[:, None] * omega[None]
    pe = torch.cat([torch.sin(ow), torch.cos(ow), torch.sin(oh), torch.cos(oh)], dim=1)[None].float()
    return torch.cat([torch.zeros(1, 1, dim), pe], dim=1) if cls else pe


class MoCo(nn.Module):
    def __init__(self):
        super().__init__()
        self.base_encoder = ViT()
        self.momentum_encoder = ViT()
        self.base_encoder.head = build_mlp(3, D, 24, 8)
        self.momentum_encoder.head = build_mlp(3, D, 24, 8)
        self.predictor = build_mlp(2, 8, 24, 8)


def mocov3(x):
    m = MoCo()
    randomize(m, 4)
    with torch.no_grad():
        m.base_encoder.pos_embed.copy_(sincos_2d(GRID, D))
        m.base_encoder.head[1].running_mean.uniform_()
    save = {'epoch': 300, 'arch': 'vit_small', 'state_dict': ddp_keys(m.state_dict()),
            'optimizer': {'state': {}, 'param_groups': [{'lr': 1.5e-4, 'weight_decay': 0.1, 'params': [0, 1]}]},
            'scaler': {'scale': 65536.0, 'growth_factor': 2.0, 'backoff_factor': 0.5, 'growth_interval': 2000, '_growth_tracker': 0}}
    d = case_dir('mocov3')
    torch.save(save, os.path.join(d, 'vit-s-300ep.pth.tar'))
    att, blocks, feats = references(m.base_encoder, x)
    # arch 'vit_small' would mean 12 heads (MoCo v3's ViT-S); the tiny model has 2: given as an override
    write_case('mocov3', {'path': 'vit-s-300ep.pth.tar', 'options': {'config': {'heads': HEADS}}, 'family': 'mocov3', 'preset': 'mocov3',
                          'ignoredIncludes': ['module.momentum_encoder.blocks.0.attn.qkv.weight', 'module.predictor.0.weight', 'module.base_encoder.head.1.running_mean']},
               x, att, blocks, 'features', feats)


class MAE(ViT):
    def __init__(self):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.zeros(1, GRID * GRID + 1, D), requires_grad=False)
        self.decoder_embed = nn.Linear(D, 16)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 16))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, GRID * GRID + 1, 16), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([nn.Linear(16, 16)])
        self.decoder_norm = nn.LayerNorm(16)
        self.decoder_pred = nn.Linear(16, PATCH * PATCH * 3)


def mae(x):
    m = MAE()
    randomize(m, 5)
    with torch.no_grad():
        m.pos_embed.copy_(sincos_2d(GRID, D))
    sd = m.state_dict()
    # non-contiguous views, as tensors that share a storage: qkv.weight stored transposed (stride (1, 3D)),
    # pos_embed at an offset into a larger storage
    w = sd['blocks.0.attn.qkv.weight']
    sd['blocks.0.attn.qkv.weight'] = w.t().contiguous().t()
    big = torch.zeros(3, GRID * GRID + 1, D)
    big[1] = sd['pos_embed'][0]
    sd['pos_embed'] = big[1:2]
    assert not sd['blocks.0.attn.qkv.weight'].is_contiguous() and sd['pos_embed'].storage_offset() > 0
    args = argparse.Namespace(model='mae_vit_base_patch16', input_size=IMG, mask_ratio=0.75, norm_pix_loss=True, batch_size=64,
                              blr=1.5e-4, weight_decay=0.05, data_path='/datasets01/imagenet_full_size/061417/', output_dir='./output_dir')
    save = {'model': sd, 'optimizer': {'state': {}, 'param_groups': []}, 'epoch': 799, 'scaler': {'scale': 1024.0}, 'args': args}
    d = case_dir('mae-views')
    torch.save(save, os.path.join(d, 'checkpoint-799.pth'))
    att, blocks, feats = references(m, x)
    write_case('mae-views', {'path': 'checkpoint-799.pth', 'options': {'config': {'heads': HEADS}}, 'family': 'mae', 'preset': 'mae',
                             'ignoredIncludes': ['mask_token', 'decoder_embed.weight', 'decoder_pred.bias', 'optimizer', 'args']},
               x, att, blocks, 'features', feats)
    return save


def gen_relative_position_index(window):
    """BEiT's RelativePositionBias index (window plus CLS), as modeling_pretrain.py builds it."""
    num_relative_distance = (2 * window[0] - 1) * (2 * window[1] - 1) + 3
    coords = torch.stack(torch.meshgrid([torch.arange(window[0]), torch.arange(window[1])], indexing='ij'))
    flat = torch.flatten(coords, 1)
    rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
    rel[:, :, 0] += window[0] - 1
    rel[:, :, 1] += window[1] - 1
    rel[:, :, 0] *= 2 * window[1] - 1
    index = torch.zeros(size=(window[0] * window[1] + 1,) * 2, dtype=rel.dtype)
    index[1:, 1:] = rel.sum(-1)
    index[0, 0:] = num_relative_distance - 3
    index[0:, 0] = num_relative_distance - 2
    index[0, 0] = num_relative_distance - 1
    return index, num_relative_distance


class RelativePositionBias(nn.Module):
    def __init__(self):
        super().__init__()
        index, n = gen_relative_position_index((GRID, GRID))
        self.relative_position_bias_table = nn.Parameter(torch.zeros(n, HEADS))
        self.register_buffer('relative_position_index', index)

    def forward(self):
        T = GRID * GRID + 1
        b = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(T, T, -1)
        return b.permute(2, 0, 1).contiguous()


class BeitAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.num_heads = HEADS
        self.scale = (D // HEADS) ** -0.5
        self.qkv = nn.Linear(D, 3 * D, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(D))
        self.v_bias = nn.Parameter(torch.zeros(D))
        self.proj = nn.Linear(D, D)

    def forward(self, x, rel_pos_bias, taps):
        B, N, C = x.shape
        qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias, requires_grad=False), self.v_bias))
        qkv = F.linear(input=x, weight=self.qkv.weight, bias=qkv_bias)
        qkv = qkv.reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        attn = attn + rel_pos_bias.unsqueeze(0)
        attn = attn.softmax(dim=-1)
        taps.append(attn)
        x = (attn @ v).transpose(1, 2).reshape(B, N, -1)
        return self.proj(x)


class BeitBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D, eps=1e-6)
        self.attn = BeitAttention()
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.mlp = Mlp()
        self.gamma_1 = nn.Parameter(0.1 * torch.ones(D))
        self.gamma_2 = nn.Parameter(0.1 * torch.ones(D))

    def forward(self, x, rel_pos_bias, taps):
        x = x + self.gamma_1 * self.attn(self.norm1(x), rel_pos_bias, taps)
        return x + self.gamma_2 * self.mlp(self.norm2(x))


class BeitPretrain(nn.Module):
    """BEiT's VisionTransformerForMaskedImageModeling with use_shared_rel_pos_bias, no absolute position embedding."""

    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, D))
        self.rel_pos_bias = RelativePositionBias()
        self.blocks = nn.ModuleList([BeitBlock() for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.lm_head = nn.Linear(D, 64)

    def forward_taps(self, x):
        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        rel = self.rel_pos_bias()
        att, blocks = [], []
        for b in self.blocks:
            x = b(x, rel, att)
            blocks.append(x)
        return att, blocks, self.norm(x)[:, 0]


def beit(x):
    m = BeitPretrain()
    randomize(m, 6)
    args = argparse.Namespace(model='beit_base_patch16_224_8k_vocab', input_size=IMG, second_input_size=16, layer_scale_init_value=0.1,
                              rel_pos_bias=False, shared_rel_pos_bias=True, abs_pos_emb=False, num_mask_patches=75)
    save = {'model': m.state_dict(), 'optimizer': {'state': {}, 'param_groups': []}, 'epoch': 799, 'scaler': {'scale': 256.0}, 'args': args}
    d = case_dir('beit')
    torch.save(save, os.path.join(d, 'beit_base_patch16_224_pt22k.pth'))
    att, blocks, feats = references(m, x)
    write_case('beit', {'path': 'beit_base_patch16_224_pt22k.pth', 'options': {}, 'family': 'beit', 'preset': 'beit',
                        'ignoredIncludes': ['lm_head.weight', 'mask_token']}, x, att, blocks, 'features', feats)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model, n_head, attn_mask=None, act=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_head)
        self.ln_1 = nn.LayerNorm(d_model)
        from collections import OrderedDict
        self.mlp = nn.Sequential(OrderedDict([('c_fc', nn.Linear(d_model, d_model * 4)), ('gelu', act or QuickGELU()), ('c_proj', nn.Linear(d_model * 4, d_model))]))
        self.ln_2 = nn.LayerNorm(d_model)
        self.attn_mask = attn_mask

    def forward(self, x):
        x = x + self.attn(self.ln_1(x), self.ln_1(x), self.ln_1(x), need_weights=False, attn_mask=self.attn_mask)[0]
        return x + self.mlp(self.ln_2(x))

    def forward_taps(self, x, taps):
        h = self.ln_1(x)
        o, w = self.attn(h, h, h, need_weights=True, attn_mask=self.attn_mask, average_attn_weights=False)
        taps.append(w)
        x = x + o
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None, act=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask, act) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    """OpenAI CLIP's image tower (model.py)."""

    def __init__(self, output_dim=24, act=None):
        super().__init__()
        self.input_resolution = IMG
        self.output_dim = output_dim
        self.conv1 = nn.Conv2d(3, D, PATCH, PATCH, bias=False)
        scale = D ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(D))
        self.positional_embedding = nn.Parameter(scale * torch.randn(GRID * GRID + 1, D))
        self.ln_pre = nn.LayerNorm(D)
        self.transformer = Transformer(D, DEPTH, HEADS, act=act)
        self.ln_post = nn.LayerNorm(D)
        self.proj = nn.Parameter(scale * torch.randn(D, output_dim))

    def embed(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        x = torch.cat([self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype, device=x.device), x], dim=1)
        x = x + self.positional_embedding.to(x.dtype)
        return self.ln_pre(x)

    def forward(self, x):
        x = self.embed(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj

    def forward_taps(self, x):
        x = self.embed(x).permute(1, 0, 2)  # NLD -> LND
        att, blocks = [], []
        for b in self.transformer.resblocks:
            x = b.forward_taps(x, att)
            blocks.append(x.permute(1, 0, 2))
        x = x.permute(1, 0, 2)
        return att, blocks, self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self, act=None):
        super().__init__()
        self.visual = VisionTransformer(act=act)
        self.context_length = 8
        mask = torch.empty(8, 8).fill_(float('-inf')).triu_(1)
        self.transformer = Transformer(16, 1, 2, attn_mask=mask, act=act)
        self.token_embedding = nn.Embedding(50, 16)
        self.positional_embedding = nn.Parameter(torch.empty(8, 16))
        self.ln_final = nn.LayerNorm(16)
        self.text_projection = nn.Parameter(torch.empty(16, 24))
        self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

    def forward(self, image):
        return self.visual(image)


def clip(x):
    m = CLIP()
    randomize(m, 7)
    m.eval()
    scripted = torch.jit.script(m)
    d = case_dir('clip-openai-jit')
    scripted.save(os.path.join(d, 'ViT-T-8.pt'))
    att, blocks, emb = references(m.visual, x)
    write_case('clip-openai-jit', {'path': 'ViT-T-8.pt', 'options': {'config': {'heads': HEADS}}, 'family': 'clip', 'preset': 'clip',
                                   'ignoredIncludes': ['token_embedding.weight', 'logit_scale']}, x, att, blocks, 'logits', emb)
    # OpenCLIP: a plain state dict with its config (GELU, not QuickGELU, for its own models)
    m = CLIP(act=nn.GELU())
    randomize(m, 8)
    d = case_dir('openclip')
    torch.save(m.state_dict(), os.path.join(d, 'open_clip_pytorch_model.bin'))
    cfg = {'model_cfg': {'embed_dim': 24, 'quick_gelu': False, 'vision_cfg': {'image_size': IMG, 'layers': DEPTH, 'width': D, 'head_width': D // HEADS, 'patch_size': PATCH},
                         'text_cfg': {'context_length': 8, 'vocab_size': 50, 'width': 16, 'heads': 2, 'layers': 1}},
           'preprocess_cfg': {'mean': [0.48145466, 0.4578275, 0.40821073], 'std': [0.26862954, 0.26130258, 0.27577711], 'interpolation': 'bicubic', 'resize_mode': 'shortest'}}
    with open(os.path.join(d, 'open_clip_config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    att, blocks, emb = references(m.visual, x)
    write_case('openclip', {'path': '.', 'options': {}, 'family': 'clip', 'preset': 'config', 'ignoredIncludes': ['transformer.resblocks.0.attn.in_proj_weight']},
               x, att, blocks, 'logits', emb)


class DinoV2(nn.Module):
    """DINOv2's DinoVisionTransformer (block_chunks=0, num_register_tokens=2, LayerScale, MLP FFN)."""

    def __init__(self, registers=2):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.zeros(1, GRID * GRID + 1, D))
        self.register_tokens = nn.Parameter(torch.zeros(1, registers, D))
        self.mask_token = nn.Parameter(torch.zeros(1, D))
        self.blocks = nn.ModuleList([Block(layer_scale=True) for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(D, eps=1e-6)

    def forward_taps(self, x):
        B = x.shape[0]
        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.pos_embed  # interpolate_pos_encoding returns pos_embed unchanged at the stored grid
        x = torch.cat((x[:, :1], self.register_tokens.expand(B, -1, -1), x[:, 1:]), dim=1)
        att, blocks = [], []
        for b in self.blocks:
            x = b(x, att)
            blocks.append(x)
        return att, blocks, self.norm(x)[:, 0]


def dinov2(x):
    m = DinoV2()
    randomize(m, 9)
    round_to(m, torch.bfloat16)
    d = case_dir('dinov2-reg-bf16')
    torch.save({k: v.bfloat16() for k, v in m.state_dict().items()}, os.path.join(d, 'dinov2_vits8_reg2_pretrain.pth'))
    att, blocks, feats = references(m, x)
    write_case('dinov2-reg-bf16', {'path': 'dinov2_vits8_reg2_pretrain.pth', 'options': {'config': {'heads': HEADS}}, 'family': 'dinov2', 'preset': 'dinov2',
                                   'ignoredIncludes': ['mask_token']}, x, att, blocks, 'features', feats)


def big_endian_copy(src, dst):
    """The MAE checkpoint rewritten as a big-endian machine would save it: storages byte-swapped, byteorder 'big'."""
    zin = zipfile.ZipFile(src)
    pkl = [n for n in zin.namelist() if n.endswith('/data.pkl')][0]
    prefix = pkl[:-len('data.pkl')]
    item = {'FloatStorage': 4, 'LongStorage': 8, 'HalfStorage': 2, 'BFloat16Storage': 2, 'DoubleStorage': 8}
    sizes = {}

    class Lister(pickle.Unpickler):
        """Lists (storage type, key) of the persistent ids; builds nothing (every global is a no-op stub)."""

        def find_class(self, module, name):
            if module == 'torch' and name.endswith('Storage'):
                return type(name, (), {})
            if (module, name) in (('argparse', 'Namespace'), ('collections', 'OrderedDict')):
                return super().find_class(module, name)
            return type(name, (), {'__init__': lambda self, *a, **k: None, '__setstate__': lambda self, s: None})

        def persistent_load(self, pid):
            sizes[pid[2]] = item[pid[1].__name__]
            return None

    Lister(io.BytesIO(zin.read(pkl))).load()
    with zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            key = n[len(prefix + 'data/'):] if n.startswith(prefix + 'data/') else None
            if key is not None and key in sizes:
                a = np.frombuffer(data, dtype=np.uint8).reshape(-1, sizes[key])[:, ::-1]
                data = a.tobytes()
            zout.writestr(n, data)
        zout.writestr(prefix + 'byteorder', 'big')


def hostile():
    os.makedirs(IO_OUT, exist_ok=True)

    def archive(path, pkl, storages=None):
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
            z.writestr('archive/data.pkl', pkl)
            z.writestr('archive/version', '3\n')
            for k, v in (storages or {}).items():
                z.writestr(f'archive/data/{k}', v)

    class System:
        def __reduce__(self):
            return (os.system, ('echo pwned > /tmp/vit-pwned',))

    archive(os.path.join(IO_OUT, 'system.pth'), pickle.dumps({'w': System()}, protocol=2))

    class Nested:
        def __reduce__(self):
            return (pickle.loads, (pickle.dumps(System(), protocol=2),))

    archive(os.path.join(IO_OUT, 'nested_pickle.pth'), pickle.dumps({'model': Nested()}, protocol=2))
    # a storage that claims 1000 floats where the archive holds 16 bytes
    buf = io.BytesIO()
    torch.save({'w': torch.arange(4, dtype=torch.float32)}, buf)
    z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    pkl = z.read([n for n in z.namelist() if n.endswith('data.pkl')][0])
    archive(os.path.join(IO_OUT, 'storage_past_end.pth'), pkl.replace(b'K\x04t', b'M\xe8\x03t', 1), {'0': np.arange(4, dtype='<f4').tobytes()})
    # a view whose strides reach past its storage
    t = torch.arange(4, dtype=torch.float32)
    buf = io.BytesIO()
    torch.save({'w': t.as_strided((2, 2), (2, 1), 0)}, buf)
    z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    pkl = z.read([n for n in z.namelist() if n.endswith('data.pkl')][0])
    archive(os.path.join(IO_OUT, 'view_past_end.pth'), pkl.replace(b'K\x02K\x01\x86', b'K\x03K\x01\x86', 1), {'0': np.arange(4, dtype='<f4').tobytes()})
    # the legacy (pre-1.6) format
    with open(os.path.join(IO_OUT, 'legacy.pth'), 'wb') as f:
        torch.save({'w': torch.ones(2)}, f, _use_new_zipfile_serialization=False)
    # a valid small checkpoint of every storage type and a view, for the reader's tests and fuzzing
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 4, generator=g)
    ok = {'f32': base, 'f16': base.half(), 'bf16': base.bfloat16(), 'f64': base.double(), 'i64': torch.arange(6).reshape(2, 3),
          'view': base.t()[1:, :2], 'scalar': torch.tensor(2.5), 'empty': torch.zeros(0, 3), 'size': base.shape, 'ns': argparse.Namespace(a=1, b='x')}
    torch.save(ok, os.path.join(IO_OUT, 'all_dtypes.pth'))
    ref = {k: (v.double().contiguous().flatten().tolist(), list(v.shape)) for k, v in ok.items() if torch.is_tensor(v)}
    with open(os.path.join(IO_OUT, 'all_dtypes.json'), 'w') as f:
        json.dump(ref, f)
    plain = {'ints': [1, -2, 2 ** 70], 'floats': (0.5, float('inf')), 'text': 'ü', 'bytes': b'\x00\xff', 'none': None, 'nested': {'a': [True, False]}}
    for proto in (2, 4):
        with open(os.path.join(IO_OUT, f'plain_p{proto}.pkl'), 'wb') as f:
            pickle.dump(plain, f, protocol=proto)
    print('wrote hostile and reader fixtures')


def releases():
    x = the_input()
    dino(x)
    mocov3(x)
    mae(x)
    # the same MAE checkpoint with its byte order flag set to big (storages swapped)
    src = os.path.join(OUT, 'mae-views', 'checkpoint-799.pth')
    d = case_dir('mae-big-endian')
    big_endian_copy(src, os.path.join(d, 'checkpoint-799.pth'))
    for f in os.listdir(os.path.join(OUT, 'mae-views')):
        if f.endswith('.npy'):
            with open(os.path.join(OUT, 'mae-views', f), 'rb') as a, open(os.path.join(d, f), 'wb') as b:
                b.write(a.read())
    spec = json.load(open(os.path.join(OUT, 'mae-views', 'case.json')))
    json.dump(spec, open(os.path.join(d, 'case.json'), 'w'), indent=2)
    beit(x)
    clip(x)
    dinov2(x)
    hostile()


# ----------------------------------------------------------------------------------------------
# hub: transformers folders and timm, references from the libraries themselves
# ----------------------------------------------------------------------------------------------

def hub():
    os.environ.setdefault('TIMM_FUSED_ATTN', '0')
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tvstub  # noqa: F401  (torchvision of /work/venv does not import)
    import transformers as T
    from safetensors.torch import load_file
    x = the_input()
    common = dict(hidden_size=D, num_hidden_layers=DEPTH, num_attention_heads=HEADS, intermediate_size=2 * D, image_size=IMG, patch_size=PATCH)

    def hf_case(name, model, spec, final_fn=None, bin_file=False, preprocessor=None, call=None):
        model.set_attn_implementation('eager') if hasattr(model, 'set_attn_implementation') else None
        randomize(model, sum(map(ord, name)))
        model.eval()
        d = case_dir(name)
        model.save_pretrained(d)
        if bin_file:  # transformers' older pytorch_model.bin: torch.save of the same (classic-named) state dict
            sd = load_file(os.path.join(d, 'model.safetensors'))
            os.remove(os.path.join(d, 'model.safetensors'))
            torch.save(sd, os.path.join(d, 'pytorch_model.bin'))
        if preprocessor:
            with open(os.path.join(d, 'preprocessor_config.json'), 'w') as f:
                json.dump(preprocessor, f, indent=2)
        m = model.double()
        with torch.no_grad():
            out = (call or (lambda m, x: m(pixel_values=x, output_hidden_states=True, output_attentions=True)))(m, x.double())
        att = list(out.attentions)
        blocks = list(out.hidden_states[1:])
        fin = final_fn(m, out) if final_fn else None
        write_case(name, dict(spec, path='.'), x, att, blocks, spec.get('finalName', 'features'), fin)

    hf_case('hf-vit', T.ViTForImageClassification(T.ViTConfig(**common, num_labels=5)),
            {'options': {}, 'family': 'hf-vit', 'preset': 'config', 'finalName': 'logits', 'ignoredIncludes': []},
            final_fn=lambda m, o: o.logits,
            preprocessor={'do_resize': True, 'size': {'height': IMG, 'width': IMG}, 'resample': 2, 'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5], 'image_processor_type': 'ViTImageProcessor'})
    hf_case('hf-deit-bin', T.DeiTForImageClassificationWithTeacher(T.DeiTConfig(**common, num_labels=5)),
            {'options': {}, 'family': 'hf-deit', 'preset': 'hf-deit', 'ignoredIncludes': ['cls_classifier.weight', 'distillation_classifier.bias']},
            final_fn=lambda m, o: m.deit.layernorm(o.hidden_states[-1])[:, 0], bin_file=True)
    hf_case('hf-dinov2-reg', T.Dinov2WithRegistersModel(T.Dinov2WithRegistersConfig(hidden_size=D, num_hidden_layers=DEPTH, num_attention_heads=HEADS, mlp_ratio=2, image_size=IMG, patch_size=PATCH, num_register_tokens=2)),
            {'options': {}, 'family': 'hf-dinov2', 'preset': 'hf-dinov2', 'ignoredIncludes': ['embeddings.mask_token']},
            final_fn=lambda m, o: o.pooler_output)
    clip_cfg = T.CLIPConfig(vision_config=dict(common, hidden_act='quick_gelu'), text_config=dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32), projection_dim=24)
    hf_case('hf-clip', T.CLIPModel(clip_cfg),
            {'options': {}, 'family': 'hf-clip', 'preset': 'hf-clip', 'finalName': 'logits', 'ignoredIncludes': ['text_projection.weight', 'logit_scale']},
            final_fn=lambda m, o: m.visual_projection(o.pooler_output),
            call=lambda m, x: m.vision_model(pixel_values=x, output_hidden_states=True, output_attentions=True))
    hf_case('hf-beit', T.BeitModel(T.BeitConfig(**common, use_relative_position_bias=True, use_mean_pooling=True, layer_scale_init_value=0.1)),
            {'options': {}, 'family': 'hf-beit', 'preset': 'hf-beit', 'ignoredIncludes': []},
            final_fn=lambda m, o: o.pooler_output)
    n = GRID * GRID
    hf_case('hf-vitmae', T.ViTMAEModel(T.ViTMAEConfig(**common, mask_ratio=0.0)),
            {'options': {}, 'family': 'hf-vitmae', 'preset': 'hf-vitmae', 'ignoredIncludes': []},
            final_fn=lambda m, o: o.last_hidden_state[:, 0],
            call=lambda m, x: m(pixel_values=x, noise=torch.arange(n, dtype=torch.float64).expand(x.shape[0], n), output_hidden_states=True, output_attentions=True))

    # timm: the hub layout (model.safetensors + config.json with pretrained_cfg)
    import timm
    from safetensors.torch import save_file
    m = timm.create_model('vit_small_patch16_224', pretrained=False, img_size=IMG, patch_size=PATCH, embed_dim=D, depth=DEPTH, num_heads=HEADS,
                          mlp_ratio=2.0, num_classes=5, reg_tokens=1, no_embed_class=True, init_values=0.1)
    randomize(m, 10)
    m.eval()
    d = case_dir('timm')
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, os.path.join(d, 'model.safetensors'))
    cfg = {'architecture': 'vit_small_patch16_224', 'num_classes': 5, 'num_features': D, 'global_pool': 'token',
           'model_args': {'img_size': IMG, 'patch_size': PATCH, 'embed_dim': D, 'depth': DEPTH, 'num_heads': HEADS, 'mlp_ratio': 2.0, 'reg_tokens': 1, 'no_embed_class': True, 'init_values': 0.1},
           'pretrained_cfg': {'tag': 'augreg_in21k_ft_in1k', 'input_size': [3, IMG, IMG], 'interpolation': 'bicubic', 'crop_pct': 0.9, 'crop_mode': 'center',
                              'mean': [0.5, 0.5, 0.5], 'std': [0.5, 0.5, 0.5], 'num_classes': 5, 'pool_size': None, 'first_conv': 'patch_embed.proj', 'classifier': 'head'}}
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    m = m.double()
    att, blocks = [], []
    for b in m.blocks:
        b.attn.attn_drop.register_forward_hook(lambda mod, i, o: att.append(o))
        b.register_forward_hook(lambda mod, i, o: blocks.append(o))
    with torch.no_grad():
        logits = m(x.double())
    assert len(att) == DEPTH, 'timm used fused attention; set TIMM_FUSED_ATTN=0'
    write_case('timm', {'path': '.', 'options': {}, 'family': 'timm', 'preset': 'config', 'ignoredIncludes': []}, x, att, blocks, 'logits', logits)


if __name__ == '__main__':
    torch.manual_seed(0)
    part = sys.argv[1] if len(sys.argv) > 1 else 'releases'
    {'releases': releases, 'hub': hub}[part]()
