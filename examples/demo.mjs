// The end-to-end demo (`npm run demo`): the miniature Teaching-Matters study, offline.
//
// The seven ViTs of examples/zoo (one per kind of supervision in the paper, plus an untrained
// one; trained on Fashion-MNIST by tools/zoo/train_zoo.py) are run over the shipped sample of
// 1,000 test images. Every capture feeds mergeable accumulators, and per model and layer the
// demo reports:
//   How  — attention distance, saliency IoU against the foreground masks (oracle head), the
//          head taxonomy (which layers hold offset-local, local and global heads);
//   What — k-means (k = 10) purity / NMI / ARI of the CLS token against the labels, and the
//          last-layer CKA between every pair of models;
//   Why  — k-NN accuracy (k = 20, T = 0.07; train = images 0–499, test = 500–999) per layer,
//          and the best layer of each model.
// It writes <out>/results.json plus the .npy arrays behind it (CLS maps, AAAM, distances, CKA)
// into a staging folder renamed into place at the end, so a crash never leaves a result that
// looks whole. Output folder: argv[2] or ./demo-output.
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atomicWrite, readLabelPng, tensor, writeNpy } from '@vit/io';
import { ortBackend, ViTSession, inspectModel } from '@vit/runtime';
import { AttentionSuiteAccumulator, classifyHeads, describeHeads } from '@vit/attention';
import { FeatureCollector, cka, clusterMetrics } from '@vit/features';
import { knnPerLayer } from '@vit/tasks';

const zoo = fileURLToPath(new URL('./zoo/', import.meta.url));
const out = resolve(process.argv[2] ?? 'demo-output');
const MODELS = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random'];

/** Token-level ground truth: a token is foreground when any of its pixels is (SPEC 5). */
function tokenMask(mask, gh, gw) {
  const [h, w] = mask.shape;
  const t = new Uint8Array(gh * gw);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask.data[mask.offset + y * w + x]) t[Math.floor((y * gh) / h) * gw + Math.floor((x * gw) / w)] = 1;
    }
  }
  return t;
}

/** Rows `[from, to)` of an `[N,D]` tensor, as a view. */
const rows = (t, from, to) => tensor(t.data.subarray(t.offset + from * t.shape[1], t.offset + to * t.shape[1]), [to - from, t.shape[1]]);

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '  –  ');

