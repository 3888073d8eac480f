// A tiny real study for the report's tests: two seeded ViTs built by @vit/runtime, run over
// synthetic images, analysed by @vit/attention, @vit/features and @vit/tasks, then put into
// the ReportInput shape (test-only dependencies; the report itself imports only @vit/io).
import { tensor, type Tensor } from '@vit/io';
import { buildViT, ViTSession } from '@vit/runtime';
import { AttentionSuiteAccumulator, classifyHeads } from '@vit/attention';
import { cka, pca } from '@vit/features';
import { knnPerLayer } from '@vit/tasks';
import type { ModelResults, ReportInput } from '../src/types.js';

const CLASSES = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];
const S = 16;
const P = 4;
const G = S / P;
const N = 16;

/** Seeded images: class c has a bright square in quadrant c (the foreground mask). */
function images(): { pixels: Tensor; rgb: Tensor<Uint8Array>[]; labels: number[]; gt: Tensor<Uint8Array> } {
  const px = new Float32Array(N * 3 * S * S);
  const rgb: Tensor<Uint8Array>[] = [];
  const gt = new Uint8Array(N * G * G);
  const labels: number[] = [];
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let n = 0; n < N; n++) {
    const c = n % 4;
    labels.push(c);
    const img = new Uint8Array(S * S * 3);
    const oy = c < 2 ? 0 : S / 2;
    const ox = c % 2 ? S / 2 : 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const fg = y >= oy && y < oy + S / 2 && x >= ox && x < ox + S / 2;
        for (let k = 0; k < 3; k++) {
          const v = fg ? 200 + 40 * rnd() : 40 * rnd();
          img[(y * S + x) * 3 + k] = v;
          px[((n * 3 + k) * S + y) * S + x] = v / 255 - 0.5;
        }
        if (fg) gt[n * G * G + Math.floor(y / P) * G + Math.floor(x / P)] = 1;
      }
    }
    rgb.push(tensor(img, [S, S, 3]));
  }
  return { pixels: tensor(px, [N, 3, S, S]), rgb, labels, gt: tensor(gt, [N, G, G]) };
}

const rowsOf = (t: Tensor, from: number, to: number) => tensor(t.data.slice(from * t.shape[1], to * t.shape[1]), [to - from, t.shape[1]]);

/** Runs the tiny study and returns its ReportInput. */
export async function tinyStudy(): Promise<ReportInput> {
  const data = images();
  const models: ModelResults[] = [];
  const lastCls: Tensor[] = [];
  const started = performance.now();
  for (const [name, method, seed] of [['tiny-dino', 'dino', 1], ['tiny-mae', 'mae', 2]] as const) {
    const L = 3;
    const H = 2;
    const onnx = buildViT({ imageSize: S, patchSize: P, dim: 16, depth: L, heads: H }, undefined, { seed });
    const session = await ViTSession.create(onnx, { taps: ['attention', 'block'] });
    let cap;
    try {
      cap = await session.run(data.pixels);
    } finally {
      await session.close();
    }
    const att = cap.taps.attention!;
    const block = cap.taps.block!;
    const suite = new AttentionSuiteAccumulator({ saliency: { source: 'cls' } });
    suite.update({ attention: att, grid: cap.grid, masks: data.gt });
    const r = suite.result();
    const heads = classifyHeads(r.aaam!.aaam, r.distance!.perHead);
    const index = new Float32Array(L * H);
    for (const h of heads) index[(h.layer - 1) * H + h.head] = CLASSES.indexOf(h.class);
    // CLS features per layer, k-NN: train = first 12 images, test = last 4
    const cls = block.map((b) => {
      const D = b.shape[2];
      const T = b.shape[1];
      const out = new Float32Array(N * D);
      for (let n = 0; n < N; n++) out.set(b.data.subarray(n * T * D, n * T * D + D), n * D);
      return tensor(out, [N, D]);
    });
    lastCls.push(cls[L - 1]);
    const knn = await knnPerLayer(cls.map((f) => rowsOf(f, 0, 12)), data.labels.slice(0, 12), cls.map((f) => rowsOf(f, 12, 16)), { k: 3, numClasses: 4, testLabels: data.labels.slice(12) });
    // example image 0: its attention [L,H,T,T] and per-layer PCA of its patch tokens → [L,G,G,3]
    const T = att[0].shape[2];
    const exAtt = new Float32Array(L * H * T * T);
    att.forEach((a, l) => exAtt.set(a.data.subarray(0, H * T * T), l * H * T * T));
    const pcaOut = new Float32Array(L * G * G * 3);
    for (let l = 0; l < L; l++) {
      const D = block[l].shape[2];
      const tokens = tensor(block[l].data.slice(1 * D, T * D), [T - 1, D]);
      pcaOut.set((await pca(tokens, { k: 3 })).projected.data, l * G * G * 3);
    }
    const ckaMatrix = new Float32Array(L * L);
    for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) ckaMatrix[a * L + b] = await cka(cls[a], cls[b]);
    models.push({
      name,
      method,
      layers: L,
      heads: H,
      grid: [G, G],
      prefix: 1,
      dim: 16,
      source: `buildViT seed ${seed}`,
      attention: {
        clsMaps: r.cls!.maps,
        aaam: r.aaam!.aaam,
        distance: r.distance!.perHead,
        saliency: { layers: r.saliency!.layers, oracle: r.saliency!.oracle, fixed: r.saliency!.fixed, merged: r.saliency!.merged, perHead: r.saliency!.perHead },
        taxonomy: { classes: CLASSES, index: tensor(index, [L, H]) },
      },
      features: { cka: tensor(ckaMatrix, [L, L]) },
      tasks: { knn: { top1: tensor(Float32Array.from(knn.layers, (_, l) => knn.top1.data[l * knn.k.length]), [L]), k: 3 } },
      examples: [{ id: 'image-0', image: data.rgb[0], attention: tensor(exAtt, [L, H, T, T]), pca: tensor(pcaOut, [L, G, G, 3]) }],
    });
  }
  const v = await cka(lastCls[0], lastCls[1]);
  return {
    schemaVersion: 1,
    title: 'Tiny study',
    models,
    across: { lastLayerCKA: { models: models.map((m) => m.name), matrix: tensor(Float32Array.from([1, v, v, 1]), [2, 2]), tokens: 'cls' } },
    provenance: {
      versions: { node: process.version },
      datasets: [{ name: 'synthetic quadrants', images: N, split: 'all', analyses: ['attention', 'saliency', 'knn', 'cka', 'pca'] }],
      timings: { study: (performance.now() - started) / 1000 },
      skipped: [],
    },
  };
}
