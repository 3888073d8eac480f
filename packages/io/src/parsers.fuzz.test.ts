/**
 * Property tests: every parser, fed random bytes or mutated valid files, either returns or
 * throws a VitIoError — never another error, a hang, or a crash — within a bounded time.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeImage } from './decodeImage.js';
import { decodeIndexedPng } from './decodeIndexedPng.js';
import { decodeLabelPng } from './decodeLabelPng.js';
import { encodePng } from './encodePng.js';
import { VitIoError } from './errors.js';
import { parseNpy } from './parseNpy.js';
import { parseNpz } from './parseNpz.js';
import { parsePickle } from './parsePickle.js';
import { parseSafetensors } from './parseSafetensors.js';
import { parseTorchCheckpoint } from './parseTorchCheckpoint.js';
import { serializeNpy } from './serializeNpy.js';
import { serializeNpz } from './serializeNpz.js';
import { serializeSafetensors } from './serializeSafetensors.js';
import { tensor } from './tensor.js';
import { fixture } from './testFixtures.js';
import { readZip } from './zip.js';
import { zipSync } from 'fflate';

const readZipForTest = (b: Uint8Array) => readZip(b, 'test', undefined);

const RUNS = 200;
/** Per call: a hang is unbounded, so a wide limit still catches one without failing on a loaded machine (decodes via sharp took up to 8 s under load 40). */
const MAX_MS = 15_000;

/** A mutation of one of the seeds: some byte edits, an optional cut, an optional inserted run. */
function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      insert: fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }), { nil: undefined }),
    })
    .map(({ seed, edits, cut, insert }) => {
      let b = Uint8Array.from(seeds[seed]); // a copy: Buffer#slice would be a view and corrupt the seed
      for (const e of edits) if (b.length) b[e.at % b.length] = e.byte;
      if (insert && b.length) {
        const at = insert.at % b.length;
        const out = new Uint8Array(b.length + insert.bytes.length);
        out.set(b.subarray(0, at));
        out.set(insert.bytes, at);
        out.set(b.subarray(at), at + insert.bytes.length);
        b = out;
      }
      if (cut !== undefined && b.length) b = b.subarray(0, cut % (b.length + 1));
      return b;
    });
}

const inputs = (seeds: Uint8Array[]) => fc.oneof(fc.uint8Array({ maxLength: 256 }), mutated(seeds), mutated(seeds), mutated(seeds));

/** How many inputs each parser accepted / refused, to show the mutations reach past the first check. */
const tally = { ok: 0, refused: 0 };

function check(fn: (b: Uint8Array) => unknown): (b: Uint8Array) => void {
  return (b) => {
    const t0 = performance.now();
    try {
      fn(b);
      tally.ok++;
    } catch (e) {
      tally.refused++;
      if (!(e instanceof VitIoError)) throw new Error(`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    expect(performance.now() - t0).toBeLessThan(MAX_MS);
  };
}

function checkAsync(fn: (b: Uint8Array) => Promise<unknown>): (b: Uint8Array) => Promise<void> {
  return async (b) => {
    const t0 = performance.now();
    try {
      await fn(b);
      tally.ok++;
    } catch (e) {
      tally.refused++;
      if (!(e instanceof VitIoError)) throw new Error(`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    expect(performance.now() - t0).toBeLessThan(MAX_MS);
  };
}

const npySeeds = [
  serializeNpy(tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])),
  serializeNpy(tensor(BigInt64Array.from([1n, 2n]), [2]), { version: 3 }),
  fixture('npy/fortran_i8_be_3d.npy'),
  fixture('npy/float16_be.npy'),
  fixture('npy/scalar_f8.npy'),
  fixture('npy/legacy_py2_header.npy'),
];
const npzSeeds = [
  fixture('npz/stored.npz'),
  fixture('npz/deflated.npz'),
  serializeNpz({ a: tensor(new Int16Array([1, -1, 7]), [3]) }, { compress: true }),
];
const stSeeds = [
  fixture('safetensors/all_dtypes.safetensors'),
  serializeSafetensors({ w: tensor(Float32Array.from([1, 2]), [2]), b: { tensor: tensor(new Uint8Array([1]), [1]), dtype: 'BOOL' } }, { a: 'b' }),
];
const pngSeeds = [
  fixture('images/palette8.png'),
  fixture('images/palette2_trns.png'),
  fixture('images/gray16.png'),
  fixture('images/gray1.png'),
  fixture('images/rgba8.png'),
  encodePng(tensor(Uint8Array.from({ length: 48 }, (_, i) => i * 5), [4, 4, 3])),
];
const torchSeeds = [fixture('torch/all_dtypes.pth'), fixture('torch/system.pth'), fixture('torch/view_past_end.pth')];
const pickleSeeds = [fixture('torch/plain_p2.pkl'), fixture('torch/plain_p4.pkl')];
const jpegSeeds = [fixture('images/orientation_6.jpg'), fixture('images/progressive.jpg'), fixture('images/gray.jpg')];

