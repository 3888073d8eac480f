import type { Tensor } from '@vit/io';
import { flat } from './util.js';

/** Best value of a per-layer series and its layer (ties → the earlier layer); null if no finite value. */
export function bestOf(values: Tensor | undefined, layers?: number[]): { value: number; layer: number; last: number } | null {
  if (!values) return null;
  const v = flat(values);
  const ls = layers ?? Array.from(v, (_, i) => i + 1);
  let best = -1;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]) && (best < 0 || v[i] > v[best])) best = i;
  return best < 0 ? null : { value: v[best], layer: ls[best], last: ls[ls.length - 1] };
}
