import { VitDatasetError } from './errors.js';

/** Options of {@link decodeCompressedCounts}. */
export interface DecodeCompressedCountsOptions {
  /** Annotation file the string came from, named in errors. @default undefined */
  file?: string;
}

/**
 * Decodes COCO's compressed RLE string (the `counts` of `{ size, counts: "…" }`) into run lengths.
 *
 * Each count is a signed variable-length integer in 5-bit groups, least significant first; a
 * character is `48 + group`, bit `0x20` means "more groups follow", and bit `0x10` of the last
 * group is the sign. From the fourth count on, the value stored is the difference to the count
 * two places before (runs of the same colour), so it is added back here.
 *
 * @param counts The compressed string, e.g. `"61X13mN000`b0"`.
 * @param options See {@link DecodeCompressedCountsOptions}.
 * @returns The run lengths, alternating 0-runs and 1-runs, starting with 0s.
 * @throws {VitDatasetError} `VIT_DATASET_FORMAT` on a character outside `'0'..'o'`, a truncated
 *   number, or a negative run length.
 * @example
 * decodeCompressedCounts('52203') // → [5, 2, 2, 2, 5] (the 4th and 5th are deltas to the 2nd and 3rd)
 */
export function decodeCompressedCounts(counts: string, options: DecodeCompressedCountsOptions = {}): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let shift = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw fail(options.file, `ends inside a number at character ${p}`);
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw fail(options.file, `has character '${counts[p]}' at ${p}, outside '0'..'o'`);
      // multiply instead of << so counts above 2^31 stay exact
      x += (c & 0x1f) * 2 ** shift;
      shift += 5;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && (c & 0x10) !== 0) x -= 2 ** shift; // sign-extend the last group
    }
    if (out.length > 2) x += out[out.length - 2];
    if (x < 0) throw fail(options.file, `decodes to a negative run length ${x} (count ${out.length})`);
    out.push(x);
  }
  return out;
}

function fail(file: string | undefined, what: string): VitDatasetError {
  return new VitDatasetError(`compressed RLE counts of decodeCompressedCounts ${what}`, { code: 'VIT_DATASET_FORMAT', file });
}
