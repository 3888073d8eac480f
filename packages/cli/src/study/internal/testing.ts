// Test helpers of the study engine (kept out of the published package): tiny ViTs, tiny image
// folders, and two small real analyses built on the packages' accumulators.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { AverageCLSAccumulator } from '@vit/attention';
import { MinibatchCKA } from '@vit/features';
import { expect } from 'vitest';
import { encodePng, tensor, VitError, type AccumulatorJSON, type Tensor } from '@vit/io';
import { buildViT } from '@vit/runtime';
import type { ReportInput } from '@vit/report';
import { mulberry32 } from '@vit/test-utils';
import type { AnalysisState, StudyAnalysis, StudyItem } from '../types.js';

/** Write a tiny seeded ViT (32×32 input, patch 8, 2 blocks, 2 heads, width 16) as ONNX. */
export function writeTinyViT(file: string, seed: number): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, buildViT({ imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2 }, undefined, { seed }));
  return file;
}

/** Write `n` seeded random 40×36 PNG images `img-000.png`… into `dir`. */
export function writeImages(dir: string, n: number, seed = 1): string[] {
  mkdirSync(dir, { recursive: true });
  const rand = mulberry32(seed);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const h = 36;
    const w = 40;
    const px = new Uint8Array(h * w * 3);
    for (let k = 0; k < px.length; k++) px[k] = Math.floor(rand() * 256);
    const f = join(dir, `img-${String(i).padStart(3, '0')}.png`);
    writeFileSync(f, encodePng(tensor(px, [h, w, 3])));
    files.push(f);
  }
  return files;
}

class ClsState implements AnalysisState {
  constructor(readonly acc: AverageCLSAccumulator) {}
  update(capture: Parameters<AnalysisState['update']>[0]): void {
    this.acc.update(capture);
  }
  merge(other: AnalysisState): void {
    this.acc.merge((other as ClsState).acc);
  }
  toJSON(): unknown {
    return this.acc.toJSON();
  }
}

/** `attention`: average CLS maps (AverageCLSAccumulator of @vit/attention) → `attention.clsMaps`. */
export const clsMapsAnalysis: StudyAnalysis = {
  type: 'attention',
  needs: () => ({ taps: ['attention'] }),
  start: () => new ClsState(new AverageCLSAccumulator()),
  restore: (json) => new ClsState(AverageCLSAccumulator.fromJSON(json as AccumulatorJSON)),
  finishModel: async (state) => ({ attention: { clsMaps: (state as ClsState).acc.result().maps } }),
};

class CkaState implements AnalysisState {
  /** Images per layer-0 CLS feature, kept to test typed arrays in checkpoints (sum of CLS rows). */
  constructor(
    readonly acc: MinibatchCKA,
    readonly ids: string[],
    readonly sum: Float64Array,
  ) {}
  update(capture: Parameters<AnalysisState['update']>[0], items: readonly StudyItem[]): void {
    this.acc.update(capture);
    for (const it of items) this.ids.push(it.id);
    const t = capture.taps.block![0];
    const [B, T, D] = t.shape;
    for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) this.sum[d] += t.data[t.offset + b * T * D + d];
  }
  merge(other: AnalysisState): void {
    const o = other as CkaState;
    this.acc.merge(o.acc);
    this.ids.push(...o.ids);
    for (let d = 0; d < this.sum.length; d++) this.sum[d] += o.sum[d];
  }
  toJSON(): unknown {
    return { acc: this.acc.toJSON(), ids: this.ids, sum: this.sum };
  }
}

/** `cka`: within-model minibatch CKA of the CLS token (MinibatchCKA of @vit/features, minibatch 4) → `features.cka`. */
export const ckaAnalysis: StudyAnalysis = {
  type: 'cka',
  needs: () => ({ taps: ['block'] }),
  start: (ctx) => new CkaState(new MinibatchCKA({ tokens: 'cls', batchSize: 4 }), [], new Float64Array(ctx.model.dim)),
  restore: (json) => {
    const j = json as { acc: unknown; ids: string[]; sum: Float64Array };
    if (!(j.sum instanceof Float64Array)) throw new Error('the checkpoint lost the Float64Array');
    return new CkaState(MinibatchCKA.fromJSON(j.acc), j.ids, j.sum);
  },
  finishModel: async (state) => ({ features: { cka: (state as CkaState).acc.result() } }),
};

/** The test registry. */
export const TEST_ANALYSES: Record<string, StudyAnalysis> = { attention: clsMapsAnalysis, cka: ckaAnalysis };

/** Every tensor of model `name`'s results by path (provenance left out), as float64. */
export function resultNumbers(r: ReportInput, name = 'a'): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && ArrayBuffer.isView((v as Tensor).data) && Array.isArray((v as Tensor).shape)) {
      const t = v as Tensor;
      out.set(path, Float64Array.from(t.data.subarray(t.offset, t.offset + t.size) as Float32Array));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'provenance') walk(x, `${path}.${k}`);
  };
  walk(r.models.find((m) => m.name === name), '');
  return out;
}

/** The typed error `p` rejects with, checked to be a `VitError` with a one-line message. */
export async function oneLineRejection(p: Promise<unknown>): Promise<VitError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VitError);
  expect((e as Error).message).not.toContain('\n');
  return e as VitError;
}
