#!/work/venv/bin/python
"""Maintainer script: exports the zoo from whatever checkpoints tools/zoo/train_zoo.py has written.

    /work/venv/bin/python tools/zoo/export_zoo.py                       # -> /work/zoo-train/export/
    /work/venv/bin/python tools/zoo/export_zoo.py --out examples/zoo    # the shipped zoo (only when final)

For each method with a checkpoint in --dir (<dir>/<method>/final.pt, else the latest last.pt, which the
card then marks "final": false) it writes to --out:
    <method>.onnx         torch.onnx.export (TorchScript exporter), opset 17, float32, eager attention (one
                          Softmax per block), input pixel_values [B,3,64,64], output features [B,96] = the
                          final LayerNorm of the CLS token
    <method>.safetensors  the same backbone in float16 under timm names. The weights are rounded to
                          float16 BEFORE export, so the float32 ONNX model and the float16 safetensors hold
                          the same numbers and buildViT rebuilds the ONNX model to float32 rounding.
    <method>.json         the card: config, training (steps done / planned, images seen, CPU and wall seconds,
                          images/s, loss first / final), k-NN on the benchmark sample (the shipped PNGs) and on
                          a larger held-out set of generated scenes, the attention summary (mean attention
                          distance per layer and per head on the sample, SPEC 4, vs uniform attention on the
                          same grid; the most local head)
Evaluation and export of all seven take a few minutes on 2 cores.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes as S  # noqa: E402
import train_zoo as T  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SAMPLE = os.path.join(ROOT, 'examples', 'zoo', 'bench', 'sample')

DESCRIPTIONS = {
    'fs': 'Supervised: cross-entropy (label smoothing .1) of a linear head on the final-norm CLS token; scenes + horizontal flip.',
    'clip': 'CLIP-like: symmetric contrastive loss between the projected CLS feature and a 2-block text transformer over generated captions (5 templates x colour word of the tint x size {small, large} x class name); same-caption pairs count as positives; learnable temperature.',
    'dino': 'DINO-like: momentum teacher (EMA .99 -> 1), 1024 prototypes via a weight-normalised 3-layer MLP head, teacher centring (momentum .9) and sharpening (T .04, student .1), multi-crop: 2 global 64x64 (scale .4-1) + 2 local 32x32 (scale .1-.4) crops of two views that share the object and differ in background, colour jitter + grayscale, flip.',
    'mocov3': 'MoCo-v3-like: BN-MLP projector (256, 128) and predictor on the query encoder, momentum key encoder (EMA .99 -> 1), symmetric InfoNCE (T .2) over the batch, two RRC(.25-1) views (shared object, different backgrounds) with colour jitter + grayscale and flip.',
    'mae': 'MAE-like: 75% random patch masking, the encoder sees the visible patches + CLS, a 2-block width-64 decoder (discarded) reconstructs per-patch normalised pixels (8x8x3), loss on masked patches; RRC(.5-1) + flip.',
    'beit': 'BEiT-like: ~40% block-wise masking (26 of 64 patches), masked patch embeddings replaced by a learned mask token, a linear head on the final tokens predicts each masked patch\'s word in a 512-word k-means codebook of 8x8x3 pixel patches (the tokenizer); no decoder; RRC(.5-1) + flip.',
    'random': 'Untrained: the same architecture with timm\'s initialisation (truncated normal, std .02), seed 7.',
}


def load_backbone(d, method):
    """(ViT with float16-rounded weights, info, final?) from <d>/<method>/final.pt or last.pt; None if neither."""
    final = os.path.join(d, method, 'final.pt')
    last = os.path.join(d, method, 'last.pt')
    if os.path.exists(final):
        ck = torch.load(final, weights_only=False)
        sd, info, is_final = ck['vit'], ck['info'], True
    elif os.path.exists(last):
        ck = torch.load(last, weights_only=False)
        sd = {k[4:]: v for k, v in ck['net'].items() if k.startswith('vit.')}
        info, is_final = ck['info'], False
    else:
        return None
    vit = T.ViT()
    vit.load_state_dict(sd)
    with torch.no_grad():
        for p in vit.parameters():
            p.copy_(p.half().float())
    vit.eval()
    return vit, info, is_final


def read_sample():
    meta = json.load(open(os.path.join(SAMPLE, 'labels.json')))
    imgs = np.stack([np.asarray(Image.open(os.path.join(SAMPLE, 'images', f)).convert('RGB')) for f in meta['files']])
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(255)
    return meta, x, np.array(meta['labels'])


def held_out():
    """k-NN test set: 2,000 scenes of train items (every 30th, seed 77) vs 2,000 of test items 2000..3999
    (seed 78; the benchmark uses test items 0..1410)."""
    xtr, ytr = S.load_split('train')
    xte, yte = S.load_split('t10k')
    a, _, _ = S.scenes(xtr[::30], torch.Generator().manual_seed(77), xtr)
    b, _, _ = S.scenes(xte[2000:4000], torch.Generator().manual_seed(78), xte)
    return a, ytr[::30], b, yte[2000:4000]


@torch.no_grad()
def block_cls(vit, x01, layer, batch=250):
    return torch.cat([vit.block_cls(T.to_input(x01[s:s + batch]), layer) for s in range(0, len(x01), batch)])


def knn(train_f, train_y, test_f, test_y, k=20, T_=0.07, classes=10):
    """DINO's weighted k-NN (SPEC 14): cosine similarity, top-k votes exp(s/T), ties to the lower index."""
    a = F.normalize(train_f.double(), dim=1)
    b = F.normalize(test_f.double(), dim=1)
    sim = (b @ a.t()).numpy()
    order = np.lexsort((np.broadcast_to(np.arange(sim.shape[1]), sim.shape), -sim), axis=1)[:, :k]
    top = np.take_along_axis(sim, order, 1)
    votes = np.zeros((sim.shape[0], classes))
    np.add.at(votes, (np.arange(sim.shape[0])[:, None], np.asarray(train_y)[order]), np.exp(top / T_))
    return float((votes.argmax(1) == np.asarray(test_y)).mean())


