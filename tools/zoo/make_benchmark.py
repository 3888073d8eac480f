#!/work/venv/bin/python
"""Maintainer script: the zoo's miniature benchmark, in the real on-disk layouts that @vit/datasets reads,
generated from Fashion-MNIST *test* items with tools/zoo/scenes.py (the models train on *train* items).

    /work/venv/bin/python tools/zoo/make_benchmark.py        # writes examples/zoo/bench/ (~1 min)

It needs numpy, torch, Pillow and pycocotools (all in /work/venv). Deterministic (fixed seeds).

examples/zoo/bench/
  sample/       labelled sample: images/NNNN.png (64x64 RGB, lossless), masks/NNNN.png (8-bit gray 0/1,
                the exact object mask), labels.json (classes, files, labels, masks, preprocessing, the
                k-NN protocol: first half train, second half test). Test items 0..999.
  coco/         COCO layout: annotations/instances_val2017.json + val2017/<012d id>.jpg; 1-3 items per
                scene, one instance each (compressed RLE of the visible part, pycocotools), categories
                = the 10 classes (ids 1..10). Test items 1000..
  spair/        SPair-71k layout: JPEGImages/<cat>/<name>.jpg, ImageAnnotation/<cat>/<name>.json (kps),
                PairAnnotation/test/<6-digit>-<src>-<trg>:<cat>.json; a pair is the same item placed twice
                (another box = scale + translation, another background and tint), so its 8 keypoints
                (foreground pixels of the item, farthest-point sampled) correspond exactly.
  davis/        DAVIS 2017 layout: ImageSets/2017/val.txt, JPEGImages/480p/<video>/%05d.jpg,
                Annotations/480p/<video>/%05d.png (indexed PNG, VOC palette, index = object id); an item
                (two in the last video) moving and scaling linearly over a fixed background, 8 frames.
  partimagenet/ PartImageNet layout: val.json (COCO format, parts "<Garment> upper" / "<Garment> lower":
                the item's mask above / below the middle row of its 28x28 box) + val/<wnid>/<wnid>_<k>.JPEG;
                the 10 garments are the super-categories, their folder names stand in for wnids.
JPEGs are written by Pillow at quality 95; masks and keypoints are exact (computed from the geometry,
not from the JPEG).
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
from PIL import Image
from pycocotools import mask as mask_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes as S  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'examples', 'zoo', 'bench')
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SLUG = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot']
SAMPLE = 1000
MANIFEST = dict(note='values computed by make_benchmark.py (numpy), re-measured by packages/datasets/src/zooBench.test.ts', davis={})
KNN = dict(k=20, temperature=0.07, train=[0, 500], test=[500, 1000], feature='CLS token of block 6 output (before the final norm)')


def save_png(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(arr).save(path, format='PNG', optimize=True)


def save_jpeg(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(arr).save(path, format='JPEG', quality=95)


def write_json(path, obj, indent=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=indent)
        f.write('\n')


def rle(mask):
    """Exact mask [H,W] bool -> COCO compressed RLE {size, counts (str)}."""
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=[int(v) for v in r['size']], counts=r['counts'].decode('ascii'))


def bbox(mask):
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


def sample(x, y, pool):
    d = os.path.join(OUT, 'sample')
    gen = torch.Generator().manual_seed(1000)
    img, m, _ = S.scenes(x[:SAMPLE], gen, pool)
    u8 = S.to_u8(img)
    files = []
    for i in range(SAMPLE):
        name = f'{i:04d}.png'
        save_png(os.path.join(d, 'images', name), u8[i])
        save_png(os.path.join(d, 'masks', name), m[i].numpy().astype(np.uint8))
        files.append(name)
    MANIFEST['sample'] = dict(
        maskArea=[int(v) for v in m.sum((1, 2))],
        objectMeanRGB={str(i): [round(float(c), 4) for c in u8[i][m[i].numpy()].mean(0)] for i in (0, 1, 499, 999)},
        backgroundMeanRGB={str(i): [round(float(c), 4) for c in u8[i][~m[i].numpy()].mean(0)] for i in (0, 1, 499, 999)})
    write_json(os.path.join(d, 'labels.json'), dict(
        source='Fashion-MNIST test items 0..999 (Debian dataset-fashion-mnist, t10k-*) as scenes (tools/zoo/scenes.py, seed 1000)',
        classes=S.CLASSES, files=files, labels=[int(v) for v in y[:SAMPLE]],
        masks='masks/<file>: 8-bit gray, 1 = object (exact: the pixels the item paints), 0 = background',
        size=[S.CANVAS, S.CANVAS],
        preprocessing=dict(channels='RGB', scale='1/255', mean=MEAN, std=STD, resize='none (already 64x64)'),
        knnProtocol=KNN), indent=1)


def place_items(n, gen, sizes):
    """n boxes (x0, y0, size) on the canvas, rejection-sampled so that they do not overlap (up to 200 tries)."""
    boxes = []
    for _ in range(200):
        boxes = []
        for _ in range(n):
            s = float(sizes[0] + (sizes[1] - sizes[0]) * torch.rand(1, generator=gen))
            bx = float(torch.rand(1, generator=gen) * (S.CANVAS - s))
            by = float(torch.rand(1, generator=gen) * (S.CANVAS - s))
            boxes.append((bx, by, s))
        ok = all(a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[2] <= b[1] or b[1] + b[2] <= a[1]
                 for i, a in enumerate(boxes) for b in boxes[i + 1:])
        if ok:
            break
    return boxes


def paint(bg, items_u8, boxes, gen):
    """Paint items (in order, later ones on top) on one background [1,3,H,W]; returns (image, visible masks)."""
    img = bg
    full = []
    for it, (bx, by, s) in zip(items_u8, boxes):
        tint, _ = S.draw_tints(1, gen)
        t = torch.as_tensor(it).float().div(255)[None, None]
        img, m = S.composite(img, t, torch.tensor([bx]), torch.tensor([by]), torch.tensor([s]), tint)
        full.append(m[0].numpy())
    visible = []
    for k, m in enumerate(full):
        v = m.copy()
        for later in full[k + 1:]:
            v &= ~later
        visible.append(v)
    return img, visible


def coco(x, y, pool, n_images=100, first_item=1000):
    d = os.path.join(OUT, 'coco')
    gen = torch.Generator().manual_seed(2000)
    images, anns = [], []
    item = first_item
    for i in range(n_images):
        n = 1 + i % 3
        sizes = S.SIZE if n == 1 else (18, 30)
        boxes = place_items(n, gen, sizes)
        bg = S.draw_background(1, gen, pool)
        img, visible = paint(bg, x[item:item + n], boxes, gen)
        iid = i + 1
        name = f'{iid:012d}.jpg'
        save_jpeg(os.path.join(d, 'val2017', name), S.to_u8(img)[0])
        images.append(dict(id=iid, file_name=name, width=S.CANVAS, height=S.CANVAS, license=0))
        for k, v in enumerate(visible):
            if v.sum() == 0:
                continue
            anns.append(dict(id=len(anns) + 1, image_id=iid, category_id=int(y[item + k]) + 1, iscrowd=0,
                             segmentation=rle(v), area=int(v.sum()), bbox=bbox(v)))
        item += n
    cats = [dict(id=c + 1, name=S.CLASSES[c], supercategory='garment' if c not in (5, 7, 9, 8) else ('footwear' if c != 8 else 'accessory'))
            for c in range(10)]
    write_json(os.path.join(d, 'annotations', 'instances_val2017.json'), dict(
        info=dict(description='examples/zoo/bench/coco: Fashion-MNIST test-item scenes (tools/zoo/make_benchmark.py)', version='1'),
        licenses=[], images=images, annotations=anns, categories=cats))
    return item


def farthest_points(mask, k, gen):
    """k foreground pixels of a 28x28 item mask, farthest-point sampled from a seeded start."""
    ys, xs = np.nonzero(mask)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    chosen = [int(torch.randint(len(pts), (1,), generator=gen))]
    dist = np.full(len(pts), np.inf)
    for _ in range(k - 1):
        dist = np.minimum(dist, ((pts - pts[chosen[-1]]) ** 2).sum(1))
        chosen.append(int(dist.argmax()))
    return pts[chosen]


def to_canvas(pts, box):
    """Item pixel centres (28x28 grid) -> canvas coordinates (pixel centres at integers) for a box (x0, y0, size)."""
    bx, by, s = box
    return np.stack([bx + (pts[:, 0] + 0.5) * s / S.ITEM - 0.5, by + (pts[:, 1] + 0.5) * s / S.ITEM - 0.5], 1)


def spair(x, y, pool, first_item, per_class=5, kps=8):
    d = os.path.join(OUT, 'spair')
    gen = torch.Generator().manual_seed(3000)
    index = 1
    item = first_item
    counts = {c: 0 for c in range(10)}
    while min(counts.values()) < per_class:
        c = int(y[item])
        if counts[c] >= per_class:
            item += 1
            continue
        cat = SLUG[c]
        it = x[item]
        # keypoints: foreground pixels of the item whose 3x3 neighbourhood is foreground too (so a point
        # never sits on a one-pixel sliver), farthest-point sampled
        fg = it > 25
        core = fg.copy()
        core[1:-1, 1:-1] &= fg[:-2, 1:-1] & fg[2:, 1:-1] & fg[1:-1, :-2] & fg[1:-1, 2:]
        core[[0, -1], :] = False
        core[:, [0, -1]] = False
        pts = farthest_points(core if core.sum() >= kps else fg, kps, gen)
        names, boxes = [], []
        for side in range(2):
            box = place_items(1, gen, S.SIZE)[0]
            bg = S.draw_background(1, gen, pool)
            img, visible = paint(bg, [it], [box], gen)
            name = f'{item:05d}_{side}'
            save_jpeg(os.path.join(d, 'JPEGImages', cat, f'{name}.jpg'), S.to_u8(img)[0])
            xy = to_canvas(pts, box)
            write_json(os.path.join(d, 'ImageAnnotation', cat, f'{name}.json'), dict(
                filename=f'{name}.jpg', src_database='Fashion-MNIST test', category=cat, image_width=S.CANVAS, image_height=S.CANVAS,
                image_depth=3, bndbox=xyxy(visible[0]), kps={str(j): [round(float(a), 3), round(float(b), 3)] for j, (a, b) in enumerate(xy)},
                box=dict(x0=round(box[0], 4), y0=round(box[1], 4), size=round(box[2], 4)), truncated=0, occluded=0))
            names.append(name)
            boxes.append((box, xy, visible[0]))
        (sb, sxy, sm), (tb, txy, tm) = boxes
        stem = f'{index:06d}-{names[0]}-{names[1]}:{cat}'
        write_json(os.path.join(d, 'PairAnnotation', 'test', f'{stem}.json'), dict(
            pair_id=index, filename=f'{stem}.json', src_imname=f'{names[0]}.jpg', trg_imname=f'{names[1]}.jpg',
            src_imsize=[S.CANVAS, S.CANVAS, 3], trg_imsize=[S.CANVAS, S.CANVAS, 3], src_bndbox=xyxy(sm), trg_bndbox=xyxy(tm),
            category=cat, src_pose='Frontal', trg_pose='Frontal',
            src_kps=[[round(float(a), 3), round(float(b), 3)] for a, b in sxy], trg_kps=[[round(float(a), 3), round(float(b), 3)] for a, b in txy],
            kps_ids=[str(j) for j in range(kps)],
            transform=dict(scale=round(tb[2] / sb[2], 6),
                           translate=[round(tb[2] / sb[2] * (0.5 - sb[0]) + tb[0] - 0.5, 4), round(tb[2] / sb[2] * (0.5 - sb[1]) + tb[1] - 0.5, 4)],
                           meaning='target keypoint = scale * source keypoint + translate (same item, boxes differ by scale + translation)'),
            viewpoint_variation=0, scale_variation=int(min(2, abs(np.log2(tb[2] / sb[2])) * 3)), truncation=0, occlusion=0, mirror=0))
        index += 1
        counts[c] += 1
        item += 1
    return item


def xyxy(mask):
    x, y, w, h = bbox(mask)
    return [x, y, x + w - 1, y + h - 1]


def davis(x, y, pool, first_item, videos=6, frames=8):
    d = os.path.join(OUT, 'davis')
    gen = torch.Generator().manual_seed(4000)
    pal = []
    for i in range(256):  # the DAVIS / PASCAL VOC colour map
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal += [r, g, b]
    names = []
    item = first_item
    for v in range(videos):
        n = 2 if v == videos - 1 else 1
        its = x[item:item + n]
        name = f'{SLUG[int(y[item])]}-{v}'
        names.append(name)
        bg = S.draw_background(1, gen, pool)
        tracks = []
        for k in range(n):
            s0 = float(20 + 10 * torch.rand(1, generator=gen))
            s1 = float(20 + 14 * torch.rand(1, generator=gen))
            a = [float(torch.rand(1, generator=gen) * (S.CANVAS - s0)), float(torch.rand(1, generator=gen) * (S.CANVAS - s0))]
            b = [float(torch.rand(1, generator=gen) * (S.CANVAS - s1)), float(torch.rand(1, generator=gen) * (S.CANVAS - s1))]
            tint, _ = S.draw_tints(1, gen)
            tracks.append((s0, s1, a, b, tint))
        for f in range(frames):
            t = f / (frames - 1)
            img = bg
            label = np.zeros((S.CANVAS, S.CANVAS), np.uint8)
            areas = MANIFEST['davis'].setdefault(name, [])
            for k, (s0, s1, a, b, tint) in enumerate(tracks):
                s = s0 + (s1 - s0) * t
                bx, by = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
                it = torch.as_tensor(its[k]).float().div(255)[None, None]
                img, m = S.composite(img, it, torch.tensor([bx]), torch.tensor([by]), torch.tensor([s]), tint)
                label[m[0].numpy()] = k + 1
            areas.append([int((label == k + 1).sum()) for k in range(n)])
            stem = f'{f:05d}'
            save_jpeg(os.path.join(d, 'JPEGImages', '480p', name, f'{stem}.jpg'), S.to_u8(img)[0])
            p = Image.fromarray(label, mode='P')
            p.putpalette(pal)
            os.makedirs(os.path.join(d, 'Annotations', '480p', name), exist_ok=True)
            p.save(os.path.join(d, 'Annotations', '480p', name, f'{stem}.png'), optimize=True)
        item += n
    os.makedirs(os.path.join(d, 'ImageSets', '2017'), exist_ok=True)
    with open(os.path.join(d, 'ImageSets', '2017', 'val.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return item


def part_imagenet(x, y, pool, first_item, per_class=6):
    d = os.path.join(OUT, 'partimagenet')
    gen = torch.Generator().manual_seed(5000)
    sup = [c.replace('/', '-') for c in S.CLASSES]
    cats = []
    for c in range(10):
        cats.append(dict(id=2 * c, name=f'{sup[c]} upper', supercategory=sup[c]))
        cats.append(dict(id=2 * c + 1, name=f'{sup[c]} lower', supercategory=sup[c]))
    images, anns = [], []
    counts = {c: 0 for c in range(10)}
    item = first_item
    while min(counts.values()) < per_class:
        c = int(y[item])
        if counts[c] >= per_class:
            item += 1
            continue
        counts[c] += 1
        box = place_items(1, gen, S.SIZE)[0]
        bg = S.draw_background(1, gen, pool)
        img, visible = paint(bg, [x[item]], [box], gen)
        m = visible[0]
        # upper part: canvas rows whose centre maps above the middle of the 28x28 item (row 14)
        rows = (np.arange(S.CANVAS) + 0.5 - box[1]) * S.ITEM / box[2]
        upper = m & (rows < S.ITEM / 2)[:, None]
        lower = m & ~(rows < S.ITEM / 2)[:, None]
        wnid = SLUG[c]
        name = f'{wnid}_{counts[c]}.JPEG'
        save_jpeg(os.path.join(d, 'val', wnid, name), S.to_u8(img)[0])
        iid = len(images) + 1
        images.append(dict(id=iid, file_name=f'{wnid}/{name}', width=S.CANVAS, height=S.CANVAS))
        for part, pm in ((0, upper), (1, lower)):
            if pm.sum():
                anns.append(dict(id=len(anns) + 1, image_id=iid, category_id=2 * c + part, iscrowd=0, segmentation=rle(pm),
                                 area=int(pm.sum()), bbox=bbox(pm)))
        item += 1
    write_json(os.path.join(d, 'val.json'), dict(images=images, annotations=anns, categories=cats))
    return item


def main():
    x, y = S.load_split('t10k')
    pool = x  # background fragments: test items too
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    torch.manual_seed(0)
    sample(x, y, pool)
    nxt = coco(x, y, pool)
    nxt = spair(x, y, pool, nxt)
    nxt = davis(x, y, pool, nxt)
    nxt = part_imagenet(x, y, pool, nxt)
    MANIFEST['testItems'] = [0, nxt]
    write_json(os.path.join(OUT, 'manifest.json'), MANIFEST)
    print(f'wrote {OUT}; test items used: 0..{nxt - 1}')


if __name__ == '__main__':
    main()
