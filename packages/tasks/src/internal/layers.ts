import { VitValueError, resolveLayers } from '@vit/io';
import type { LayerSelection } from '@vit/io';

/** The layers one driver or accumulator works on. */
export interface SelectedLayers {
  /** 1-based layer numbers, increasing. */
  layers: number[];
  /** Position of each selected layer in the per-layer input list. */
  positions: number[];
}

/**
 * Resolve `options.layers` (a `LayerSelection`) against a per-layer input list. `available` are
 * the 1-based layer numbers of the list's entries (a Capture's `layers`); without it the entries
 * are layers `1..count`. `null`/`'all'` selects every layer the list holds; any other selection
 * is resolved against the deepest available layer (so `-1` is the last block) and every
 * selected layer must be in the list.
 */
export function selectLayers(count: number, selection: LayerSelection, fn: string, available?: readonly number[]): SelectedLayers {
  const numbers = available ? [...available] : Array.from({ length: count }, (_, i) => i + 1);
  if (numbers.length !== count) {
    throw new VitValueError(`\`layers\` of the input of ${fn} must name one layer per tensor (${count}). Got ${numbers.length} layer numbers.`, { code: 'VIT_SHAPE' });
  }
  if (selection === null || selection === undefined || selection === 'all') {
    const layers = [...numbers].sort((a, b) => a - b);
    return { layers, positions: layers.map((l) => numbers.indexOf(l)) };
  }
  const depth = Math.max(...numbers);
  let layers: number[];
  try {
    layers = resolveLayers(selection, depth);
  } catch (e) {
    throw new VitValueError(`\`layers\` of ${fn}: ${(e as Error).message}. Pass null for every layer, n for the last n, or a list of 1-based layers.`, { cause: e });
  }
  const positions = layers.map((l) => {
    const p = numbers.indexOf(l);
    if (p < 0) {
      throw new VitValueError(`\`layers\` of ${fn} selects layer ${l}, which the input does not hold (layers ${numbers.join(', ')}). Tap that layer or change the selection.`);
    }
    return p;
  });
  return { layers, positions };
}

/** Throw unless `list` is a non-empty array (one tensor per layer). */
export function perLayerList(list: unknown, name: string, fn: string): void {
  if (!Array.isArray(list) || list.length === 0) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a non-empty array with one tensor per layer. Got ${Array.isArray(list) ? 'an empty array' : typeof list}.`, {
      code: Array.isArray(list) ? 'VIT_EMPTY' : 'VIT_VALUE',
    });
  }
}

/** Same number of layers in two per-layer lists. */
export function sameLayerCount(a: readonly unknown[], b: unknown, na: string, nb: string, fn: string): void {
  if (!Array.isArray(b) || b.length !== a.length) {
    throw new VitValueError(`\`${nb}\` of ${fn} must hold as many layers as \`${na}\` (${a.length}). Got ${Array.isArray(b) ? b.length : typeof b}.`, { code: 'VIT_LENGTH_MISMATCH' });
  }
}

/** The layer selection as JSON (`null` for every layer). */
export function layersJSON(selection: LayerSelection): null | number | number[] {
  if (selection === undefined || selection === null || selection === 'all') return null;
  return typeof selection === 'number' ? selection : [...selection];
}