def grid_distances(g):
    """d(q, k) [g*g, g*g] between spatial tokens embedded in the unit square ((j/(g-1), i/(g-1)), SPEC 4)."""
    ii, jj = np.meshgrid(np.arange(g), np.arange(g), indexing='ij')
    pos = np.stack([jj.ravel(), ii.ravel()], 1) / (g - 1)
    return np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))


@torch.no_grad()
def attention_summary(vit, x01, batch=250):
    """Mean attention distance [L,H] over the sample (SPEC 4: spatial sub-attention, rows renormalised,
    mean over spatial queries of sum_k S[q,k] d(q,k), then mean over images), and the uniform reference."""
    g = vit.grid
    D = torch.from_numpy(grid_distances(g)).double()
    L = len(vit.blocks)
    H = vit.blocks[0].attn.heads
    acc = torch.zeros(L, H, dtype=torch.float64)
    for blk in vit.blocks:
        blk.attn.keep = True
    n = 0
    for s in range(0, len(x01), batch):
        xb = T.to_input(x01[s:s + batch])
        vit(xb)
        for l, blk in enumerate(vit.blocks):
            Sm = blk.attn.last[:, :, 1:, 1:].double()
            Sm = Sm / Sm.sum(-1, keepdim=True)
            acc[l] += (Sm * D).sum(-1).mean(-1).sum(0)
        n += xb.shape[0]
    for blk in vit.blocks:
        blk.attn.keep = False
        blk.attn.last = None
    per_head = (acc / n).numpy()
    uniform = float(D.mean())
    l, h = np.unravel_index(per_head.argmin(), per_head.shape)
    return dict(
        definition='SPEC 4: spatial tokens at (j/(g-1), i/(g-1)); per image and head, mean over spatial queries of sum_k S[q,k] d(q,k) with S the spatial sub-attention (rows renormalised); mean over the 1000 sample images; layer = mean over heads',
        grid=[g, g],
        uniform=round(uniform, 6),
        perLayer=[round(float(v), 6) for v in per_head.mean(1)],
        perHead=[[round(float(v), 6) for v in row] for row in per_head],
        mostLocalHead=dict(layer=int(l) + 1, head=int(h), distance=round(float(per_head[l, h]), 6), ratioToUniform=round(float(per_head[l, h] / uniform), 4)),
        firstLayerRatio=round(float(per_head[0].mean() / uniform), 4),
        lastLayerRatio=round(float(per_head[-1].mean() / uniform), 4),
    )


def export_onnx(path, vit):
    x = torch.zeros(2, 3, 64, 64)
    kw = dict(opset_version=17, input_names=['pixel_values'], output_names=['features'],
              dynamic_axes={'pixel_values': {0: 'batch'}, 'features': {0: 'batch'}}, do_constant_folding=True)
    try:
        torch.onnx.export(vit, x, path, dynamo=False, **kw)
    except TypeError:  # torch < 2.5 has no dynamo argument
        torch.onnx.export(vit, x, path, **kw)


