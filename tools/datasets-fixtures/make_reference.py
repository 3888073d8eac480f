#!/usr/bin/python3
"""Reference fixtures for @vit/datasets (maintainer script; the tests never run Python).

Run from the repository root:

    /usr/bin/python3 tools/datasets-fixtures/make_reference.py

Needs numpy and the standard `pickle` module only. It writes into packages/datasets/fixtures/:

- mask_cases.json        COCO segmentations (polygons, compressed RLE strings, uncompressed counts)
- mask_reference.npy     [N,H,W] uint8: the masks this script decodes for those cases, with its own
                         decoder (below), written independently of the TypeScript one
- pickle_reference_np<numpy major>_p<protocol>.pkl   one data structure with numpy arrays inside,
                         pickled with protocols 2-5 (like the real gnd_*.pkl files)
- pickle_reference.json  the same structure as plain JSON (arrays as {dtype, shape, fortran, data})
- gnd_roxford5k.pkl      a ground-truth pickle with numpy arrays, the structure of the real one
- forbidden_global.pkl   a pickle that would call os.system: the reader must refuse it
- forbidden_eval.pkl     a pickle that would call builtins.eval

If pycocotools happens to be importable (e.g. run once from a virtualenv that has it), every mask
is also checked against pycocotools and the script stops on any difference.
"""
import json
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'packages', 'datasets', 'fixtures')
H, W = 23, 31  # odd, unequal sizes so a transposed decoder cannot pass


# ---------------------------------------------------------------- RLE (COCO, column-major runs)

def rle_string_decode(s):
    """Compressed counts -> run lengths. 5-bit groups, low first, char = 48 + group,
    0x20 = continue, 0x10 of the last group = sign; counts from the 4th on are deltas to i-2."""
    counts = []
    i = 0
    while i < len(s):
        value, shift = 0, 0
        while True:
            c = ord(s[i]) - 48
            i += 1
            value += (c & 0x1F) << shift
            shift += 5
            if not c & 0x20:
                if c & 0x10:
                    value -= 1 << shift
                break
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def rle_string_encode(counts):
    out = []
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c
        while True:
            g = x & 0x1F
            x >>= 5  # Python's >> floors, like C's arithmetic shift
            more = (x != -1) if (g & 0x10) else (x != 0)
            out.append(chr(48 + (g | 0x20 if more else g)))
            if not more:
                break
    return ''.join(out)


def mask_to_counts(mask):
    flat = mask.T.reshape(-1)  # column-major walk
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            run, cur = 0, v
        run += 1
    counts.append(run)
    return counts


def counts_to_mask(counts, h, w):
    assert sum(counts) == h * w, 'runs must cover the image exactly'
    values = np.arange(len(counts)) % 2
    flat = np.repeat(values.astype(np.uint8), counts)
    return flat.reshape(w, h).T.copy()


# ---------------------------------------------------------------- polygons
# The rasterisation COCO's masks are defined by (pycocotools maskApi.c rleFrPoly), restated per
# column: trace every edge on a 5x finer grid, find where the traced boundary passes the centre
# line of a pixel column, turn each such crossing into the first pixel row below it, then fill
# each column between pairs of rows (even-odd).

def polygon_to_mask(poly, h, w):
    s = 5.0
    pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
    vx = np.trunc(s * pts[:, 0] + 0.5).astype(np.int64)
    vy = np.trunc(s * pts[:, 1] + 0.5).astype(np.int64)
    vx = np.append(vx, vx[0])
    vy = np.append(vy, vy[0])
    us, vs = [], []
    for j in range(len(pts)):
        x0, y0, x1, y1 = vx[j], vy[j], vx[j + 1], vy[j + 1]
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if dx >= dy:
            lo_x, lo_y, hi_y = (x1, y1, y0) if x0 > x1 else (x0, y0, y1)
            slope = (hi_y - lo_y) / dx if dx else 0.0
            steps = np.arange(dx + 1)
            if x0 > x1:
                steps = steps[::-1]
            us.extend(lo_x + steps)
            vs.extend(np.trunc(lo_y + slope * steps + 0.5).astype(np.int64))
        else:
            lo_y, lo_x, hi_x = (y1, x1, x0) if y0 > y1 else (y0, x0, x1)
            slope = (hi_x - lo_x) / dy
            steps = np.arange(dy + 1)
            if y0 > y1:
                steps = steps[::-1]
            vs.extend(lo_y + steps)
            us.extend(np.trunc(lo_x + slope * steps + 0.5).astype(np.int64))
    us = np.asarray(us, dtype=np.int64)
    vs = np.asarray(vs, dtype=np.int64)
    rows_by_col = {}
    for j in range(1, len(us)):
        if us[j] == us[j - 1]:
            continue
        xf = us[j] if us[j] < us[j - 1] else us[j] - 1
        xc = (xf + 0.5) / s - 0.5
        if xc != np.floor(xc) or xc < 0 or xc > w - 1:
            continue
        yc = (min(vs[j], vs[j - 1]) + 0.5) / s - 0.5
        yc = min(max(yc, 0.0), float(h))
        rows_by_col.setdefault(int(xc), []).append(int(np.ceil(yc)))
    mask = np.zeros((h, w), dtype=np.uint8)
    for x, rows in rows_by_col.items():
        rows.sort()
        for a, b in zip(rows[0::2], rows[1::2]):
            mask[a:b, x] = 1
    return mask


