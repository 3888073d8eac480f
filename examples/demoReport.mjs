// The report at the end of `npm run demo`: turns the demo's results (examples/demo.mjs writes
// <out>/results.json and the .npy arrays) into the @vit/report input, adds what the report
// shows beyond the demo's numbers — within-model CKA, per-layer PCA of the patch tokens and the
// attention of a few example images for the interactive viewer — and renders
// <out>/report/index.html. The report input itself is written to <out>/study/ (results.json +
// arrays), so `vit report <out>/study` re-renders it without running any model.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, readNpy, tensor } from '@vit/io';
import { ViTSession } from '@vit/runtime';
import { cka, PCAAccumulator, pcaProject } from '@vit/features';
import { renderReport, writeResults } from '@vit/report';

const CLASSES = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];
const root = fileURLToPath(new URL('../', import.meta.url));
const json = async (p) => JSON.parse(await readFile(p, 'utf8'));
const f32 = (v) => tensor(Float32Array.from(v, (x) => (x === null ? NaN : x)), [v.length]);

/** Images used for CKA and the PCA fit, and the example images of the viewer (one per class). */
const FIT_IMAGES = 256;

/**
 * @param out the demo's output folder (holds results.json)
 * @param o `{ zoo, models, backend }`: the zoo folder, model names, numeric backend
 * @returns renderReport's result plus `study` (the folder of the report input)
 */
