import { VitValueError } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';

/** Check a per-layer list and return the 1-based layer numbers to report (default 1..L). */
export function layerNumbers(list: readonly unknown[], name: string, fn: string, layers?: readonly number[]): number[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a non-empty array with one tensor per layer. Got ${Array.isArray(list) ? 'an empty array' : typeof list}.`);
  }
  if (layers === undefined) return list.map((_, i) => i + 1);
  if (layers.length !== list.length) {
    throw new VitValueError(`\`layers\` of ${fn} must name one layer per entry of \`${name}\` (${list.length}). Got ${layers.length}.`);
  }
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 1) throw new VitValueError(`\`layers\` of ${fn} must be 1-based layer numbers. Got ${l}.`);
  }
  return [...layers];
}

/** Same number of layers in two per-layer lists. */
export function sameLayerCount(a: readonly Tensor<TypedArray>[], b: readonly Tensor<TypedArray>[], na: string, nb: string, fn: string): void {
  if (!Array.isArray(b) || b.length !== a.length) {
    throw new VitValueError(`\`${nb}\` of ${fn} must hold as many layers as \`${na}\` (${a.length}). Got ${Array.isArray(b) ? b.length : typeof b}.`);
  }
}
