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


def hsic1(K, L):
    n = K.shape[0]
    return (np.sum(K * L) + K.sum() * L.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * (K.sum(1) @ L.sum(1))) / (n * (n - 3))


def main():
    cmd = sys.argv[1]
    out = {}
    if cmd == 'kmeans':
        X = np.load(sys.argv[2])
        seed = int(sys.argv[3])
        KMeans(n_clusters=5, n_init=1, random_state=0).fit(X[:500])  # warm-up (threadpools)
        t0 = time.perf_counter()
        km = KMeans(n_clusters=50, n_init=10, random_state=seed).fit(X)
        out = {'time': time.perf_counter() - t0, 'inertia': float(km.inertia_), 'iterations': int(km.n_iter_)}
    elif cmd == 'cka':
        X = np.load(sys.argv[2])
        Y = np.load(sys.argv[3])
        linear_cka(X[:500], Y[:500])  # warm-up
        best = float('inf')
        for _ in range(int(sys.argv[4])):
            t0 = time.perf_counter()
            value = linear_cka(X, Y)
            best = min(best, time.perf_counter() - t0)
        out = {'value': value, 'best': best}
    elif cmd == 'minibatch':
        out = {'imagesPerSecond': minibatch(int(sys.argv[2]))}
    print(json.dumps(out))


def minibatch(images):
    # Minibatch CKA, 12 x 12 layers, 'all' tokens [197,768], batches of 8 (the same loop as ours).
    rng = np.random.default_rng(0)
    pool_a = [rng.standard_normal((8, 197 * 768), dtype=np.float32) for _ in range(12)]
    pool_b = [rng.standard_normal((8, 197 * 768), dtype=np.float32) for _ in range(12)]
    kl = np.zeros((12, 12))
    kk = np.zeros(12)
    ll = np.zeros(12)
    t0 = time.perf_counter()
    for _ in range(images // 8):
        Ks = []
        Ls = []
        for a in pool_a:
            K = (a @ a.T).astype(np.float64)
            np.fill_diagonal(K, 0)
            Ks.append(K)
        for b in pool_b:
            L = (b @ b.T).astype(np.float64)
            np.fill_diagonal(L, 0)
            Ls.append(L)
        for i, K in enumerate(Ks):
            kk[i] += hsic1(K, K)
            for j, L in enumerate(Ls):
                kl[i, j] += hsic1(K, L)
        for j, L in enumerate(Ls):
            ll[j] += hsic1(L, L)
    return images / (time.perf_counter() - t0)


main()
