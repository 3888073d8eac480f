#!/usr/bin/python3
"""Cross-language fixtures for @vit/io.

    /usr/bin/python3 tools/io-fixtures/make_fixtures.py make [outdir]   # default packages/io/fixtures
    /usr/bin/python3 tools/io-fixtures/make_fixtures.py verify <dir>

`make` writes small .npy/.npz files with numpy itself (every dtype, both byte orders, Fortran
order, format versions 1/2/3, 0-d and empty arrays), safetensors files with a hand-rolled
writer (the format is 8-byte length + JSON + raw bytes), JPEGs carrying each EXIF orientation
and PNGs of every colour type (Pillow, plus a hand-rolled zlib writer for what Pillow cannot
write), and manifest.json with the values every file must decode to.

`verify` numpy-loads the files a @vit/io test wrote into <dir> (listed with their intended
values in <dir>/manifest.json) and checks every value; exit status 1 on any mismatch.

Needs Debian python3-numpy (and python3-pil for images); call /usr/bin/python3.
"""
import json
import math
import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# numpy dtype code -> the @vit/io dtype name
DTYPES = {
    'f2': 'float16', 'f4': 'float32', 'f8': 'float64',
    'i1': 'int8', 'i2': 'int16', 'i4': 'int32', 'i8': 'int64',
    'u1': 'uint8', 'u2': 'uint16', 'u4': 'uint32', 'u8': 'uint64', 'b1': 'bool',
}

# 2x3 sample values per dtype, including each type's extremes.
SAMPLES = {
    'f2': [[0.5, -1.25, 65504.0], [6.1035156e-05, 5.9604645e-08, -0.0]],
    'f4': [[1.5, -2.25, 3.4028235e38], [1.1754944e-38, 1e-45, float('nan')]],
    'f8': [[math.pi, -1e308, 5e-324], [float('inf'), float('-inf'), 0.1]],
    'i1': [[-128, 127, 0], [1, -1, 42]],
    'i2': [[-32768, 32767, 0], [1, -1, 1234]],
    'i4': [[-2147483648, 2147483647, 0], [1, -1, 123456789]],
    'i8': [[-(2**63), 2**63 - 1, 0], [2**62 + 3, -(2**53) - 1, 7]],
    'u1': [[0, 255, 1], [128, 7, 200]],
    'u2': [[0, 65535, 1], [32768, 7, 40000]],
    'u4': [[0, 4294967295, 1], [2147483648, 7, 3000000000]],
    'u8': [[0, 2**64 - 1, 1], [2**63 + 5, 7, 2**53 + 1]],
    'b1': [[True, False, True], [False, False, True]],
}


def enc(v, code):
    """JSON form of one value: 64-bit integers as strings, non-finite floats as strings."""
    if code in ('i8', 'u8'):
        return str(int(v))
    if code == 'b1':
        return 1 if bool(v) else 0
    if code.startswith('f'):
        f = float(v)
        if math.isnan(f):
            return 'nan'
        if math.isinf(f):
            return 'inf' if f > 0 else '-inf'
        return f
    return int(v)


def values(a):
    code = a.dtype.str[1:]
    return [enc(v, code) for v in np.ravel(a, order='C').tolist()]


def npy_entry(name, a, fortran=False, version=None, byteorder=None):
    code = a.dtype.str[1:]
    return {
        'file': name, 'dtype': DTYPES[code], 'shape': list(a.shape), 'fortranOrder': fortran,
        'version': version, 'byteOrder': byteorder or a.dtype.str[0], 'values': values(a),
    }


def write_npy(path, a, version=None):
    with open(path, 'wb') as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)


