import { VitValueError } from '@vit/io';
import type { ClsVariant } from './kernels.js';

const CLS_VARIANTS: readonly ClsVariant[] = ['cls', 'spatial', 'spatialPure'];

/** Checks a CLS-map `variant` option. */
export function checkVariant(variant: unknown, fn: string): ClsVariant {
  if (!CLS_VARIANTS.includes(variant as ClsVariant)) {
    throw new VitValueError(`\`variant\` of ${fn} must be 'cls', 'spatial' or 'spatialPure'. Got ${JSON.stringify(variant)}.`);
  }
  return variant as ClsVariant;
}

/** Checks a saliency `source` option. */
export function checkSource(source: unknown, fn: string): 'cls' | 'spatial' {
  if (source !== 'cls' && source !== 'spatial') {
    throw new VitValueError(`\`source\` of ${fn} must be 'cls' or 'spatial'. Got ${JSON.stringify(source)}.`);
  }
  return source;
}
