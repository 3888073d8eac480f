import { describe, expect, it } from 'vitest';
import { decodeIndexedPng } from './decodeIndexedPng.js';
import { decodeLabelPng } from './decodeLabelPng.js';
import { VitIoError } from './errors.js';
import { parseNpy } from './parseNpy.js';
import { fixture, manifest } from './testFixtures.js';

const images = manifest().images.filter((e) => e.kind === 'png');

describe('decodeIndexedPng', () => {
  it.each(images.filter((e) => e.colorType === 3).map((e) => [e.file, e] as const))('%s returns the palette indices Pillow wrote', (file, e) => {
    const t = decodeIndexedPng(fixture(file), file);
    const want = parseNpy(fixture(e.labels!)).tensor.data;
    expect(t.shape).toEqual(e.shape);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data)).toEqual(Array.from(want as Uint8Array));
  });
  it('returns indices even when the palette colours are not in index order', () => {
    // palette_scrambled: colour i is (255 - 20i, 7i, 3i); index = pixel number mod 11.
    const t = decodeIndexedPng(fixture('images/palette_scrambled.png'));
    expect(Array.from(t.data)).toEqual(Array.from({ length: 35 }, (_, i) => i % 11));
  });
  it('refuses a non-indexed PNG, naming what it is', () => {
    expect(() => decodeIndexedPng(fixture('images/gray8.png'), 'mask.png')).toThrow(
      'mask.png: expected an indexed (palette) PNG, got grayscale 8-bit; use decodeLabelPng for grayscale label maps.',
    );
    expect(() => decodeIndexedPng(fixture('images/orientation_1.jpg'))).toThrow(/^decodeIndexedPng: not a PNG: it starts with ff d8 ff/);
    expect(() => decodeIndexedPng(fixture('images/rgb8.png'))).toThrow(VitIoError);
  });
});

describe('decodeLabelPng', () => {
  it.each(images.filter((e) => e.labels).map((e) => [e.file, e] as const))('%s gives indices or raw gray values', (file, e) => {
    const t = decodeLabelPng(fixture(file), file);
    expect(t.shape).toEqual(e.shape);
    expect(Array.from(t.data)).toEqual(Array.from(parseNpy(fixture(e.labels!)).tensor.data as Uint8Array));
  });
  it('refuses colour images and 16-bit values above 255', () => {
    expect(() => decodeLabelPng(fixture('images/rgba8.png'), 'm.png')).toThrow('m.png: expected a palette or grayscale label PNG, got RGBA 8-bit.');
    expect(() => decodeLabelPng(fixture('images/graya8.png'))).toThrow(/grayscale\+alpha/);
    expect(() => decodeLabelPng(fixture('images/gray16.png'), 'g.png')).toThrow(/^g\.png: 16-bit label \d+ at pixel \(\d+, \d+\) does not fit 8 bits\.$/);
  });
});