def make_npy(out, manifest):
    d = os.path.join(out, 'npy')
    os.makedirs(d, exist_ok=True)
    entries = []
    for code, vals in SAMPLES.items():
        orders = ['|'] if code in ('i1', 'u1', 'b1') else ['<', '>']
        for bo in orders:
            a = np.array(vals, dtype=np.dtype(bo + code))
            name = f'npy/{DTYPES[code]}_{ {"<": "le", ">": "be", "|": "na"}[bo] }.npy'
            write_npy(os.path.join(out, name), a)
            entries.append(npy_entry(name, a, version=[1, 0]))
    # Fortran order, including big-endian and 3-D.
    f1 = np.asfortranarray(np.arange(12, dtype='<f4').reshape(3, 4) * 0.5)
    f2 = np.asfortranarray(np.arange(12, dtype='>i8').reshape(2, 3, 2) - 5)
    f3 = np.asfortranarray(np.array([[1, 2], [3, 4], [5, 6]], dtype='>f2'))
    for name, a in [('npy/fortran_f4.npy', f1), ('npy/fortran_i8_be_3d.npy', f2), ('npy/fortran_f2_be.npy', f3)]:
        write_npy(os.path.join(out, name), a)
        e = npy_entry(name, a, fortran=True, version=[1, 0])
        e['values'] = values(np.ascontiguousarray(a))
        entries.append(e)
    # Format versions 2.0 and 3.0.
    v = np.arange(6, dtype='<f8').reshape(2, 3) / 4
    for ver in [(1, 0), (2, 0), (3, 0)]:
        name = f'npy/version_{ver[0]}.npy'
        write_npy(os.path.join(out, name), v, version=ver)
        entries.append(npy_entry(name, v, version=list(ver)))
    # 0-d and empty arrays.
    for name, a in [
        ('npy/scalar_f8.npy', np.array(3.5)),
        ('npy/scalar_i4_be.npy', np.array(-7, dtype='>i4')),
        ('npy/empty_f4.npy', np.zeros((0,), dtype='<f4')),
        ('npy/empty_i2_2x0x3.npy', np.zeros((2, 0, 3), dtype='<i2')),
        ('npy/empty_b1_0x4.npy', np.zeros((0, 4), dtype='?')),
    ]:
        write_npy(os.path.join(out, name), a)
        entries.append(npy_entry(name, a, version=[1, 0]))
    # A legacy Python-2-era header: 16-byte alignment and long-integer suffixes.
    legacy = np.array([[1, 2, 3], [4, 5, 6]], dtype='<i8')
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2L, 3L), }"
    pad = (16 - (10 + len(header) + 1) % 16) % 16
    header = header + ' ' * pad + '\n'
    with open(os.path.join(out, 'npy/legacy_py2_header.npy'), 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1') + legacy.tobytes())
    assert np.array_equal(np.load(os.path.join(out, 'npy/legacy_py2_header.npy')), legacy)
    entries.append(npy_entry('npy/legacy_py2_header.npy', legacy, version=[1, 0]))
    manifest['npy'] = entries


NPZ_ARRAYS = {
    'features': (np.arange(12, dtype='<f4').reshape(3, 4) - 2.5),
    'labels': np.array([3, 1, 4, 1, 5], dtype='<i8'),
    'mask': np.array([[True, False], [False, True]]),
    'half': np.array([0.5, 1.5, -2.0], dtype='>f2'),
    'scalar': np.array(42, dtype='<u2'),
    'empty': np.zeros((0, 3), dtype='<f8'),
}


def make_npz(out, manifest):
    os.makedirs(os.path.join(out, 'npz'), exist_ok=True)
    arrays = {k: {'dtype': DTYPES[a.dtype.str[1:]], 'shape': list(a.shape), 'values': values(a)} for k, a in NPZ_ARRAYS.items()}
    np.savez(os.path.join(out, 'npz/stored.npz'), **NPZ_ARRAYS)
    np.savez_compressed(os.path.join(out, 'npz/deflated.npz'), **NPZ_ARRAYS)
    manifest['npz'] = [
        {'file': 'npz/stored.npz', 'compressed': False, 'arrays': arrays},
        {'file': 'npz/deflated.npz', 'compressed': True, 'arrays': arrays},
    ]


# safetensors dtype -> numpy little-endian dtype of the stored bytes
ST_NP = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'I16': '<i2',
         'I8': '|i1', 'U8': '|u1', 'BOOL': '|b1', 'U16': '<u2', 'U32': '<u4', 'U64': '<u8'}


def bf16_bits(a):
    """float32 -> bfloat16 bit patterns, round to nearest even (NaN kept quiet)."""
    u = np.asarray(a, dtype='<f4').view('<u4').astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype('<u2')
    nan = np.isnan(np.asarray(a, dtype='<f4'))
    r[nan] = ((u[nan] >> 16) | 0x40).astype('<u2')
    return r


