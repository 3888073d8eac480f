// Planted study results for the report's tests: numbers chosen so every finding's verdict is known.
import { tensor, type Tensor } from '@vit/io';
import type { ModelResults, ReportInput } from '../src/types.js';

export const CLASSES = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];
export const t1 = (v: number[]): Tensor => tensor(Float32Array.from(v), [v.length]);

/** `[L,H]` from a function of (layer index, head). */
export const lh = (L: number, H: number, f: (l: number, h: number) => number): Tensor => tensor(Float32Array.from({ length: L * H }, (_, i) => f(Math.floor(i / H), i % H)), [L, H]);

/** CLS maps `[L,H,g,g]`: uniform early; a single hot cell in late layers when `sparse`. */
export function clsMaps(L: number, H: number, g: number, sparse: boolean): Tensor {
  const d = new Float32Array(L * H * g * g);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const o = (l * H + h) * g * g;
      for (let i = 0; i < g * g; i++) d[o + i] = 1 / (g * g);
      if (sparse && l >= L / 2) {
        d.fill(0.01 / (g * g - 1), o, o + g * g);
        d[o + 3] = 0.99;
      }
    }
  }
  return tensor(d, [L, H, g, g]);
}

/** AAAM `[L,H,2g−1,2g−1]`: head 0 peaks one cell right of the centre (offset-local), the others at the centre. */
export function aaam(L: number, H: number, g: number): Tensor {
  const s = 2 * g - 1;
  const d = new Float32Array(L * H * s * s);
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) d[(l * H + h) * s * s + (g - 1) * s + (g - 1) + (h === 0 ? 1 : 0)] = 1;
  return tensor(d, [L, H, s, s]);
}

/** Attention `[L,H,T,T]` of one image: every row attends to key (q + h) mod N (spatial), CLS to patch l mod N. */
export function attention(L: number, H: number, g: number): Tensor {
  const N = g * g;
  const T = N + 1;
  const d = new Float32Array(L * H * T * T);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      for (let q = 0; q < T; q++) {
        const o = ((l * H + h) * T + q) * T;
        d[o] = 0.1;
        const k = q === 0 ? l % N : (q - 1 + h) % N;
        d[o + 1 + k] = 0.9;
      }
    }
  }
  return tensor(d, [L, H, T, T]);
}

export function image(S: number): Tensor<Uint8Array> {
  const d = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) d.set([x * 8, y * 8, 128], (y * S + x) * 3);
  return tensor(d, [S, S, 3]);
}

function model(name: string, method: string, o: { sparse: boolean; offset: boolean; dist: number[]; sal: number[]; knn: number[]; davis: number[]; spair: number[] }): ModelResults {
  const L = 4;
  const H = 2;
  const g = 4;
  return {
    name,
    method,
    layers: L,
    heads: H,
    grid: [g, g],
    prefix: 1,
    dim: 8,
    source: `planted/${name}.onnx`,
    attention: {
      clsMaps: clsMaps(L, H, g, o.sparse),
      aaam: aaam(L, H, g),
      distance: lh(L, H, (l, h) => o.dist[l] + (h ? 0.02 : -0.02)),
      saliency: { oracle: t1(o.sal) },
      taxonomy: { classes: CLASSES, index: lh(L, H, (l, h) => (h === 0 ? (o.offset && l === 1 ? 3 : 0) : 4)) },
    },
    features: {
      cka: lh(L, L, (a, b) => 1 - Math.abs(a - b) * 0.2),
      residualCKA: { attention: t1([0.9, 0.8, 0.7, 0.6]), mlp: t1([0.95, 0.9, 0.85, 0.8]) },
      clustering: { cls: { purity: t1(o.knn.map((v) => v * 0.9)), nmi: t1(o.knn.map((v) => v * 0.7)), ari: t1(o.knn.map((v) => v * 0.5)) } },
    },
    tasks: { knn: { top1: t1(o.knn) }, davis: { jf: t1(o.davis) }, spair: { pck: t1(o.spair) } },
    examples: [{ id: `${name}-0`, image: image(16), attention: attention(L, H, g), pca: tensor(Float32Array.from({ length: L * g * g * 3 }, (_, i) => Math.sin(i)), [L, g, g, 3]) }],
  };
}

/** Four planted models in which every finding holds. */
export function plantedInput(): ReportInput {
  return {
    schemaVersion: 1,
    title: 'Planted study',
    models: [
      model('fs', 'fs', { sparse: true, offset: true, dist: [0.5, 0.2, 0.3, 0.5], sal: [0.3, 0.6, 0.5, 0.4], knn: [0.3, 0.5, 0.7, 0.9], davis: [0.3, 0.5, 0.6, 0.4], spair: [0.2, 0.3, 0.25, 0.2] }),
      model('dino', 'dino', { sparse: false, offset: true, dist: [0.5, 0.2, 0.3, 0.45], sal: [0.4, 0.7, 0.7, 0.65], knn: [0.3, 0.5, 0.7, 0.8], davis: [0.3, 0.6, 0.7, 0.5], spair: [0.2, 0.25, 0.3, 0.28] }),
      model('mae', 'mae', { sparse: false, offset: true, dist: [0.5, 0.2, 0.2, 0.22], sal: [0.3, 0.6, 0.55, 0.5], knn: [0.2, 0.3, 0.4, 0.35], davis: [0.3, 0.6, 0.5, 0.4], spair: [0.2, 0.25, 0.2, 0.2] }),
      model('random', 'random', { sparse: false, offset: false, dist: [0.5, 0.5, 0.5, 0.5], sal: [0.2, 0.2, 0.2, 0.2], knn: [0.12, 0.11, 0.1, 0.1], davis: [0.1, 0.1, 0.1, 0.1], spair: [0.05, 0.05, 0.05, 0.05] }),
    ],
    across: { lastLayerCKA: { models: ['fs', 'dino', 'mae', 'random'], matrix: lh(4, 4, (a, b) => (a === b ? 1 : 0.5)), tokens: 'cls' } },
    baselines: { knn: 0.1, davis: 0.06, spair: 0.013 },
    provenance: {
      versions: { '@vit/report': '0.0.0', node: process.version },
      datasets: [{ name: 'planted', images: 8, split: 'test', analyses: ['attention', 'knn'] }],
      timings: { 'fs × planted': 1.5 },
      skipped: [{ file: 'broken.jpg', reason: 'not a JPEG (bad SOI marker)', dataset: 'planted' }],
      finishedAt: '2026-12-01T12:00:00Z',
    },
  };
}