def segmentation_to_mask(seg, h, w):
    if isinstance(seg, list):
        m = np.zeros((h, w), dtype=np.uint8)
        for poly in seg:
            if len(poly) >= 6:
                m |= polygon_to_mask(poly, h, w)
        return m
    counts = seg['counts']
    if isinstance(counts, str):
        counts = rle_string_decode(counts)
    return counts_to_mask(counts, seg['size'][0], seg['size'][1])


def mask_cases():
    rng = np.random.default_rng(20240611)
    cases = []
    cases.append(('rectangle', [[2, 3, 10, 3, 10, 12, 2, 12]]))
    cases.append(('rectangle-fractional', [[2.4, 3.6, 10.5, 3.6, 10.5, 12.2, 2.4, 12.2]]))
    cases.append(('triangle-slanted', [[3, 3, 15, 4, 8, 16]]))
    cases.append(('concave-arrow', [[2, 2, 20, 11, 2, 20, 8, 11]]))
    cases.append(('two-polygons', [[1, 1, 6, 1, 6, 5, 1, 5], [12, 8, 18, 8, 18, 15, 12, 15]]))
    cases.append(('overlapping-polygons', [[4, 4, 16, 4, 16, 14, 4, 14], [10, 8, 25, 8, 25, 20, 10, 20]]))
    cases.append(('outside-image', [[-4, -3, 12, -2, 40, 18, 20, 30, 5, 25]]))
    cases.append(('self-intersecting', [[2, 2, 25, 18, 25, 2, 2, 18]]))
    cases.append(('thin-sliver', [[0.2, 10.1, 30.7, 10.4, 30.7, 11.3, 0.2, 10.9]]))
    cases.append(('clockwise-star', [[15, 1, 18, 9, 27, 9, 20, 14, 23, 22, 15, 17, 7, 22, 10, 14, 3, 9, 12, 9]]))
    cases.append(('duplicate-vertex', [[5, 5, 5, 5, 18, 6, 18, 6, 12, 19]]))
    for k in range(4):  # random polygons with fractional vertices
        n = int(rng.integers(3, 9))
        xs = rng.uniform(-2, W + 2, n).round(2)
        ys = rng.uniform(-2, H + 2, n).round(2)
        cases.append((f'random-{k}', [list(np.column_stack([xs, ys]).reshape(-1).tolist())]))
    yy, xx = np.mgrid[0:H, 0:W]
    disc = (((xx - 16) ** 2 + (yy - 10) ** 2) <= 30).astype(np.uint8)
    cases.append(('rle-compressed-disc', {'size': [H, W], 'counts': rle_string_encode(mask_to_counts(disc))}))
    noise = (rng.random((H, W)) < 0.35).astype(np.uint8)
    cases.append(('rle-compressed-noise', {'size': [H, W], 'counts': rle_string_encode(mask_to_counts(noise))}))
    big = np.zeros((H, W), dtype=np.uint8)
    big[1:22, 1:30] = 1  # long runs: multi-group numbers and negative deltas
    big[5, 5] = 0
    cases.append(('rle-compressed-long-runs', {'size': [H, W], 'counts': rle_string_encode(mask_to_counts(big))}))
    starts_on = np.zeros((H, W), dtype=np.uint8)
    starts_on[0:4, 0] = 1  # first run of zeros has length 0
    cases.append(('rle-uncompressed-starts-with-ones', {'size': [H, W], 'counts': mask_to_counts(starts_on)}))
    cases.append(('rle-uncompressed-noise', {'size': [H, W], 'counts': mask_to_counts(noise[::-1].copy())}))
    cases.append(('rle-uncompressed-empty', {'size': [H, W], 'counts': [H * W]}))
    return cases


def check_against_pycocotools(cases, masks):
    try:
        from pycocotools import mask as mu
    except ImportError:
        print('pycocotools not importable: skipped the cross-check')
        return
    for (name, seg), mine in zip(cases, masks):
        if isinstance(seg, list):
            rle = mu.merge(mu.frPyObjects(seg, H, W))
        elif isinstance(seg['counts'], list):
            rle = mu.frPyObjects(seg, H, W)
        else:
            rle = {'size': seg['size'], 'counts': seg['counts'].encode()}
        theirs = mu.decode(rle)
        if not np.array_equal(theirs, mine):
            sys.exit(f'mask {name} differs from pycocotools in {int((theirs != mine).sum())} pixels')
        if isinstance(seg, dict) and isinstance(seg['counts'], str):
            back = mu.encode(np.asfortranarray(mine))['counts'].decode()
            if back != seg['counts']:
                sys.exit(f'compressed string of {name} differs from pycocotools: {back} vs {seg["counts"]}')
    print(f'all {len(cases)} masks equal pycocotools')