export async function renderDemoReport(out, { zoo, models, backend }) {
  const started = performance.now();
  const demo = await json(join(out, 'results.json'));
  const sample = await json(join(zoo, 'sample', 'labels.json'));
  const labels = sample.labels;
  const examples = [0, 1, 2].map((c) => labels.findIndex((l) => l === [0, 7, 8][c])); // T-shirt, sneaker, bag
  const inputs = sample.files.slice(0, FIT_IMAGES).map((f, i) => ({ path: join(zoo, 'sample', 'images', f), id: String(i), label: labels[i] }));
  const exampleImages = await Promise.all(examples.map((i) => readImage(join(zoo, 'sample', 'images', sample.files[i]))));
  const result = [];
  for (const name of models) {
    const m = demo.models.find((x) => x.name === name);
    const card = await json(join(zoo, `${name}.json`));
    const { layers: L, heads: H, dim, grid, prefixTokens: P } = m.summary;
    const [gh, gw] = grid;
    const T = P + gh * gw;
    const npy = async (f) => (await readNpy(join(out, name, f))).tensor;
    const index = new Float32Array(L * H);
    for (const h of m.heads) index[(h.layer - 1) * H + h.head] = CLASSES.indexOf(h.class);
    const per = (k) => f32(m.perLayer.map((r) => r[k]));

    // One pass over FIT_IMAGES images: CLS features (within-model CKA), PCA of patch tokens per
    // layer, and the example images' attention and tokens.
    const session = await ViTSession.create(join(zoo, `${name}.onnx`), { taps: ['attention', 'block'], batchSize: 64, preset: 'imagenet' });
    const pcas = Array.from({ length: L }, (_, l) => new PCAAccumulator({ k: 3, layer: l + 1, tokens: 'spatial', backend }));
    const cls = Array.from({ length: L }, () => new Float32Array(FIT_IMAGES * dim));
    const exAtt = examples.map(() => new Float32Array(L * H * T * T));
    const exTok = examples.map(() => Array.from({ length: L }, () => new Float32Array(gh * gw * dim)));
    try {
      for await (const cap of session.stream(inputs)) {
        for (const acc of pcas) await acc.updateAsync(cap);
        cap.meta.indices.forEach((i, b) => {
          for (let l = 0; l < L; l++) {
            const blk = cap.taps.block[l];
            const o = blk.offset + b * T * dim;
            cls[l].set(blk.data.subarray(o, o + dim), i * dim);
            const e = examples.indexOf(i);
            if (e >= 0) {
              exTok[e][l].set(blk.data.subarray(o + P * dim, o + T * dim));
              const a = cap.taps.attention[l];
              exAtt[e].set(a.data.subarray(a.offset + b * H * T * T, a.offset + (b + 1) * H * T * T), l * H * T * T);
            }
          }
        });
      }
    } finally {
      await session.close();
    }
    const feats = cls.map((d) => tensor(d, [FIT_IMAGES, dim]));
    const ckaM = new Float32Array(L * L);
    for (let a = 0; a < L; a++) {
      for (let b = a; b < L; b++) {
        const v = a === b ? 1 : await cka(feats[a], feats[b], { backend, onUndefined: 'nan' });
        ckaM[a * L + b] = v;
        ckaM[b * L + a] = v;
      }
    }
    const fitted = pcas.map((p) => p.result());
    const ex = [];
    for (let e = 0; e < examples.length; e++) {
      const comps = new Float32Array(L * gh * gw * 3);
      for (let l = 0; l < L; l++) comps.set((await pcaProject(tensor(exTok[e][l], [gh * gw, dim]), fitted[l], { backend })).data, l * gh * gw * 3);
      ex.push({ id: `${sample.files[examples[e]]} (${sample.classes[labels[examples[e]]]})`, image: exampleImages[e], attention: tensor(exAtt[e], [L, H, T, T]), pca: tensor(comps, [L, gh, gw, 3]) });
    }
    result.push({
      name,
      method: card.method ?? name,
      layers: L,
      heads: H,
      grid: [gh, gw],
      prefix: P,
      dim,
      source: `examples/zoo/${name}.onnx`,
      attention: {
        clsMaps: await npy('cls-maps.npy'),
        aaam: await npy('aaam.npy'),
        distance: await npy('attention-distance.npy'),
        saliency: { oracle: per('saliencyIoU') },
        taxonomy: { classes: CLASSES, index: tensor(index, [L, H]) },
      },
      features: {
        cka: tensor(ckaM, [L, L]),
        clustering: { cls: { purity: per('purity'), nmi: per('nmi'), ari: per('ari'), k: sample.classes.length } },
      },
      tasks: { knn: { top1: per('knnTop1'), k: sample.knnProtocol.k, dataset: 'zoo sample' } },
      examples: ex,
    });
  }
  const version = async (p) => (await json(join(root, p))).version;
  const input = {
    schemaVersion: 1,
    title: 'Teaching Matters in miniature: the zoo study',
    models: result,
    across: { lastLayerCKA: { models: demo.lastLayerCKA.models, matrix: (await readNpy(join(out, demo.lastLayerCKA.file))).tensor, tokens: 'cls' } },
    provenance: {
      versions: {
        '@vit/report': await version('packages/report/package.json'),
        '@vit/runtime': await version('packages/runtime/package.json'),
        'onnxruntime-node': await version('node_modules/onnxruntime-node/package.json'),
        node: process.version,
      },
      datasets: [
        { name: 'zoo sample (Fashion-MNIST test scenes)', root: 'examples/zoo/sample', split: 'test', images: demo.sample.images, analyses: ['attention', 'saliency', 'clustering', 'k-NN', 'last-layer CKA'] },
        { name: 'zoo sample, first images', root: 'examples/zoo/sample', split: 'test', images: FIT_IMAGES, analyses: ['within-model CKA', 'PCA of patch tokens', 'viewer examples'] },
      ],
      timings: { 'demo analyses (all models)': demo.seconds, 'report extras + rendering': 0 },
      skipped: [],
      finishedAt: new Date().toISOString(),
      command: 'npm run demo',
    },
  };
  const study = join(out, 'study');
  input.provenance.timings['report extras + rendering'] = (performance.now() - started) / 1000;
  await writeResults(input, study);
  const report = await renderReport(input, join(out, 'report'));
  return { ...report, study };
}
