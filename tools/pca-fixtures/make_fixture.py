"""PCA fixture for packages/features/src/pca.test.ts (numpy eigh and SVD as the independent reference).

Run from the repository root:  /work/venv/bin/python tools/pca-fixtures/make_fixture.py
Writes packages/features/src/pcaFixture.npz with
  train [300,12] float32     rows with planted anisotropic structure (rotated, stretched, shifted)
  test  [60,12]  float32     held-out rows from the same distribution
  components [4,12] float64  top-4 eigenvectors of cov(train, ddof=1) from numpy.linalg.eigh,
                             by decreasing eigenvalue, sign: largest-|entry| positive
  variance [4]               the eigenvalues; ratio [4] = variance / trace
  svd_components [4,12]      the same axes from numpy.linalg.svd of the centred train rows (same sign rule)
  mean [12]                  train mean
  projected_test [60,4]      (test - mean) @ components.T
"""
import numpy as np

rng = np.random.default_rng(20231201)
D = 12
scales = np.array([9.0, 5.0, 3.0, 1.5, 0.8, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05])
Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
shift = rng.uniform(-20, 20, size=D)


def sample(n):
    z = rng.standard_normal((n, D)) * scales
    return (z @ Q.T + shift).astype(np.float32)


train = sample(300)
test = sample(60)
x = train.astype(np.float64)
mean = x.mean(axis=0)
cov = np.cov(x, rowvar=False, ddof=1)
vals, vecs = np.linalg.eigh(cov)
order = np.argsort(vals)[::-1][:4]
comps = vecs[:, order].T
variance = vals[order]
ratio = variance / vals.sum()


def flip(c):
    c = c.copy()
    for i in range(c.shape[0]):
        if c[i, np.argmax(np.abs(c[i]))] < 0:
            c[i] = -c[i]
    return c


comps = flip(comps)
_, s, vt = np.linalg.svd(x - mean, full_matrices=False)
svd_comps = flip(vt[:4])
assert np.allclose(np.abs(comps @ svd_comps.T), np.eye(4), atol=1e-8)
assert np.allclose(s[:4] ** 2 / (len(x) - 1), variance, rtol=1e-10)
projected = (test.astype(np.float64) - mean) @ comps.T
np.savez(
    'packages/features/src/pcaFixture.npz',
    train=train, test=test, components=comps, svd_components=svd_comps,
    variance=variance, ratio=ratio, mean=mean, projected_test=projected,
)
print('wrote packages/features/src/pcaFixture.npz', variance)