def write_npy_uint8(path, arr):
    np.save(path, np.ascontiguousarray(arr, dtype=np.uint8))


# ---------------------------------------------------------------- pickles

def reference_structure():
    f = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
    return {
        'imlist': ['all_souls_000001', 'ashmolean_000000', 'caf\u00e9_\u00e9t\u00e9'],
        'ints': [0, 1, -1, 255, 256, 65535, 65536, -2 ** 31, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53)],
        'bigints': [2 ** 70, -(2 ** 70) - 3],
        'floats': [0.5, -1.25, 1e300, 3.141592653589793],
        'flags': (True, False, None),
        'bytes': b'\x00\x01\xfe\xff data',
        'empty': {'list': [], 'tuple': (), 'dict': {}},
        'nested': [{'a': [1, [2, (3, 'x')]]}],
        'shared': [[7, 8]] * 2,
        'int_keys': {1: 'one', 2: 'two'},
        'a_int64': np.array([3, 1, 4, 1, 5], dtype=np.int64),
        'a_int32_be': np.array([-7, 9], dtype='>i4'),
        'a_uint8': np.array([[0, 255], [128, 1]], dtype=np.uint8),
        'a_float64': np.array([136.5, 34.25, 888.0, 1000.75]),
        'a_float32_fortran': f,
        'a_float16': np.array([0.5, -2.0, 65504.0], dtype=np.float16),
        'a_bool': np.array([True, False, True]),
        'a_empty': np.zeros((0,), dtype=np.int64),
        'a_3d': np.arange(24, dtype=np.int16).reshape(2, 3, 4),
        'np_scalar': np.float64(2.5),
        'np_int_scalar': np.int64(-12),
    }


def to_json(x):
    if isinstance(x, np.ndarray):
        return {'__ndarray__': True, 'dtype': x.dtype.str, 'shape': list(x.shape),
                'fortran': bool(x.flags.f_contiguous and not x.flags.c_contiguous),
                'data': [v.item() if not isinstance(v.item(), bool) else int(v.item()) for v in x.reshape(-1)]}
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dict):
        return {str(k): to_json(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return {'__tuple__': [to_json(v) for v in x]}
    if isinstance(x, list):
        return [to_json(v) for v in x]
    if isinstance(x, bytes):
        return {'__bytes__': list(x)}
    if isinstance(x, int) and abs(x) > 2 ** 53 - 1:  # beyond Number.MAX_SAFE_INTEGER
        return {'__bigint__': str(x)}
    return x


def reference_gnd():
    """The ground truth writeSyntheticRevisited writes for roxford5k (10 images, 3 queries), with
    numpy arrays where the real files have them."""
    imlist = [f'all_souls_{i + 1:06d}' for i in range(10)]
    qimlist = imlist[:3]
    gnd = []
    for q in range(3):
        mine = [i for i in range(10) if i % 3 == q]
        gnd.append({
            'bbx': np.array([1.5 + q, 2.25, 20.5 + q, 15.75]),
            'easy': np.array(mine[0::3], dtype=np.int64),
            'hard': np.array(mine[1::3], dtype=np.int64),
            'junk': np.array(mine[2::3], dtype=np.int64),
        })
    return {'gnd': gnd, 'imlist': imlist, 'qimlist': qimlist}


class _CallsSystem:
    def __reduce__(self):
        return (os.system, ('echo this must never run',))


class _CallsEval:
    def __reduce__(self):
        return (eval, ('1+1',))


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = mask_cases()
    masks = [segmentation_to_mask(seg, H, W) for _, seg in cases]
    check_against_pycocotools(cases, masks)
    with open(os.path.join(OUT, 'mask_cases.json'), 'w') as f:
        json.dump({'height': H, 'width': W, 'cases': [{'name': n, 'segmentation': s} for n, s in cases]}, f)
    write_npy_uint8(os.path.join(OUT, 'mask_reference.npy'), np.stack(masks))

    data = reference_structure()
    major = np.__version__.split('.')[0]
    for proto in (2, 3, 4, 5):
        with open(os.path.join(OUT, f'pickle_reference_np{major}_p{proto}.pkl'), 'wb') as f:
            pickle.dump(data, f, protocol=proto)
    with open(os.path.join(OUT, 'pickle_reference.json'), 'w') as f:
        json.dump(to_json(data), f)
    with open(os.path.join(OUT, 'gnd_roxford5k.pkl'), 'wb') as f:
        pickle.dump(reference_gnd(), f, protocol=2)
    with open(os.path.join(OUT, 'forbidden_global.pkl'), 'wb') as f:
        pickle.dump({'imlist': [], 'payload': _CallsSystem()}, f, protocol=4)
    with open(os.path.join(OUT, 'forbidden_eval.pkl'), 'wb') as f:
        pickle.dump([_CallsEval()], f, protocol=2)
    print(f'wrote {len(cases)} mask cases and pickles (numpy {np.__version__}) to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