describe('parsers never fail with anything but VitIoError, and never hang', () => {
  beforeEach(() => {
    tally.ok = 0;
    tally.refused = 0;
  });
  afterEach((ctx) => {
    if (ctx.task.name.startsWith('the unmutated')) return;
    // Both outcomes occur: the mutated files are near enough to valid to exercise the decoders.
    expect(tally.ok, 'inputs accepted').toBeGreaterThan(0);
    expect(tally.refused, 'inputs refused').toBeGreaterThan(0);
  });
  it('parseNpy', () => {
    fc.assert(fc.property(inputs(npySeeds), check(parseNpy)), { numRuns: RUNS, seed: 1 });
  });
  it('parseNpz', () => {
    fc.assert(fc.property(inputs(npzSeeds), check(parseNpz)), { numRuns: RUNS, seed: 2 });
  });
  it('parseSafetensors', () => {
    fc.assert(fc.property(inputs(stSeeds), check(parseSafetensors)), { numRuns: RUNS, seed: 3 });
  });
  it('parseTorchCheckpoint: mutated files, and mutated data.pkl inside an intact zip (past the CRC check)', () => {
    fc.assert(fc.property(inputs(torchSeeds), check(parseTorchCheckpoint)), { numRuns: RUNS, seed: 8 });
    // re-zip mutated members so the mutations reach the unpickler, not just the CRC check
    const members = new Map(readZipForTest(torchSeeds[0]).map((m) => [m.name, m.data]));
    const pkl = [...members.keys()].find((n) => n.endsWith('/data.pkl'))!;
    fc.assert(
      fc.property(mutated([members.get(pkl)!]), (b) => check(parseTorchCheckpoint)(zipSync({ ...Object.fromEntries(members), [pkl]: b }, { level: 0 }))),
      { numRuns: RUNS, seed: 9 },
    );
  });
  it('parsePickle', () => {
    fc.assert(fc.property(inputs(pickleSeeds), check(parsePickle)), { numRuns: RUNS, seed: 10 });
  });
  it('decodeIndexedPng and decodeLabelPng', () => {
    fc.assert(fc.property(inputs(pngSeeds), check(decodeIndexedPng)), { numRuns: RUNS, seed: 4 });
    fc.assert(fc.property(inputs(pngSeeds), check(decodeLabelPng)), { numRuns: RUNS, seed: 5 });
  });
  it('decodeImage on PNG and JPEG', async () => {
    await fc.assert(fc.asyncProperty(inputs(pngSeeds), checkAsync(decodeImage)), { numRuns: RUNS, seed: 6 });
    await fc.assert(fc.asyncProperty(inputs(jpegSeeds), checkAsync(decodeImage)), { numRuns: RUNS, seed: 7 });
  });
  it('the unmutated seeds all parse (so the mutations start from valid files)', async () => {
    for (const s of npySeeds) parseNpy(s);
    for (const s of npzSeeds) parseNpz(s);
    for (const s of stSeeds) parseSafetensors(s);
    parseTorchCheckpoint(torchSeeds[0]);
    for (const s of pickleSeeds) parsePickle(s);
    for (const s of [...pngSeeds, ...jpegSeeds]) expect((await decodeImage(s)).shape.length).toBe(3);
  });
});
