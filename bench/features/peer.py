"""Peer side of bench/features/run.mjs: scikit-learn / numpy on the same .npy data.

Usage (one measurement per call, so run.mjs can interleave peer and ours under changing load):
  /usr/bin/python3 peer.py kmeans X.npy SEED
  /usr/bin/python3 peer.py cka X.npy Y.npy REPEATS
  /usr/bin/python3 peer.py minibatch IMAGES
Prints one JSON object on stdout.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans


def linear_cka(X, Y):
    # SPEC 8 feature-space form on column-centred data, float32 products like ours.
    Xc = X - X.mean(0, dtype=np.float64).astype(np.float32)
    Yc = Y - Y.mean(0, dtype=np.float64).astype(np.float32)
    num = np.linalg.norm(Yc.T @ Xc) ** 2
    return float(num / (np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc)))


def prepared(grams):
    """The algebra of ours (features/src/internal/hsic.ts prepareKernel): every kernel once —
    float64, zero diagonal, its row sums r = K·1 and total s = 1ᵀK1 — stacked over layers."""
    K = np.stack(grams).astype(np.float64)  # [layers, n, n]
    idx = np.arange(K.shape[1])
    K[:, idx, idx] = 0
    r = K.sum(2)  # [layers, n]
    return K.reshape(K.shape[0], -1), r, r.sum(1)


def hsic1_all(KA, rA, sA, KB, rB, sB, n):
    """HSIC₁ of every (a, b) pair from the prepared kernels (ours: hsic1 in hsic.ts):
    [tr(KL) + sK·sL/((n−1)(n−2)) − 2/(n−2)·rK·rL] / (n(n−3)), tr(KL) = Σ K∘L for symmetric K, L.
    The pair sums are matrix products over the stacked kernels: numpy's best form of the same algebra."""
    return (KA @ KB.T + np.outer(sA, sB) / ((n - 1) * (n - 2)) - 2 / (n - 2) * (rA @ rB.T)) / (n * (n - 3))


def hsic1_self(K, r, s, n):
    """HSIC₁(K, K) of every layer (the diagonal of hsic1_all, without the off-diagonal work)."""
    return (np.einsum('ij,ij->i', K, K) + s * s / ((n - 1) * (n - 2)) - 2 / (n - 2) * np.einsum('ij,ij->i', r, r)) / (n * (n - 3))


def main():
    cmd = sys.argv[1]
    out = {}
    if cmd == 'kmeans':
        X = np.load(sys.argv[2])
        seed = int(sys.argv[3])
        KMeans(n_clusters=5, n_init=1, random_state=0).fit(X[:500])  # warm-up (threadpools)
        t0 = time.perf_counter()
        c0 = time.process_time()
        km = KMeans(n_clusters=50, n_init=10, random_state=seed).fit(X)
        out = {'time': time.perf_counter() - t0, 'cpu': time.process_time() - c0, 'inertia': float(km.inertia_), 'iterations': int(km.n_iter_)}
    elif cmd == 'cka':
        X = np.load(sys.argv[2])
        Y = np.load(sys.argv[3])
        linear_cka(X[:500], Y[:500])  # warm-up, as ours
        times = []
        cpus = []
        for _ in range(int(sys.argv[4])):
            t0 = time.perf_counter()
            c0 = time.process_time()
            value = linear_cka(X, Y)
            cpus.append(time.process_time() - c0)
            times.append(time.perf_counter() - t0)
        out = {'value': value, 'median': float(np.median(times)), 'cpu': float(np.median(cpus))}
    elif cmd == 'minibatch':
        out = {'imagesPerSecond': minibatch(int(sys.argv[2]))}
    print(json.dumps(out))


def minibatch(images):
    # Minibatch CKA, 12 x 12 layers, 'all' tokens [197,768], batches of 8, with the algebra of
    # ours: one float32 Gram per layer and batch, each kernel prepared once (zero diagonal, row
    # sums, total), then HSIC₁ of every pair from those (see prepared / hsic1_all).
    rng = np.random.default_rng(0)
    pool_a = [rng.standard_normal((8, 197 * 768), dtype=np.float32) for _ in range(12)]
    pool_b = [rng.standard_normal((8, 197 * 768), dtype=np.float32) for _ in range(12)]
    n = 8
    kl = np.zeros((12, 12))
    kk = np.zeros(12)
    ll = np.zeros(12)

    def batch():
        KA, rA, sA = prepared([a @ a.T for a in pool_a])
        KB, rB, sB = prepared([b @ b.T for b in pool_b])
        kl[:] += hsic1_all(KA, rA, sA, KB, rB, sB, n)
        kk[:] += hsic1_self(KA, rA, sA, n)
        ll[:] += hsic1_self(KB, rB, sB, n)

    batch()  # warm-up, as ours
    t0 = time.perf_counter()
    for _ in range(images // 8):
        batch()
    return images / (time.perf_counter() - t0)


main()
