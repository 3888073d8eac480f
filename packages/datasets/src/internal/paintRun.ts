/**
 * Sets to 1 the pixels of a row-major `[h,w]` mask covered by the column-major run `[from, to)`
 * (COCO walks pixels down each column, columns left to right). Column by column, no division per pixel.
 */
export function paintColumnMajorRun(out: Uint8Array, h: number, w: number, from: number, to: number): void {
  let x = Math.floor(from / h);
  let k = from;
  let y = from - x * h;
  while (k < to) {
    const colEnd = Math.min(to, (x + 1) * h);
    for (let idx = y * w + x; k < colEnd; k++, idx += w) out[idx] = 1;
    x++;
    y = 0;
  }
}
