import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VitIoError, VitValueError } from '@vit/io';
import { decodeModel, encodeModel } from '../onnx/proto.js';
import { VitModelError } from './errors.js';
import { inspectModel } from './inspectModel.js';
import { fixtureModel } from './testFixtures.js';

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('inspectModel', () => {
  it('accepts bytes as well as a path', async () => {
    const a = await inspectModel(fixtureModel('registers'));
    const b = await inspectModel(new Uint8Array(readFileSync(fixtureModel('registers'))));
    expect(b).toEqual(a);
  });

  it('reports the tensors found for each tap, one per block, never the same softmax twice', async () => {
    const info = await inspectModel(fixtureModel('timm'));
    for (const list of Object.values(info.tensors)) expect(list).toHaveLength(3);
    expect(new Set(info.tensors.attention.map((t) => t.name)).size).toBe(3);
    // The residual stream chains: mlpSkip of block l is the attention add's output, attnSkip of l+1 is block l's output.
    expect(info.tensors.attnSkip[1].name).toBe(info.tensors.block[0].name);
    expect(info.tensors.attnSkip[2].name).toBe(info.tensors.block[1].name);
  });

  it('ignores node names: renaming every node and tensor gives the same reading', async () => {
    const model = decodeModel(new Uint8Array(readFileSync(fixtureModel('hf'))));
    const rename = new Map<string, string>();
    const inputs = new Set((model.graph!.input ?? []).map((v) => v.name));
    const outputs = new Set((model.graph!.output ?? []).map((v) => v.name));
    const r = (n: string) => {
      if (!n || inputs.has(n) || outputs.has(n)) return n;
      if (!rename.has(n)) rename.set(n, `t${rename.size}`);
      return rename.get(n)!;
    };
    for (const t of model.graph!.initializer ?? []) t.name = r(t.name!);
    model.graph!.node!.forEach((n, i) => {
      n.name = `n${i}`;
      n.input = n.input?.map(r);
      n.output = n.output?.map(r);
    });
    model.graph!.valueInfo = [];
    const renamed = await inspectModel(encodeModel(model));
    const original = await inspectModel(fixtureModel('hf'));
    expect({ ...renamed, tensors: undefined }).toEqual({ ...original, tensors: undefined });
    expect(renamed.tensors.attention.map((t) => t.name)).toEqual(original.tensors.attention.map((t) => r(t.name)));
  });

  it('refuses fused attention naming the node, the op and how to re-export', async () => {
    const e = await rejection(inspectModel(fixtureModel('fused')));
    expect(e).toBeInstanceOf(VitModelError);
    expect(e.code).toBe('VIT_FUSED_ATTENTION');
    expect(e.message).toContain('"blocks.0.attn/Attention"');
    expect(e.message).toContain('com.microsoft.Attention');
    expect(e.message).toContain('eager attention');
    expect(e.message).not.toContain('\n');
  });

  it('refuses a CNN: no attention', async () => {
    const e = await rejection(inspectModel(fixtureModel('cnn')));
    expect(e).toBeInstanceOf(VitModelError);
    expect(e.code).toBe('VIT_NO_ATTENTION');
    expect(e.message).toMatch(/cnn\/model\.onnx: no self-attention found/); // a path's errors name the file
  });

  it('refuses a softmax over queries', async () => {
    const e = await rejection(inspectModel(fixtureModel('softmax_queries')));
    expect(e).toBeInstanceOf(VitModelError);
    expect(e.code).toBe('VIT_SOFTMAX_NOT_OVER_KEYS');
    expect(e.message).toContain('not over the keys');
  });

  it('refuses bytes that are not ONNX and a missing path, with typed IO errors', async () => {
    const notOnnx = await rejection(inspectModel(new TextEncoder().encode('this is a text file, not a model')));
    expect(notOnnx).toBeInstanceOf(VitIoError);
    expect(notOnnx.code).toBe('VIT_NOT_ONNX');
    const missing = await rejection(inspectModel('/nonexistent/model.onnx'));
    expect(missing).toBeInstanceOf(VitIoError);
    expect(missing.code).toBe('VIT_NOT_FOUND');
    expect(missing.message).toBe('/nonexistent/model.onnx: model file not found.');
    const wrongType = await rejection(inspectModel(42 as never));
    expect(wrongType).toBeInstanceOf(VitValueError);
  });

  it('refuses external-data weights and a float16 or second input, naming what to do', async () => {
    const ext = decodeModel(new Uint8Array(readFileSync(fixtureModel('timm'))));
    const w = ext.graph!.initializer![0];
    w.dataLocation = 1;
    w.externalData = [{ key: 'location', value: 'model.onnx_data' }];
    delete w.rawData;
    const e1 = await rejection(inspectModel(encodeModel(ext)));
    expect(e1.code).toBe('VIT_UNSUPPORTED_GRAPH');
    expect(e1.message).toContain('is stored as external data');
    expect(e1.message).toContain('save_as_external_data=False');

    const f16 = decodeModel(new Uint8Array(readFileSync(fixtureModel('timm'))));
    f16.graph!.input![0].type!.tensorType!.elemType = 10;
    const e2 = await rejection(inspectModel(encodeModel(f16)));
    expect(e2.code).toBe('VIT_UNSUPPORTED_GRAPH');
    expect(e2.message).toContain('"pixels" of ONNX type 10 (export in float32)');
  });

  it('asks for imageSize when the spatial input axes are dynamic', async () => {
    const model = decodeModel(new Uint8Array(readFileSync(fixtureModel('timm'))));
    const dims = model.graph!.input![0].type!.tensorType!.shape!.dim!;
    dims[2] = { dimParam: 'h' };
    dims[3] = { dimParam: 'w' };
    const bytes = encodeModel(model);
    await expect(inspectModel(bytes)).rejects.toThrow('`imageSize` of inspectModel is required');
    const info = await inspectModel(bytes, { imageSize: [32, 32] });
    expect(info.grid).toEqual([4, 4]);
  });
});
