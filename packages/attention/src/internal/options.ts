import { VitValueError } from '@vit/io';
import type { ClsSource } from './kernels.js';

const CLS_SOURCES: readonly ClsSource[] = ['cls', 'spatial', 'spatialPure'];

/** Checks a CLS-map `source` option. */
export function checkClsSource(source: unknown, fn: string): ClsSource {
  if (!CLS_SOURCES.includes(source as ClsSource)) {
    throw new VitValueError(`\`source\` of ${fn} must be 'cls', 'spatial' or 'spatialPure'. Got ${JSON.stringify(source)}.`);
  }
  return source as ClsSource;
}

/** Checks a saliency `source` option. */
export function checkSource(source: unknown, fn: string): 'cls' | 'spatial' {
  if (source !== 'cls' && source !== 'spatial') {
    throw new VitValueError(`\`source\` of ${fn} must be 'cls' or 'spatial'. Got ${JSON.stringify(source)}.`);
  }
  return source;
}
