import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { preprocess } from './preprocess.js';
import type { PreprocessOptions } from './transform.js';

// Reference: Pillow's Image.resize (PIL inputs) and torch's F.interpolate (tensor inputs) with
// torchvision's Resize/CenterCrop/ToTensor/Normalize arithmetic written out in
// tools/preprocess-fixtures/make_transform_fixtures.py.
interface Case {
  shape: [number, number, 3];
  options: PreprocessOptions & { crop: number | [number, number] };
  resized: [number, number];
  input: number[];
  expected: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../../tools/preprocess-fixtures/fixtures/transforms.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

describe('evaluation transforms against Pillow / torch (tools/preprocess-fixtures/transforms.json)', () => {
  it.each(fixture.cases.map((c) => [JSON.stringify(c.options), c.shape.join('×'), c] as const))('%s on %s', (_o, _s, c) => {
    const got = preprocess(tensor(Uint8Array.from(c.input), c.shape), c.options);
    const [h, w] = typeof c.options.crop === 'number' ? [c.options.crop, c.options.crop] : c.options.crop;
    expect(got.shape).toEqual([3, h, w]);
    // PIL path: same uint8 pixels, same float32 normalisation (one ulp); torch path: float32
    // interpolation vs our float64 sums, well under 1e-5 after normalisation.
    expect(got.data).toBeDeepCloseTo(c.expected, 1e-5);
  });

  it('covers every interpolation with and without antialias', () => {
    const seen = new Set(fixture.cases.map((c) => `${c.options.interpolation}/${c.options.antialias}`));
    for (const i of ['bilinear', 'bicubic', 'nearest']) for (const a of [true, false]) expect(seen).toContain(`${i}/${a}`);
  });
});
