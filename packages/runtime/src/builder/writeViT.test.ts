import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { VitIoError } from '@vit/io';
import { inspectModel } from '../instrument/inspectModel.js';
import { externalDataRefs } from '../onnx/externalData.js';
import { decodeModel } from '../onnx/proto.js';
import { ViTSession } from '../session/ViTSession.js';
import { tensor } from '@vit/io';
import { buildViT } from './buildViT.js';
import type { ViTConfig } from './types.js';
import { vitPresets } from './vitPresets.js';
import { writeViT } from './writeViT.js';

const dir = mkdtempSync(join(tmpdir(), 'vit-writeViT-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config: ViTConfig = { imageSize: 16, patchSize: 8, dim: 32, depth: 2, heads: 2, registers: 2, numClasses: 3 };

function pixels(): Float32Array {
  return Float32Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37));
}

async function runPlain(model: Uint8Array | string, x: Float32Array, externalDir?: string): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(model as Uint8Array, externalDir ? { extra: { session: { model_external_initializers_file_folder_path: externalDir } } } : {});
  try {
    const o = await s.run({ pixel_values: new ort.Tensor('float32', x, [2, 3, 16, 16]) });
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

describe('writeViT', () => {
  it('writes the weights to <model>.data (relative location, offset, length) and the same model runs identically', async () => {
    const path = join(dir, 'ext.onnx');
    const w = await writeViT(path, config, undefined, { seed: 3, externalData: true, taps: ['attention', 'block'] });
    expect(w).toEqual({ model: path, data: `${path}.data`, bytes: statSync(path).size + statSync(`${path}.data`).size });
    const proto = decodeModel(new Uint8Array(readFileSync(path)));
    const refs = externalDataRefs(proto);
    expect(refs.length).toBeGreaterThan(5);
    expect(new Set(refs.map((r) => r.location))).toEqual(new Set(['ext.onnx.data']));
    // Every tensor of 1 KB or more is outside; the graph file holds only small ones.
    for (const t of proto.graph!.initializer!) expect(t.rawData?.byteLength ?? 0).toBeLessThan(1024);
    const sorted = refs.slice().sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].offset).toBeGreaterThanOrEqual(sorted[i - 1].offset + sorted[i - 1].length!);
    expect(sorted.every((r) => r.offset % 64 === 0)).toBe(true);

    const inline = buildViT(config, undefined, { seed: 3, taps: ['attention', 'block'] });
    const x = pixels();
    const a = await runPlain(path, x);
    const b = await runPlain(inline, x);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expect(a[k]).toEqual(b[k]); // bit-identical: same weights, same graph
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("'auto' writes one file under the threshold and external data above it", async () => {
    const small = await writeViT(join(dir, 'auto.onnx'), config);
    expect(small.data).toBeUndefined();
    const forced = await writeViT(join(dir, 'forced.onnx'), config, undefined, { externalDataThreshold: 1000 });
    expect(forced.data).toBe(join(dir, 'forced.onnx.data'));
  });

  it('inspectModel and ViTSession (in its worker) read the external-data model from its path, or from bytes with externalDataDir', async () => {
    const path = join(dir, 'session.onnx');
    await writeViT(path, config, undefined, { seed: 5, externalData: true, taps: [] });
    const info = await inspectModel(path);
    expect([info.layers, info.heads, info.dim, info.tokens, info.prefixTokens]).toEqual([2, 2, 32, 7, 3]);
    const bytes = new Uint8Array(readFileSync(path));
    expect(await inspectModel(bytes, { externalDataDir: dir })).toEqual(info);
    const e = await inspectModel(bytes).catch((err: VitIoError) => err);
    expect(e).toBeInstanceOf(VitIoError);
    expect((e as VitIoError).code).toBe('VIT_EXTERNAL_DATA');
    expect((e as VitIoError).message).toMatch(/^inspectModel: the model keeps its weights in a side file \("session\.onnx\.data"\) and was given as bytes; pass the path/);

    const s = await ViTSession.create(path, { taps: ['attention', 'block'], intraOpThreads: 1 });
    try {
      const cap = await s.run(tensor(pixels(), [2, 3, 16, 16]));
      const plain = await runPlain(buildViT(config, undefined, { seed: 5, taps: ['attention', 'block'] }), pixels());
      expect(Array.from(cap.taps.attention![1].data)).toEqual(Array.from(plain['attention.2']));
      expect(Array.from(cap.taps.block![0].data)).toEqual(Array.from(plain['block.1']));
    } finally {
      await s.close();
    }
  });

  it('a missing, truncated or escaping side file is one line naming the initializer and the file', async () => {
    const path = join(dir, 'broken.onnx');
    await writeViT(path, config, undefined, { externalData: true });
    truncateSync(`${path}.data`, 100);
    await expect(inspectModel(path)).rejects.toThrow(/initializer ".*" reads bytes \d+–\d+ of "broken\.onnx\.data", which has 100 bytes/);
    rmSync(`${path}.data`);
    await expect(inspectModel(path)).rejects.toThrow(/is stored in "broken\.onnx\.data", which is missing beside the model/);
    const proto = decodeModel(new Uint8Array(readFileSync(path)));
    const t = proto.graph!.initializer!.find((i) => i.externalData?.length)!;
    t.externalData!.find((k) => k.key === 'location')!.value = '../elsewhere.data';
    const { encodeModel } = await import('../onnx/proto.js');
    writeFileSync(path, encodeModel(proto));
    await expect(inspectModel(path)).rejects.toThrow(/external-data location "\.\.\/elsewhere\.data"; ONNX locations must be relative paths inside the model's folder/);
  });

  it('refuses bad options with one line', async () => {
    await expect(writeViT(join(dir, 'x.onnx'), config, undefined, { externalData: 'yes' as never })).rejects.toThrow("`options.externalData` of writeViT must be true, false or 'auto'.");
  });

  it('buildViT still refuses ViT-H/14 in one protobuf and points to writeViT', () => {
    expect(() => buildViT({ ...vitPresets.vit_huge_patch14_224.config, numClasses: 0 })).toThrow(/2\.\d+ GB of float32 weights.*write it with writeViT/);
  });
});