def write_safetensors(path, tensors, metadata=None):
    """Hand-rolled writer: tensors = {name: (dtype, shape, raw bytes)}, laid out in name order."""
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    blobs, at = [], 0
    for name in sorted(tensors):
        dt, shape, raw = tensors[name]
        header[name] = {'dtype': dt, 'shape': list(shape), 'data_offsets': [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def make_safetensors(out, manifest):
    os.makedirs(os.path.join(out, 'safetensors'), exist_ok=True)
    src = {
        'F64': np.array([[math.e, -1e300], [5e-324, 0.25]], dtype='<f8'),
        'F32': np.array([1.5, -2.25, 1e-45, 3.4028235e38], dtype='<f4'),
        'F16': np.array([[0.5, -1.25, 65504.0]], dtype='<f2'),
        'I64': np.array([-(2**63), 2**63 - 1, 12345], dtype='<i8'),
        'I32': np.array([[-2147483648], [2147483647]], dtype='<i4'),
        'I16': np.array([-32768, 32767, 5], dtype='<i2'),
        'I8': np.array([-128, 127], dtype='|i1'),
        'U8': np.array([[0, 255, 9]], dtype='|u1'),
        'BOOL': np.array([True, False, True, True], dtype='|b1'),
    }
    tensors, expect = {}, {}
    for dt, a in src.items():
        name = f'blocks.0.{dt.lower()}'
        tensors[name] = (dt, a.shape, a.tobytes())
        expect[name] = {'dtype': dt, 'shape': list(a.shape), 'values': values(a)}
    # BF16: store rounded bit patterns; the expected values are those patterns widened exactly.
    bf_src = np.array([[1.0, -3.140625, 1e-3], [65280.0, 0.1, -0.0]], dtype='<f4')
    bits = bf16_bits(bf_src)
    tensors['head.bf16'] = ('BF16', bf_src.shape, bits.tobytes())
    widened = (bits.astype('<u4') << 16).view('<f4')
    expect['head.bf16'] = {'dtype': 'BF16', 'shape': list(bf_src.shape), 'values': [enc(v, 'f4') for v in widened.ravel().tolist()]}
    # A zero-size tensor (offsets [k, k]) and a 0-d one.
    tensors['empty'] = ('F32', (0, 3), b'')
    expect['empty'] = {'dtype': 'F32', 'shape': [0, 3], 'values': []}
    tensors['scalar'] = ('I32', (), np.array(-9, dtype='<i4').tobytes())
    expect['scalar'] = {'dtype': 'I32', 'shape': [], 'values': [-9]}
    meta = {'format': 'pt', 'model': 'vit-tiny', 'note': 'ünïcode ✓'}
    write_safetensors(os.path.join(out, 'safetensors/all_dtypes.safetensors'), tensors, meta)
    manifest['safetensors'] = [{'file': 'safetensors/all_dtypes.safetensors', 'metadata': meta, 'tensors': expect}]


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png_raw(path, width, height, depth, color_type, rows, plte=None, trns=None):
    """Hand-rolled PNG writer (filter 0 on every row); rows = list of packed row bytes."""
    raw = b''.join(b'\x00' + r for r in rows)
    out = b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth, color_type, 0, 0, 0))
    if plte is not None:
        out += png_chunk(b'PLTE', bytes(v for c in plte for v in c))
    if trns is not None:
        out += png_chunk(b'tRNS', trns)
    out += png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(out)


