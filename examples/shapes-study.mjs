// A small study on a synthetic COCO-layout dataset (`node examples/shapes-study.mjs [outDir]`
// after a build): the datasets → runtime → analyses chain on a real on-disk format.
//
// 1. writes a small object dataset in COCO's on-disk layout (PNG images + instances JSON with
//    polygon masks), then reads it back with @vit/datasets like any COCO folder;
// 2. builds two ViTs as ONNX with @vit/runtime's builder, with seeded RANDOM weights (the
//    trained models are in examples/zoo; see examples/study.json), so the numbers show the
//    pipeline, not a trained model's behaviour;
// 3. streams the images through each model (decode + preprocess in worker threads, inference
//    in its own worker) and feeds every capture to mergeable accumulators: the attention suite
//    (CLS maps, AAAM, attention distance, saliency IoU against the COCO masks), per-layer CLS
//    features, and minibatch CKA within and between the models;
// 4. per layer: k-means purity/NMI/ARI and k-NN accuracy; the head taxonomy;
// 5. writes shapes-output/results.json plus the .npy arrays behind it (numpy.load reads them).
//
// Output folder: argv[2] or ./shapes-output.
import { mkdir, mkdtemp, rm, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { atomicWrite, tensor, writeNpy, writePng } from '@vit/io';
import { buildViT, ortBackend, ViTSession, inspectModel } from '@vit/runtime';
import { coco } from '@vit/datasets';
import { AttentionSuiteAccumulator, classifyHeads, describeHeads, attentionOffset } from '@vit/attention';
import { FeatureCollector, MinibatchCKA, clusterMetrics } from '@vit/features';
import { knnPerLayer } from '@vit/tasks';

const SIZE = 64; // image and model input size
const PATCH = 8; // → 8×8 token grid
const CLASSES = ['disc', 'square', 'triangle', 'cross'];
const PER_CLASS = 24;
const out = resolve(process.argv[2] ?? 'shapes-output');

/** A seeded PRNG (mulberry32), so the dataset is the same on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polygon of one object (COCO's flat [x0,y0,x1,y1,…]) in pixel coordinates. */
function shapePolygon(kind, cx, cy, r) {
  if (kind === 'disc') {
    const p = [];
    for (let i = 0; i < 24; i++) p.push(cx + r * Math.cos((2 * Math.PI * i) / 24), cy + r * Math.sin((2 * Math.PI * i) / 24));
    return p;
  }
  if (kind === 'square') return [cx - r, cy - r, cx + r, cy - r, cx + r, cy + r, cx - r, cy + r];
  if (kind === 'triangle') return [cx, cy - r, cx + r, cy + r, cx - r, cy + r];
  const w = r / 3; // cross
  return [cx - w, cy - r, cx + w, cy - r, cx + w, cy - w, cx + r, cy - w, cx + r, cy + w, cx + w, cy + w, cx + w, cy + r,
    cx - w, cy + r, cx - w, cy + w, cx - r, cy + w, cx - r, cy - w, cx - w, cy - w];
}

/** Even-odd point-in-polygon test at pixel centres: the mask we paint the object with. */
function rasterise(poly, h, w) {
  const m = new Uint8Array(h * w);
  const n = poly.length / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const [xi, yi, xj, yj] = [poly[2 * i], poly[2 * i + 1], poly[2 * j], poly[2 * j + 1]];
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
      }
      m[y * w + x] = inside ? 1 : 0;
    }
  }
  return m;
}

/** Writes the dataset in COCO's layout: annotations/instances_val2017.json and val2017/<id>.png. */
async function writeShapesCoco(root) {
  const rand = rng(2023);
  await mkdir(join(root, 'annotations'), { recursive: true });
  await mkdir(join(root, 'val2017'), { recursive: true });
  const images = [];
  const annotations = [];
  let id = 0;
  for (let c = 0; c < CLASSES.length; c++) {
    for (let k = 0; k < PER_CLASS; k++) {
      id += 1;
      const r = 9 + rand() * 10;
      const cx = r + 2 + rand() * (SIZE - 2 * r - 4);
      const cy = r + 2 + rand() * (SIZE - 2 * r - 4);
      const poly = shapePolygon(CLASSES[c], cx, cy, r);
      const mask = rasterise(poly, SIZE, SIZE);
      const px = new Uint8Array(SIZE * SIZE * 3);
      const colour = [80 + rand() * 175, 80 + rand() * 175, 80 + rand() * 175];
      for (let i = 0; i < SIZE * SIZE; i++) {
        for (let ch = 0; ch < 3; ch++) {
          const noise = rand() * 60;
          px[i * 3 + ch] = mask[i] ? Math.min(255, colour[ch] + noise / 2) : 20 + noise;
        }
      }
      const file = `${String(id).padStart(12, '0')}.png`;
      await writePng(join(root, 'val2017', file), tensor(px, [SIZE, SIZE, 3]));
      images.push({ id, file_name: file, width: SIZE, height: SIZE });
      let area = 0;
      for (const v of mask) area += v;
      annotations.push({ id: 1000 + id, image_id: id, category_id: c + 1, iscrowd: 0, segmentation: [poly], area, bbox: [cx - r, cy - r, 2 * r, 2 * r] });
    }
  }
  const categories = CLASSES.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' }));
  await atomicWrite(join(root, 'annotations', 'instances_val2017.json'), JSON.stringify({ images, annotations, categories }));
}

