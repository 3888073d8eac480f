import { VitValueError } from '@vit/io';
import { TAP_NAMES, type TapName } from '@vit/runtime';

/** `"224,160"` or `"224"` → `[224, 160]` / `[224, 224]`. */
export function parseImageSize(text: string, flag: string, verb: string): [number, number] {
  const parts = text.split(/[,x×]/).map((s) => Number(s.trim()));
  if ((parts.length === 1 || parts.length === 2) && parts.every((n) => Number.isInteger(n) && n > 0)) {
    return parts.length === 1 ? [parts[0], parts[0]] : [parts[0], parts[1]];
  }
  throw new VitValueError(`\`${flag}\` of ${verb} must be h,w in pixels (e.g. 224,224). Got "${text}".`);
}

/** `"attention,block"` → taps, checked against SPEC's names. */
export function parseTaps(text: string, verb: string): TapName[] {
  const taps = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of taps) {
    if (!TAP_NAMES.includes(t as TapName)) {
      throw new VitValueError(`\`--taps\` of ${verb} must be a comma list of ${TAP_NAMES.join(', ')}. Got "${t}".`);
    }
  }
  if (!taps.length) throw new VitValueError(`\`--taps\` of ${verb} must name at least one tap. Got "${text}".`);
  return [...new Set(taps)] as TapName[];
}

/** `"all"` or `"1,5,12"` (negative = from the end) → a layer selection. */
export function parseLayers(text: string, verb: string): 'all' | number[] {
  if (text.trim() === 'all') return 'all';
  const layers = text.split(',').map((s) => Number(s.trim()));
  if (!layers.length || !layers.every((n) => Number.isInteger(n) && n !== 0)) {
    throw new VitValueError(`\`--layers\` of ${verb} must be "all" or a comma list of 1-based layers (e.g. 1,5,12). Got "${text}".`);
  }
  return layers;
}

/** A positive integer flag. */
export function parsePositiveInt(text: string, flag: string, verb: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new VitValueError(`\`${flag}\` of ${verb} must be a positive integer. Got "${text}".`);
  return n;
}