def pack_bits(vals, depth):
    out, acc, n = bytearray(), 0, 0
    for v in vals:
        acc = (acc << depth) | v
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def make_images(out, manifest):
    from PIL import Image, ImageOps
    d = os.path.join(out, 'images')
    os.makedirs(d, exist_ok=True)
    entries = []
    rng = np.random.default_rng(7)
    # JPEG with each EXIF orientation: a 32x16 image of four 8-aligned colour blocks, 4:4:4.
    base = np.zeros((16, 32, 3), dtype=np.uint8)
    base[:8, :16] = (220, 30, 30)
    base[:8, 16:] = (30, 200, 40)
    base[8:, :16] = (40, 40, 210)
    base[8:, 16:] = (235, 235, 30)
    for k in range(1, 9):
        name = f'images/orientation_{k}.jpg'
        exif = Image.Exif()
        exif[0x0112] = k
        Image.fromarray(base).save(os.path.join(out, name), quality=95, subsampling=0, exif=exif.tobytes())
        upright = np.asarray(ImageOps.exif_transpose(Image.open(os.path.join(out, name))).convert('RGB'))
        exp = f'images/orientation_{k}.expected.npy'
        np.save(os.path.join(out, exp), upright)
        entries.append({'file': name, 'kind': 'jpeg', 'orientation': k, 'expected': exp, 'shape': list(upright.shape)})
    # A progressive JPEG and a grayscale JPEG (no orientation).
    noisy = np.clip(base.astype(int) + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(os.path.join(d, 'progressive.jpg'), quality=90, progressive=True, subsampling=0)
    np.save(os.path.join(d, 'progressive.expected.npy'), np.asarray(Image.open(os.path.join(d, 'progressive.jpg')).convert('RGB')))
    entries.append({'file': 'images/progressive.jpg', 'kind': 'jpeg', 'orientation': 1, 'expected': 'images/progressive.expected.npy', 'shape': [16, 32, 3]})
    # 4:2:0 chroma subsampling (the usual camera/ImageNet case): decoders upsample chroma differently,
    # so this one is compared by mean absolute difference.
    smooth = np.dstack([np.tile(np.linspace(0, 255, 32), (16, 1)), np.tile(np.linspace(0, 255, 16)[:, None], (1, 32)), np.full((16, 32), 128)]).astype(np.uint8)
    Image.fromarray(smooth).save(os.path.join(d, 'subsampled420.jpg'), quality=90, subsampling=2)
    np.save(os.path.join(d, 'subsampled420.expected.npy'), np.asarray(Image.open(os.path.join(d, 'subsampled420.jpg')).convert('RGB')))
    entries.append({'file': 'images/subsampled420.jpg', 'kind': 'jpeg', 'orientation': 1, 'expected': 'images/subsampled420.expected.npy', 'shape': [16, 32, 3], 'subsampled': True})
    # CMYK (Adobe) JPEG, as ImageNet has a few of.
    Image.fromarray(base).convert('CMYK').save(os.path.join(d, 'cmyk.jpg'), quality=95)
    np.save(os.path.join(d, 'cmyk.expected.npy'), np.asarray(Image.open(os.path.join(d, 'cmyk.jpg')).convert('RGB')))
    entries.append({'file': 'images/cmyk.jpg', 'kind': 'jpeg', 'orientation': 1, 'expected': 'images/cmyk.expected.npy', 'shape': [16, 32, 3]})
    Image.fromarray(base[:, :, 0]).save(os.path.join(d, 'gray.jpg'), quality=95)
    np.save(os.path.join(d, 'gray.expected.npy'), np.asarray(Image.open(os.path.join(d, 'gray.jpg')).convert('RGB')))
    entries.append({'file': 'images/gray.jpg', 'kind': 'jpeg', 'orientation': 1, 'expected': 'images/gray.expected.npy', 'shape': [16, 32, 3]})

    def png_entry(name, rgba, labels=None, **extra):
        np.save(os.path.join(out, name.replace('.png', '.rgba.npy')), rgba)
        e = {'file': name, 'kind': 'png', 'rgba': name.replace('.png', '.rgba.npy'), 'shape': list(rgba.shape[:2])}
        if labels is not None:
            np.save(os.path.join(out, name.replace('.png', '.labels.npy')), labels)
            e['labels'] = name.replace('.png', '.labels.npy')
        e.update(extra)
        entries.append(e)

    h, w = 5, 7
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (h, w), dtype=np.uint8)
    Image.fromarray(rgb).save(os.path.join(d, 'rgb8.png'))
    png_entry('images/rgb8.png', np.dstack([rgb, np.full((h, w), 255, np.uint8)]), colorType=2, depth=8)
    Image.fromarray(np.dstack([rgb, a]), 'RGBA').save(os.path.join(d, 'rgba8.png'))
    png_entry('images/rgba8.png', np.dstack([rgb, a]), colorType=6, depth=8)
    g = rng.integers(0, 256, (h, w), dtype=np.uint8)
    Image.fromarray(g).save(os.path.join(d, 'gray8.png'))
    png_entry('images/gray8.png', np.dstack([g, g, g, np.full((h, w), 255, np.uint8)]), labels=g, colorType=0, depth=8)
    g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
    write_png_raw(os.path.join(d, 'gray16.png'), w, h, 16, 0, [r.astype('>u2').tobytes() for r in g16])
    g16_8 = (g16 >> 8).astype(np.uint8)  # the high byte, as Pillow, libpng's strip_16 and OpenCV do
    png_entry('images/gray16.png', np.dstack([g16_8, g16_8, g16_8, np.full((h, w), 255, np.uint8)]), colorType=0, depth=16)
    lab16 = rng.integers(0, 6, (h, w)).astype(np.uint16)
    write_png_raw(os.path.join(d, 'labels16.png'), w, h, 16, 0, [r.astype('>u2').tobytes() for r in lab16])
    l16 = lab16.astype(np.uint8)
    hi = (lab16 >> 8).astype(np.uint8)  # as an image: the high byte (all 0); as labels: the values
    png_entry('images/labels16.png', np.dstack([hi, hi, hi, np.full((h, w), 255, np.uint8)]), labels=l16, colorType=0, depth=16)
    rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
    write_png_raw(os.path.join(d, 'rgb16.png'), w, h, 16, 2, [r.astype('>u2').tobytes() for r in rgb16])
    rgb16_8 = (rgb16 >> 8).astype(np.uint8)
    png_entry('images/rgb16.png', np.dstack([rgb16_8, np.full((h, w), 255, np.uint8)]), colorType=2, depth=16)
    ga = np.stack([g, a], axis=-1)
    write_png_raw(os.path.join(d, 'graya8.png'), w, h, 8, 4, [r.tobytes() for r in ga])
    png_entry('images/graya8.png', np.dstack([g, g, g, a]), colorType=4, depth=8)
    bits = rng.integers(0, 2, (h, w), dtype=np.uint8)
    Image.fromarray(bits * 255).convert('1').save(os.path.join(d, 'gray1.png'))
    b255 = bits * 255
    png_entry('images/gray1.png', np.dstack([b255, b255, b255, np.full((h, w), 255, np.uint8)]), labels=bits, colorType=0, depth=1)  # labels: raw samples
    g2 = rng.integers(0, 4, (h, w), dtype=np.uint8)
    write_png_raw(os.path.join(d, 'gray2.png'), w, h, 2, 0, [pack_bits(r.tolist(), 2) for r in g2])
    g2_8 = g2 * 85
    png_entry('images/gray2.png', np.dstack([g2_8, g2_8, g2_8, np.full((h, w), 255, np.uint8)]), labels=g2, colorType=0, depth=2)
    # Palette PNGs, DAVIS-style: index = object id, colours from the DAVIS palette.
    pal = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128)]
    idx = rng.integers(0, len(pal), (h, w), dtype=np.uint8)
    p = Image.fromarray(idx, 'P')
    p.putpalette([v for c in pal for v in c])
    p.save(os.path.join(d, 'palette8.png'))
    rgba_p = np.array([list(pal[i]) + [255] for i in idx.ravel()], dtype=np.uint8).reshape(h, w, 4)
    png_entry('images/palette8.png', rgba_p, labels=idx, colorType=3, depth=8)
    idx4 = rng.integers(0, 4, (h, w), dtype=np.uint8)
    trns = bytes([0, 255, 128, 255])
    write_png_raw(os.path.join(d, 'palette2_trns.png'), w, h, 2, 3, [pack_bits(r.tolist(), 2) for r in idx4], plte=pal[:4], trns=trns)
    rgba_p4 = np.array([list(pal[i]) + [trns[i]] for i in idx4.ravel()], dtype=np.uint8).reshape(h, w, 4)
    png_entry('images/palette2_trns.png', rgba_p4, labels=idx4, colorType=3, depth=2)
    # A palette whose colours are NOT in index order: decoding colours cannot recover the indices.
    idx_big = np.arange(h * w, dtype=np.uint8).reshape(h, w) % 11
    pal_big = [(255 - 20 * i, 7 * i, 3 * i) for i in range(11)]
    p2 = Image.fromarray(idx_big, 'P')
    p2.putpalette([v for c in pal_big for v in c])
    p2.save(os.path.join(d, 'palette_scrambled.png'))
    assert np.array_equal(np.asarray(Image.open(os.path.join(d, 'palette_scrambled.png'))), idx_big)
    rgba_big = np.array([list(pal_big[i]) + [255] for i in idx_big.ravel()], dtype=np.uint8).reshape(h, w, 4)
    png_entry('images/palette_scrambled.png', rgba_big, labels=idx_big, colorType=3, depth=8)
    # Cross-check every PNG against Pillow's own decoding.
    for e in entries:
        if e['kind'] != 'png':
            continue
        im = Image.open(os.path.join(out, e['file']))
        if im.mode in ('I;16', 'I;16B', 'I'):
            continue  # Pillow clips 16-bit gray when converting; our expectation is the high byte (v >> 8)
        pil = np.asarray(im.convert('RGBA'))
        assert np.array_equal(pil, np.load(os.path.join(out, e['rgba']))), e['file']
    manifest['images'] = entries