async function main() {
  const started = performance.now();
  const sample = JSON.parse(await readFile(join(zoo, 'sample', 'labels.json'), 'utf8'));
  const protocol = sample.knnProtocol;
  const n = sample.files.length;
  console.log(`sample: ${n} Fashion-MNIST test images, ${sample.classes.length} classes; models: ${MODELS.join(', ')}`);

  const staging = `${out}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const backend = ortBackend();
  try {
    const inputs = sample.files.map((f, i) => ({ path: join(zoo, 'sample', 'images', f), id: String(i), label: sample.labels[i] }));
    const masks = await Promise.all(sample.files.map((f) => readLabelPng(join(zoo, 'sample', 'masks', f))));
    const results = { sample: { images: n, classes: sample.classes, knnProtocol: protocol }, models: [], lastLayerCKA: null };
    const lastCls = [];

    for (const name of MODELS) {
      const card = JSON.parse(await readFile(join(zoo, `${name}.json`), 'utf8'));
      const modelPath = join(zoo, `${name}.onnx`);
      const info = await inspectModel(modelPath);
      const { grid } = info;
      const gt = masks.map((m) => tokenMask(m, grid[0], grid[1]));
      const session = await ViTSession.create(modelPath, { taps: ['attention', 'block'], batchSize: 100, preset: 'imagenet' });
      const suite = new AttentionSuiteAccumulator({ saliency: { source: 'cls' } });
      const collector = new FeatureCollector({ tokens: 'cls' }); // the prefix comes from each Capture's grid
      try {
        const stream = session.stream(inputs);
        for await (const cap of stream) {
          const { gh, gw } = cap.grid;
          const g = new Uint8Array(cap.meta.batch * gh * gw);
          cap.meta.indices.forEach((i, b) => g.set(gt[i], b * gh * gw));
          suite.update({ ...cap, masks: tensor(g, [cap.meta.batch, gh, gw]) });
          collector.update(cap); // block taps + cap.meta.labels
        }
        if (stream.skipped.length) throw new Error(`${stream.skipped.length} sample images could not be decoded`);
      } finally {
        await session.close();
      }

      const att = suite.result();
      const heads = classifyHeads(att.aaam.aaam, att.distance.perHead);
      const headSummary = describeHeads(heads, { model: name });
      const { features, labels } = collector.result();
      const [tr0, tr1] = protocol.train;
      const [te0, te1] = protocol.test;
      const knn = await knnPerLayer(
        features.map((f) => rows(f, tr0, tr1)),
        labels.subarray(tr0, tr1),
        features.map((f) => rows(f, te0, te1)),
        { k: protocol.k, temperature: protocol.temperature, numClasses: sample.classes.length, testLabels: labels.subarray(te0, te1), backend },
      );
      const perLayer = [];
      for (let l = 0; l < features.length; l++) {
        const cm = await clusterMetrics(features[l], labels, { k: sample.classes.length, seed: 0 });
        perLayer.push({
          layer: l + 1,
          attentionDistance: att.distance.perLayer.get(l),
          saliencyIoU: att.saliency.oracle.get(l),
          purity: cm.purity,
          nmi: cm.nmi,
          ari: cm.ari,
          knnTop1: knn[l].results[0].top1,
        });
      }
      const best = perLayer.reduce((a, b) => (b.knnTop1 > a.knnTop1 ? b : a));
      lastCls.push(features[features.length - 1]);

      const dir = join(staging, name);
      await mkdir(dir, { recursive: true });
      await writeNpy(join(dir, 'cls-maps.npy'), att.cls.maps);
      await writeNpy(join(dir, 'aaam.npy'), att.aaam.aaam);
      await writeNpy(join(dir, 'attention-distance.npy'), att.distance.perHead);

      console.log(`\n${name} (${card.method ?? name}; card k-NN ${fmt(card.knnSample?.top1 ?? card.knnSample?.accuracy)})`);
      console.log('layer  att.dist  saliencyIoU  purity    NMI     ARI   kNN top-1');
      for (const r of perLayer) {
        console.log(
          `${String(r.layer).padStart(5)}  ${fmt(r.attentionDistance).padStart(8)}  ${fmt(r.saliencyIoU).padStart(11)}  ${fmt(r.purity).padStart(6)}  ${fmt(r.nmi).padStart(6)}  ${fmt(r.ari).padStart(6)}  ${fmt(r.knnTop1).padStart(9)}`,
        );
      }
      for (const line of headSummary.lines) console.log(`  ${line}`);
      results.models.push({
        name,
        card: `examples/zoo/${name}.json`,
        summary: { layers: info.layers, heads: info.heads, dim: info.dim, grid: info.grid, prefixTokens: info.prefixTokens },
        perLayer,
        bestLayer: { layer: best.layer, knnTop1: best.knnTop1 },
        heads: heads.map(({ layer, head, class: cls, offset }) => ({ layer, head, class: cls, offset })),
        headSummary,
        files: ['cls-maps.npy', 'aaam.npy', 'attention-distance.npy'].map((f) => `${name}/${f}`),
      });
    }

    // What: last-layer CLS features compared across models with linear CKA (SPEC 8, full batch).
    const M = MODELS.length;
    const matrix = new Float32Array(M * M);
    for (let i = 0; i < M; i++) {
      for (let j = i; j < M; j++) {
        const v = i === j ? 1 : await cka(lastCls[i], lastCls[j], { backend });
        matrix[i * M + j] = v;
        matrix[j * M + i] = v;
      }
    }
    await writeNpy(join(staging, 'last-layer-cka.npy'), tensor(matrix, [M, M]));
    results.lastLayerCKA = { models: MODELS, file: 'last-layer-cka.npy' };
    console.log('\nlast-layer CKA (CLS token)');
    console.log(`        ${MODELS.map((m) => m.padStart(7)).join('')}`);
    for (let i = 0; i < M; i++) console.log(`${MODELS[i].padEnd(8)}${Array.from(matrix.subarray(i * M, (i + 1) * M), (v) => fmt(v, 2).padStart(7)).join('')}`);

    console.log('\nbest layer for k-NN');
    for (const m of results.models) console.log(`  ${m.name.padEnd(7)} layer ${m.bestLayer.layer}  top-1 ${fmt(m.bestLayer.knnTop1)}`);

    results.seconds = (performance.now() - started) / 1000;
    await atomicWrite(join(staging, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await rm(out, { recursive: true, force: true });
    await rename(staging, out);
    console.log(`\nwrote ${out}/results.json and the .npy arrays behind it in ${results.seconds.toFixed(1)} s`);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await backend.dispose?.();
  }
}

main().catch((err) => {
  console.error(`demo: ${err?.message ?? err}`);
  process.exitCode = 1;
});