def write_safetensors_f16(path, vit):
    header, raws, off = {}, [], 0
    for name, t in vit.state_dict().items():
        raw = t.detach().half().contiguous().numpy().astype('<f2').tobytes()
        header[name] = {'dtype': 'F16', 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        raws.append(raw)
        off += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for r in raws:
            f.write(r)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', default=T.DEFAULT_DIR)
    ap.add_argument('--out', default=os.path.join(T.DEFAULT_DIR, 'export'))
    ap.add_argument('--only', nargs='*', default=T.METHODS)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--no-onnx', action='store_true', help='cards only (quick look at a running training)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    meta, sample_x, sample_y = read_sample()
    proto = meta['knnProtocol']
    (tr0, tr1), (te0, te1) = proto['train'], proto['test']
    ho = held_out()
    for method in args.only:
        got = load_backbone(args.dir, method)
        if got is None:
            print(f'{method}: no checkpoint in {args.dir}', flush=True)
            continue
        vit, info, is_final = got
        t0 = time.time()
        f = block_cls(vit, sample_x, 6)
        knn_sample = knn(f[tr0:tr1], sample_y[tr0:tr1], f[te0:te1], sample_y[te0:te1], proto['k'], proto['temperature'])
        knn_test = knn(block_cls(vit, ho[0], 6), ho[1], block_cls(vit, ho[2], 6), ho[3])
        att = attention_summary(vit, sample_x)
        if not args.no_onnx:
            export_onnx(os.path.join(args.out, f'{method}.onnx'), vit)
            write_safetensors_f16(os.path.join(args.out, f'{method}.safetensors'), vit)
        plan = info['plan']
        losses = info['losses']
        cpu = info.get('cpuSeconds')
        card = dict(
            name=f'zoo-{method}', method=method, description=DESCRIPTIONS[method], final=is_final,
            config={**T.CFG, 'inChannels': 3},
            input=dict(name='pixel_values', shape=['B', 3, 64, 64],
                       preprocessing=dict(channels='RGB', scale='1/255', mean=T.MEAN, std=T.STD, resize='none: 64x64 scenes (tools/zoo/scenes.py)')),
            output=dict(name='features', shape=['B', T.CFG['dim']], meaning='final LayerNorm of the CLS token (backbone only: heads, decoders, teachers discarded)'),
            weights='float16 (safetensors); the ONNX float32 graph holds the same float16-rounded values',
            training=dict(steps=info['step'], plannedSteps=plan['steps'], batch=plan['batch'], imagesSeen=info['step'] * plan['batch'],
                          baseLr=plan['lr'], optimizer='AdamW (wd .05, no wd on biases/norms/tokens), grad-norm clip 3, 5% warmup, cosine over the planned steps',
                          data='scenes generated on the fly from Fashion-MNIST train items, one seeded generator per step',
                          seed=info['seed'], threads=info['threads'], bf16=info['bf16'], torch=info['torch'], segments=info.get('segments', []),
                          **info.get('extra', {})),
            trainingSeconds=round(info['seconds'], 1),
            cpuSeconds=None if cpu is None else round(cpu, 1),
            imagesPerSecond=round(info['step'] * plan['batch'] / info['seconds'], 1) if info['seconds'] else None,
            imagesPerCpuSecond=round(info['step'] * plan['batch'] / cpu, 1) if cpu else None,
            firstLoss=round(losses[0], 4) if losses else None,
            finalLoss=round(float(np.mean(losses[-50:])), 4) if losses else None,
            finalLossNote='mean training loss over the last 50 steps' if losses else 'untrained',
            knnSample=dict(top1=knn_sample, **{k: proto[k] for k in ('k', 'temperature', 'train', 'test', 'feature')},
                           images='examples/zoo/bench/sample'),
            knnTest=dict(top1=knn_test, k=20, temperature=0.07, feature=proto['feature'],
                         train='2,000 scenes of train items (every 30th, seed 77)', test='2,000 scenes of test items 2000..3999 (seed 78)'),
            attention=att,
            evalSeconds=round(time.time() - t0, 1),
            files=dict(onnx=f'{method}.onnx', safetensors=f'{method}.safetensors'),
            tool='tools/zoo/train_zoo.py + tools/zoo/export_zoo.py', exportTorch=torch.__version__)
        tmp = os.path.join(args.out, f'{method}.json.tmp')
        with open(tmp, 'w') as fh:
            json.dump(card, fh, indent=1)
            fh.write('\n')
        os.replace(tmp, os.path.join(args.out, f'{method}.json'))
        ml = att['mostLocalHead']
        print(f'{method}: {"final" if is_final else "partial"} step {info["step"]}/{plan["steps"]}, kNN sample {knn_sample:.3f} test {knn_test:.3f}, '
              f'most local head L{ml["layer"]}h{ml["head"]} {ml["ratioToUniform"]:.3f}x uniform, layer ratios '
              f'{[round(v / att["uniform"], 3) for v in att["perLayer"]]}', flush=True)


if __name__ == '__main__':
    main()