def make(out):
    manifest = {'generator': 'tools/io-fixtures/make_fixtures.py', 'numpy': np.__version__}
    make_npy(out, manifest)
    make_npz(out, manifest)
    make_safetensors(out, manifest)
    make_images(out, manifest)
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(r, n)) for r, _, fs in os.walk(out) for n in fs)
    print(f'wrote fixtures to {out} ({total} bytes)')


# ---------------------------------------------------------------- verify

def dec(v, dtype):
    if isinstance(v, str) and dtype in ('int64', 'uint64'):
        return int(v)
    if isinstance(v, str):
        return float(v)
    return v


NP_OF = {'float16': 'f2', 'float32': 'f4', 'float64': 'f8', 'int8': 'i1', 'int16': 'i2', 'int32': 'i4',
         'int64': 'i8', 'uint8': 'u1', 'uint16': 'u2', 'uint32': 'u4', 'uint64': 'u8', 'bool': 'b1'}


def check_array(label, a, dtype, shape, vals, errors):
    if list(a.shape) != list(shape):
        errors.append(f'{label}: shape {list(a.shape)} != {shape}')
        return
    if a.dtype.str[1:] != NP_OF[dtype]:
        errors.append(f'{label}: dtype {a.dtype.str} != {dtype}')
        return
    flat = np.ravel(a, order='C').tolist()
    want = [dec(v, dtype) for v in vals]
    if len(flat) != len(want):
        errors.append(f'{label}: {len(flat)} values != {len(want)}')
        return
    for i, (x, y) in enumerate(zip(flat, want)):
        same = (isinstance(x, float) and math.isnan(x) and isinstance(y, float) and math.isnan(y)) or x == y
        if not same:
            errors.append(f'{label}: element {i} is {x!r}, expected {y!r}')
            return


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    spans = sorted((v['data_offsets'][0], v['data_offsets'][1]) for v in header.values())
    at = 0
    for b, e in spans:
        assert b == at, f'gap or overlap at {b}'
        at = e
    assert at == len(data), 'data not fully covered'
    assert (8 + n) % 8 == 0, 'header not padded to 8 bytes'
    out = {}
    for name, v in header.items():
        b, e = v['data_offsets']
        chunk = data[b:e]
        if v['dtype'] == 'BF16':
            arr = (np.frombuffer(chunk, '<u2').astype('<u4') << 16).view('<f4')
        else:
            arr = np.frombuffer(chunk, ST_NP[v['dtype']])
        out[name] = (v['dtype'], arr.reshape(v['shape']))
    return out, meta


