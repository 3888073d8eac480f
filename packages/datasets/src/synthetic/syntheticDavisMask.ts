/**
 * The mask `writeSyntheticDavis` writes for frame `f` of a video with `objects` objects:
 * `[H*W]` palette indices, row-major.
 * @param h Height.
 * @param w Width.
 * @param objects Number of objects (ids 1…objects).
 * @param f Frame index (0-based).
 * @returns Palette indices `[H*W]`.
 * @example syntheticDavisMask(18, 24, 2, 0)[1 * 24 + 0] // → 1
 */
export function syntheticDavisMask(h: number, w: number, objects: number, f: number): Uint8Array {
  const m = new Uint8Array(h * w);
  for (let k = 1; k <= objects; k++) {
    for (let y = 4 * k - 3; y <= 4 * k && y < h; y++) for (let x = f; x < f + 6 && x < w; x++) m[y * w + x] = k;
  }
  return m;
}
