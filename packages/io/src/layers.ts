import { VitValueError } from './errors.js';

/**
 * A layer selection, as in timm's `indices`: `null`/`undefined`/`'all'` = every layer,
 * a number `n` = the last `n` layers, a list = those 1-based layers (negative counts from
 * the end: -1 is the last layer).
 */
export type LayerSelection = null | undefined | 'all' | number | readonly number[];

/**
 * Resolve a selection to sorted, unique 1-based layer numbers of a model with `depth` blocks.
 * @throws VitValueError "layer 14 is out of range (1 to 12)"
 * @example resolveLayers([1, -1], 12) // [1, 12]
 */
export function resolveLayers(selection: LayerSelection, depth: number): number[] {
  if (selection === null || selection === undefined || selection === 'all') {
    return Array.from({ length: depth }, (_, i) => i + 1);
  }
  if (typeof selection === 'number') {
    if (!Number.isInteger(selection) || selection < 1 || selection > depth) {
      throw new VitValueError(`layer count ${selection} is out of range (1 to ${depth})`);
    }
    return Array.from({ length: selection }, (_, i) => depth - selection + i + 1);
  }
  const out = new Set<number>();
  for (const raw of selection) {
    const l = raw < 0 ? depth + 1 + raw : raw;
    if (!Number.isInteger(raw) || raw === 0 || l < 1 || l > depth) {
      throw new VitValueError(`layer ${raw} is out of range (1 to ${depth})`);
    }
    out.add(l);
  }
  return [...out].sort((a, b) => a - b);
}