def verify(d):
    with open(os.path.join(d, 'manifest.json')) as f:
        m = json.load(f)
    errors, checked = [], 0
    for e in m.get('npy', []):
        a = np.load(os.path.join(d, e['file']), allow_pickle=False)
        check_array(e['file'], a, e['dtype'], e['shape'], e['values'], errors)
        checked += 1
    for e in m.get('npz', []):
        with np.load(os.path.join(d, e['file']), allow_pickle=False) as z:
            if sorted(z.files) != sorted(e['arrays']):
                errors.append(f"{e['file']}: members {sorted(z.files)} != {sorted(e['arrays'])}")
            for k, v in e['arrays'].items():
                check_array(f"{e['file']}[{k}]", z[k], v['dtype'], v['shape'], v['values'], errors)
                checked += 1
    for e in m.get('safetensors', []):
        tensors, meta = read_safetensors(os.path.join(d, e['file']))
        if meta != e.get('metadata', {}):
            errors.append(f"{e['file']}: metadata {meta} != {e.get('metadata')}")
        if sorted(tensors) != sorted(e['tensors']):
            errors.append(f"{e['file']}: tensors {sorted(tensors)} != {sorted(e['tensors'])}")
        for k, v in e['tensors'].items():
            dt, arr = tensors[k]
            if dt != v['dtype']:
                errors.append(f"{e['file']}[{k}]: dtype {dt} != {v['dtype']}")
            np_dtype = {'F64': 'float64', 'F32': 'float32', 'F16': 'float16', 'BF16': 'float32', 'I64': 'int64',
                        'I32': 'int32', 'I16': 'int16', 'I8': 'int8', 'U8': 'uint8', 'BOOL': 'bool',
                        'U16': 'uint16', 'U32': 'uint32', 'U64': 'uint64'}[dt]
            check_array(f"{e['file']}[{k}]", arr, np_dtype, v['shape'], v['values'], errors)
            checked += 1
    for msg in errors:
        print('FAIL', msg)
    print(f'verify {d}: {checked} arrays checked, {len(errors)} failures (numpy {np.__version__})')
    return 1 if errors else 0


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'make':
        make(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'packages', 'io', 'fixtures'))
    elif len(sys.argv) == 3 and sys.argv[1] == 'verify':
        sys.exit(verify(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
