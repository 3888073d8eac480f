import { VitValueError } from '@vit/io';

/**
 * Start offsets of `size`-long tiles covering `[0, length)` (SPEC 13): `0, size, 2·size, …`
 * while a tile fits, then — if the border is not reached — one more tile placed flush with
 * the border at `length − size`, overlapping its neighbour.
 *
 * @param length the axis length (pixels or tokens), ≥ `size`.
 * @param size the tile length, ≥ 1.
 * @returns increasing offsets; tile `i` covers `[offsets[i], offsets[i] + size)`.
 * @throws VitValueError when either is not a positive integer or `length < size`.
 * @example
 * import { tileOffsets } from '@vit/runtime';
 * tileOffsets(448, 224); // [0, 224]
 * tileOffsets(592, 224); // [0, 224, 368]
 */
export function tileOffsets(length: number, size: number): number[] {
  const fn = 'tileOffsets';
  if (!Number.isInteger(size) || size < 1) throw new VitValueError(`\`size\` of ${fn} must be a positive integer. Got ${size}.`);
  if (!Number.isInteger(length) || length < size) {
    throw new VitValueError(`\`length\` of ${fn} must be an integer ≥ size = ${size}. Got ${length}.`);
  }
  const offsets: number[] = [];
  for (let o = 0; o + size <= length; o += size) offsets.push(o);
  if (offsets[offsets.length - 1] + size < length) offsets.push(length - size);
  return offsets;
}