/** Token-level ground truth [gh,gw]: a token is foreground when any of its pixels is (SPEC 5). */
function tokenMask(mask, h, w, gh, gw) {
  const t = new Uint8Array(gh * gw);
  const ph = h / gh;
  const pw = w / gw;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) t[Math.floor(y / ph) * gw + Math.floor(x / pw)] = 1;
  return t;
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

async function main() {
  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'vit-demo-'));
  const staging = `${out}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    // 1. The dataset, written and read back in COCO's format.
    await writeShapesCoco(join(work, 'coco'));
    const ds = await coco(join(work, 'coco'), { limit: CLASSES.length * PER_CLASS });
    const samples = [...ds.samples];
    console.log(`dataset: ${samples.length} images in COCO layout (${CLASSES.join(', ')}), ${SIZE}×${SIZE}`);
    const gtById = new Map();
    const labelById = new Map();
    for (const s of samples) {
      const { masks } = s.instanceMasks(); // [N,H,W], decoded from the COCO polygons
      const union = new Uint8Array(SIZE * SIZE);
      for (let i = 0; i < masks.data.length; i++) union[i % union.length] |= masks.data[i];
      gtById.set(String(s.id), tokenMask(union, SIZE, SIZE, SIZE / PATCH, SIZE / PATCH));
      labelById.set(String(s.id), s.annotations[0].categoryId - 1);
    }

    // 2. Two models from the builder (random weights until the trained zoo lands).
    const models = [
      { name: 'random-vit (CLS)', config: { imageSize: SIZE, patchSize: PATCH, dim: 96, depth: 6, heads: 4 }, seed: 0 },
      { name: 'random-vit (CLS + 4 registers)', config: { imageSize: SIZE, patchSize: PATCH, dim: 96, depth: 6, heads: 4, registers: 4 }, seed: 1 },
    ];
    const backend = ortBackend();
    const results = { dataset: { images: samples.length, classes: CLASSES }, models: [], cka: {} };
    const blocksByModel = [];
    const crossCKA = new MinibatchCKA({ tokens: 'cls', batchSize: 8 });
    for (const [mi, m] of models.entries()) {
      const onnx = buildViT(m.config, undefined, { seed: m.seed, taps: ['attention', 'block'] });
      const info = await inspectModel(onnx);
      console.log(`\nmodel ${m.name}: ${info.layers} layers, ${info.heads} heads, dim ${info.dim}, grid ${info.grid.join('×')}, prefix ${info.prefixTokens}`);
      const session = await ViTSession.create(onnx, { taps: ['attention', 'block'], batchSize: 16, preset: 'imagenet' });
      const suite = new AttentionSuiteAccumulator({ saliency: { source: 'cls' } });
      const collector = new FeatureCollector({ tokens: 'cls' }); // the prefix comes from each Capture's grid
      const withinCKA = new MinibatchCKA({ tokens: 'cls', batchSize: 8 });
      const blocks = [];
      try {
        const stream = session.stream(samples.map((s) => ({ path: s.path, id: String(s.id), label: labelById.get(String(s.id)) })));
        for await (const cap of stream) {
          const { gh, gw } = cap.grid;
          const gtData = new Uint8Array(cap.meta.batch * gh * gw);
          cap.meta.ids.forEach((id, b) => gtData.set(gtById.get(id), b * gh * gw));
          suite.update({ ...cap, masks: tensor(gtData, [cap.meta.batch, gh, gw]) });
          collector.update(cap); // block taps + cap.meta.labels
          withinCKA.update(cap);
          blocks.push(cap.taps.block);
        }
        if (stream.skipped.length) console.log(`skipped ${stream.skipped.length} images`);
      } finally {
        await session.close();
      }
      blocksByModel[mi] = blocks;

      // 3. Attention: the suite's results and the head taxonomy.
      const att = suite.result();
      const taxonomy = classifyHeads(att.aaam.aaam, att.distance.perHead);
      const summary = describeHeads(taxonomy, { model: m.name });
      const dir = join(staging, `model-${mi + 1}`);
      await mkdir(dir, { recursive: true });
      await writeNpy(join(dir, 'cls-maps.npy'), att.cls.maps);
      await writeNpy(join(dir, 'aaam.npy'), att.aaam.aaam);
      await writeNpy(join(dir, 'attention-distance.npy'), att.distance.perHead);
      const layerWithin = withinCKA.result();
      await writeNpy(join(dir, 'cka-layers.npy'), layerWithin);

      // 4. Features and tasks per layer: k-means clustering vs the shape labels, and k-NN
      //    (first half of each class to train, second half to test).
      const { features, labels } = collector.result();
      const trainIdx = [];
      const testIdx = [];
      const seenPerClass = new Map();
      labels.forEach((l, i) => {
        const k = seenPerClass.get(l) ?? 0;
        seenPerClass.set(l, k + 1);
        (k < PER_CLASS / 2 ? trainIdx : testIdx).push(i);
      });
      const pick = (t, idx) => {
        const d = t.shape[1];
        const data = new Float32Array(idx.length * d);
        idx.forEach((r, i) => data.set(t.data.subarray(t.offset + r * d, t.offset + (r + 1) * d), i * d));
        return tensor(data, [idx.length, d]);
      };
      const knn = await knnPerLayer(features.map((f) => pick(f, trainIdx)), trainIdx.map((i) => labels[i]), features.map((f) => pick(f, testIdx)), {
        k: 10,
        numClasses: CLASSES.length,
        testLabels: testIdx.map((i) => labels[i]),
        backend,
      });
      const perLayer = [];
      for (let l = 0; l < features.length; l++) {
        const cm = await clusterMetrics(features[l], labels, { k: CLASSES.length, seed: 0, nInit: 4 });
        perLayer.push({
          layer: l + 1,
          distance: att.distance.perLayer.get(l),
          saliencyOracle: att.saliency.oracle.get(l),
          purity: cm.purity,
          nmi: cm.nmi,
          ari: cm.ari,
          knnTop1: knn.top1.data[l], // [L, 1]: one k
        });
      }
      console.log('layer  distance  saliencyIoU(oracle)  purity   NMI     ARI     kNN top-1');
      for (const r of perLayer) {
        console.log(`${String(r.layer).padStart(5)}  ${fmt(r.distance).padStart(8)}  ${fmt(r.saliencyOracle).padStart(19)}  ${fmt(r.purity)}  ${fmt(r.nmi).padStart(6)}  ${fmt(r.ari).padStart(6)}  ${fmt(r.knnTop1)}`);
      }
      console.log(summary.lines.join('\n'));
      const offsets = attentionOffset(att.aaam.aaam.pick(0, null, null, null)); // { dx, dy, offset, offsetNormalized }: [H] tensors
      results.models.push({
        name: m.name,
        weights: 'random (seeded)',
        config: m.config,
        summary: { layers: info.layers, heads: info.heads, dim: info.dim, grid: info.grid, prefixTokens: info.prefixTokens },
        perLayer,
        heads: taxonomy.map(({ layer, head, class: cls, offset }) => ({ layer, head, class: cls, offset })),
        headSummary: summary,
        layer1Offsets: Object.fromEntries(Object.entries(offsets).map(([k, t]) => [k, Array.from(t.data)])),
        files: ['cls-maps.npy', 'aaam.npy', 'attention-distance.npy', 'cka-layers.npy'].map((f) => `model-${mi + 1}/${f}`),
      });
    }

    // CKA between the two models, layer × layer, on the CLS token of the same images.
    for (let b = 0; b < blocksByModel[0].length; b++) crossCKA.update(blocksByModel[0][b], blocksByModel[1][b]);
    const between = crossCKA.result();
    await writeNpy(join(staging, 'cka-between-models.npy'), between);
    const L = between.shape[0];
    const diag = Array.from({ length: L }, (_, l) => between.data[l * between.shape[1] + l]);
    console.log(`\nCKA between the two models, same layer: ${diag.map(fmt).join(' ')}`);
    results.cka = { betweenModels: 'cka-between-models.npy', sameLayer: diag };
    results.seconds = (performance.now() - started) / 1000;

    await atomicWrite(join(staging, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await rm(out, { recursive: true, force: true });
    await rename(staging, out); // the output folder appears whole or not at all
    console.log(`\nwrote ${out}/results.json and the .npy arrays behind it in ${results.seconds.toFixed(1)} s`);
    await backend.dispose?.();
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`shapes-study: ${err?.message ?? err}`);
  process.exitCode = 1;
});
