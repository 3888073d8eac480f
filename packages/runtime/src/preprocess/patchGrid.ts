import { VitValueError } from '@vit/io';
import type { Geometry } from './transform.js';

/** Token grid of a crop: `gh = h/p`, `gw = w/p`, both exact (SPEC "Conventions"). Internal. */
export function patchGrid(g: Geometry, patchOption: number | undefined, fn: string): { gh: number; gw: number; patch: number } {
  const patch = patchOption ?? 16;
  if (!Number.isInteger(patch) || patch < 1) throw new VitValueError(`\`options.patch\` of ${fn} must be a positive integer. Got ${JSON.stringify(patch)}.`);
  if (g.h % patch !== 0 || g.w % patch !== 0) {
    throw new VitValueError(`\`options.crop\` of ${fn} must be a multiple of patch = ${patch} on both axes. Got [${g.h},${g.w}].`);
  }
  return { gh: g.h / patch, gw: g.w / patch, patch };
}
