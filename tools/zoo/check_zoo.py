#!/work/venv/bin/python
"""Independent check of an exported zoo: re-measures every card from the ONNX graphs alone (onnxruntime +
numpy; no torch, no code shared with export_zoo.py) and checks the issue-15 targets.

    /work/venv/bin/python tools/zoo/check_zoo.py                     # checks /work/zoo-train/export
    /work/venv/bin/python tools/zoo/check_zoo.py --zoo examples/zoo  # the shipped zoo
    ... --strict                                                     # exit 1 when a target is missed

For each <method>.onnx: the graph's Softmax outputs (one per block) and the input of its last
LayerNormalization (block 6's output) are made graph outputs; onnxruntime runs the benchmark sample
(examples/zoo/bench/sample, decoded with Pillow); k-NN top-1 (block-6 CLS, cosine, k=20, exp(s/0.07)
votes, first 500 vs last 500) and the mean attention distance per layer/head (SPEC 4) are computed with
numpy and compared with the card (k-NN within 1 point, distances within 1e-3). Also: the float16
safetensors hold exactly the ONNX initialisers' values. Exit 1 on a disagreement.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SAMPLE = os.path.join(ROOT, 'examples', 'zoo', 'bench', 'sample')
METHODS = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random']


def session_with_taps(path):
    m = onnx.load(path)
    softmax = [n.output[0] for n in m.graph.node if n.op_type == 'Softmax']
    ln = [n for n in m.graph.node if n.op_type == 'LayerNormalization']
    block_out = ln[-1].input[0]
    for name in softmax + [block_out]:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return ort.InferenceSession(m.SerializeToString(), so, providers=['CPUExecutionProvider']), softmax, block_out, m


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = int.from_bytes(f.read(8), 'little')
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        dt = {'F16': '<f2', 'F32': '<f4'}[v['dtype']]
        a, b = v['data_offsets']
        out[k] = np.frombuffer(body[a:b], dtype=dt).reshape(v['shape']).astype(np.float32)
    return out


def weighted_knn(tr, ytr, te, k, T):
    tr = tr / np.linalg.norm(tr, axis=1, keepdims=True)
    te = te / np.linalg.norm(te, axis=1, keepdims=True)
    sim = te.astype(np.float64) @ tr.T.astype(np.float64)
    pred = []
    for row in sim:
        idx = np.argsort(-row, kind='stable')[:k]
        votes = np.bincount(ytr[idx], weights=np.exp(row[idx] / T), minlength=10)
        pred.append(int(np.argmax(votes)))
    return np.array(pred)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--zoo', default='/work/zoo-train/export')
    ap.add_argument('--strict', action='store_true', help='exit 1 when a target of issue 15 is missed')
    args = ap.parse_args()
    meta = json.load(open(os.path.join(SAMPLE, 'labels.json')))
    mean = np.array(meta['preprocessing']['mean'], np.float32)[:, None, None]
    std = np.array(meta['preprocessing']['std'], np.float32)[:, None, None]
    x = np.stack([np.asarray(Image.open(os.path.join(SAMPLE, 'images', f)).convert('RGB')) for f in meta['files']])
    x = ((x.transpose(0, 3, 1, 2).astype(np.float32) / 255) - mean) / std
    y = np.array(meta['labels'])
    p = meta['knnProtocol']
    (a0, a1), (b0, b1) = p['train'], p['test']
    g = 8
    ii, jj = np.divmod(np.arange(g * g), g)
    pos = np.stack([jj, ii], 1) / (g - 1)
    D = np.sqrt(((pos[:, None] - pos[None]) ** 2).sum(-1))
    uniform = D.mean()
    bad = []
    res = {}
    for method in METHODS:
        path = os.path.join(args.zoo, f'{method}.onnx')
        if not os.path.exists(path):
            print(f'{method}: missing')
            continue
        card = json.load(open(os.path.join(args.zoo, f'{method}.json')))
        sess, softmax, block_out, model = session_with_taps(path)
        # float16 safetensors == the ONNX initialisers (by timm name where the exporter kept it)
        st = read_safetensors(os.path.join(args.zoo, f'{method}.safetensors'))
        inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
        same = [k for k in st if k in inits]
        for k in same:
            if not np.array_equal(st[k], inits[k].astype(np.float32)):
                bad.append(f'{method}: safetensors {k} differs from the ONNX initialiser')
        cls, dist = [], np.zeros((len(softmax), 0))
        acc = None
        for s in range(0, len(x), 200):
            outs = sess.run(softmax + [block_out], {'pixel_values': x[s:s + 200]})
            cls.append(outs[-1][:, 0])
            per = []
            for A in outs[:-1]:
                Sm = A[:, :, 1:, 1:].astype(np.float64)
                Sm = Sm / Sm.sum(-1, keepdims=True)
                per.append((Sm * D).sum(-1).mean(-1).sum(0))  # [H] summed over images
            per = np.stack(per)
            acc = per if acc is None else acc + per
        per_head = acc / len(x)
        cls = np.concatenate(cls)
        pred = weighted_knn(cls[a0:a1], y[a0:a1], cls[b0:b1], p['k'], p['temperature'])
        top1 = float((pred == y[b0:b1]).mean())
        ratio = per_head.min() / uniform
        first, last = per_head[0].mean(), per_head[-1].mean()
        res[method] = dict(top1=top1, ratio=ratio, first=first, last=last)
        if abs(top1 - card['knnSample']['top1']) > 0.01:
            bad.append(f'{method}: k-NN {top1:.3f} vs card {card["knnSample"]["top1"]:.3f}')
        cd = np.array(card['attention']['perHead'])
        if np.abs(cd - per_head).max() > 1e-3:
            bad.append(f'{method}: attention distances differ from the card by {np.abs(cd - per_head).max():.2e}')
        print(f'{method:7s} k-NN {top1:.3f} (card {card["knnSample"]["top1"]:.3f})  most local head {ratio:.3f}x uniform  '
              f'layer 1 {first / uniform:.3f}x, layer {len(softmax)} {last / uniform:.3f}x  steps {card["training"]["steps"]}/{card["training"]["plannedSteps"]}'
              f'{"" if card.get("final") else " (partial)"}  [{len(same)} safetensors tensors = ONNX]', flush=True)
    targets = []
    if 'fs' in res and 'random' in res:
        r = res['random']['top1']
        targets.append((f'FS k-NN >= untrained + 30 points ({res["fs"]["top1"]:.3f} vs {r:.3f})', res['fs']['top1'] >= r + 0.30))
        for m in METHODS[:-1]:
            if m in res:
                targets.append((f'{m} k-NN above untrained ({res[m]["top1"]:.3f} vs {r:.3f})', res[m]['top1'] > r))
    for m in METHODS[:-1]:
        if m in res:
            targets.append((f'{m} has a head <= 0.75x uniform ({res[m]["ratio"]:.3f})', res[m]['ratio'] <= 0.75))
    if 'fs' in res:
        targets.append((f'FS layer 1 more local than layer 6 ({res["fs"]["first"]:.4f} vs {res["fs"]["last"]:.4f})', res['fs']['first'] < res['fs']['last']))
    for t, ok in targets:
        print(f'  [{"met" if ok else "MISSED"}] {t}')
    for b in bad:
        print(f'DISAGREEMENT: {b}')
    missed = [t for t, ok in targets if not ok]
    sys.exit(1 if bad or (args.strict and missed) else 0)


if __name__ == '__main__':
    main()
