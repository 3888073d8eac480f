#!/usr/bin/python3
"""bench/tasks peer (numpy, /usr/bin/python3): one persistent process driven line by line by run.mjs,
so numpy is loaded, warmed up and timed the same number of times as ours, interleaved with it.

  peer.py serve <knn_train> <knn_train_labels> <knn_test> <knn_test_labels> <video_features> <video_first_mask> <out_labels>

stdin commands (one per line), each answered by one JSON line on stdout:
  knn <k> <classes>     weighted k-NN (the same algorithm as knnClassify): normalise, matmul, argpartition, exp(s/T) votes
  prop <frames>         label propagation of the first <frames> frames with the same windowed search as ours
                        (window of ±R tokens per axis gathered from the full product, top-K, softmax, bilinear, argmax)
Both report wall seconds and the process CPU seconds of the call.
"""
import json
import sys
import time

import numpy as np


def knn(tr, trl, te, tel, k, C, T=0.07):
    a = tr / np.maximum(np.linalg.norm(tr, axis=1, keepdims=True), 1e-30)
    b = te / np.maximum(np.linalg.norm(te, axis=1, keepdims=True), 1e-30)
    preds = np.empty(len(b), dtype=np.int64)
    top5 = 0
    for s in range(0, len(b), 1000):  # 1,000 test rows at a time keeps memory near 80 MB
        sim = b[s:s + 1000] @ a.T
        idx = np.argpartition(-sim, k, axis=1)[:, :k]
        val = np.take_along_axis(sim, idx, axis=1)
        w = np.exp(val / T)
        scores = np.zeros((len(sim), C))
        np.add.at(scores, (np.arange(len(sim))[:, None], trl[idx]), w)
        preds[s:s + 1000] = scores.argmax(1)
        t5 = np.argsort(-scores, axis=1)[:, :5]
        top5 += int((t5 == tel[s:s + 1000, None]).any(1).sum())
    return float((preds == tel).mean()), top5 / len(b)


def propagate(feats, first, n_frames, T=0.1, R=12, K=5, NC=7):
    _, h, w, D = feats.shape
    H, W = first.shape
    hw = h * w
    # the window of every token as flat indices into one frame (-1 outside the frame)
    ii, jj = np.divmod(np.arange(hw), w)
    dy, dx = np.meshgrid(np.arange(-R, R + 1), np.arange(-R, R + 1), indexing='ij')
    yy = ii[:, None] + dy.reshape(-1)[None, :]
    xx = jj[:, None] + dx.reshape(-1)[None, :]
    valid = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
    cand = np.where(valid, yy * w + xx, 0)
    C = int(first.max()) + 1
    ys = np.minimum(np.floor((np.arange(h) + 0.5) * H / h).astype(int), H - 1)
    xs = np.minimum(np.floor((np.arange(w) + 0.5) * W / w).astype(int), W - 1)
    soft0 = np.eye(C, dtype=np.float32)[first[ys][:, xs].reshape(-1)]

    def norm(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    def table(n, M):
        s = np.maximum(0, (np.arange(M) + 0.5) * n / M - 0.5)
        a = np.minimum(np.floor(s).astype(int), n - 1)
        return a, np.minimum(a + 1, n - 1), (s - a).astype(np.float32)

    y0, y1, fy = table(h, H)
    x0, x1, fx = table(w, W)
    f0 = norm(feats[0].reshape(hw, D))
    queue = []
    out = np.zeros((n_frames, H, W), np.uint8)
    out[0] = first
    for t in range(1, n_frames):
        ft = norm(feats[t].reshape(hw, D))
        ctxf = np.concatenate([f0] + [q[0] for q in queue])
        ctxs = np.concatenate([soft0] + [q[1] for q in queue])
        nc = 1 + len(queue)
        sim = ft @ ctxf.T  # [hw, nc*hw], as ours: one product, then the windowed search
        idx = (cand[:, None, :] + (np.arange(nc) * hw)[None, :, None]).reshape(hw, -1)
        val = np.take_along_axis(sim, idx, 1)
        val[~np.tile(valid, (1, nc))] = -np.inf
        top = np.argpartition(-val, K, axis=1)[:, :K]
        tv = np.take_along_axis(val, top, 1)
        ti = np.take_along_axis(idx, top, 1)
        wgt = np.exp((tv - tv.max(1, keepdims=True)) / T)
        wgt /= wgt.sum(1, keepdims=True)
        soft = np.einsum('nk,nkc->nc', wgt, ctxs[ti])
        queue.append((ft, soft))
        if len(queue) > NC:
            queue.pop(0)
        s3 = soft.reshape(h, w, C)
        rows = s3[y0] * (1 - fy)[:, None, None] + s3[y1] * fy[:, None, None]
        up = rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]
        out[t] = up.argmax(2)
    return out


def main():
    tr, trl, te, tel, feats, first = (np.load(f) for f in sys.argv[2:8])
    out_file = sys.argv[8]
    print(json.dumps({'ready': True, 'numpy': np.__version__}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        if cmd[0] == 'knn':
            top1, top5 = knn(tr, trl, te, tel, int(cmd[1]), int(cmd[2]))
            res = {'top1': top1, 'top5': top5}
        elif cmd[0] == 'prop':
            labels = propagate(feats, first, int(cmd[1]))
            res = {}
        else:
            break
        res.update(seconds=time.perf_counter() - t0, cpuSeconds=time.process_time() - c0)
        if cmd[0] == 'prop':
            np.save(out_file, labels)
        print(json.dumps(res), flush=True)


if __name__ == '__main__':
    main()
