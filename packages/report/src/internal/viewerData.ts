// Compact data of the interactive attention viewer: per model and example image, the
// attention rows of the CLS query and of every spatial query over the spatial keys,
// min–max quantised to uint8 per row (the row's minimum and maximum kept as float32), base64.
import { encodePng, VitValueError } from '@vit/io';
import type { ModelResults } from '../types.js';
import { flat } from './util.js';

export interface ViewerImage {
  id: string;
  /** data: URL of the PNG image. */
  png: string;
  /** base64 uint8 `[L',H,Q,N]`, Q = (CLS ? 1 : 0) + N query rows, N = gh·gw keys. */
  att: string;
  /** base64 float32 `[L',H,Q,2]`: each row's minimum and maximum (the values of bytes 0 and 255). */
  scale: string;
}

export interface ViewerModel {
  name: string;
  grid: [number, number];
  heads: number;
  cls: boolean;
  layers: number[];
  images: ViewerImage[];
}

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

/** Bytes one image of a model takes per layer (uint8 rows + float32 scales), before base64. */
export function viewerBytesPerLayer(m: { heads: number; grid: [number, number]; prefix?: number }): number {
  const N = m.grid[0] * m.grid[1];
  const Q = N + ((m.prefix ?? 1) > 0 ? 1 : 0);
  return m.heads * Q * (N + 8);
}

/**
 * Builds the viewer's data for the models' example images. When everything would exceed
 * `maxBytes` (raw, before base64), layers are thinned evenly (always keeping the first and
 * the last) until it fits.
 */
export function buildViewerData(models: ModelResults[], maxImages: number, maxBytes: number): { models: ViewerModel[]; thinned: boolean } {
  const withAtt = models.map((m) => ({ m, ex: (m.examples ?? []).filter((e) => e.attention).slice(0, maxImages) })).filter((x) => x.ex.length);
  let total = 0;
  for (const { m, ex } of withAtt) total += ex.length * viewerBytesPerLayer(m) * m.layers;
  const keep = total > maxBytes ? Math.max(2, Math.floor((maxBytes / total) * Math.max(...withAtt.map((x) => x.m.layers)))) : Infinity;
  const out: ViewerModel[] = [];
  for (const { m, ex } of withAtt) {
    const [gh, gw] = m.grid;
    const N = gh * gw;
    const P = m.prefix ?? 1;
    const cls = P > 0;
    const Q = N + (cls ? 1 : 0);
    const H = m.heads;
    const images: ViewerImage[] = [];
    let layersOut: number[] = [];
    for (const e of ex) {
      const att = e.attention!;
      const [La, Ha, T, T2] = att.shape;
      if (att.shape.length !== 4 || Ha !== H || T !== P + N || T2 !== T) {
        throw new VitValueError(`example ${e.id} of model ${m.name}: \`attention\` must be [L,H,T,T] with H = ${H}, T = ${P + N}. Got [${att.shape.join(',')}].`, { code: 'VIT_SHAPE' });
      }
      const allLayers = e.layers ?? Array.from({ length: La }, (_, i) => i + 1);
      let pick = allLayers.map((_, i) => i);
      if (pick.length > keep) pick = Array.from({ length: keep }, (_, i) => Math.round((i * (La - 1)) / (keep - 1)));
      pick = [...new Set(pick)];
      layersOut = pick.map((i) => allLayers[i]);
      const v = flat(att);
      const bytes = new Uint8Array(pick.length * H * Q * N);
      const scale = new Float32Array(pick.length * H * Q * 2);
      pick.forEach((li, lo) => {
        for (let h = 0; h < H; h++) {
          for (let q = 0; q < Q; q++) {
            const row = cls ? (q === 0 ? 0 : P + q - 1) : P + q;
            const src = ((li * H + h) * T + row) * T + P;
            let mn = Infinity;
            let mx = -Infinity;
            for (let k = 0; k < N; k++) (mn = Math.min(mn, v[src + k])), (mx = Math.max(mx, v[src + k]));
            const r = (lo * H + h) * Q + q;
            scale[2 * r] = mn;
            scale[2 * r + 1] = mx;
            if (mx > mn) for (let k = 0; k < N; k++) bytes[r * N + k] = Math.round((255 * (v[src + k] - mn)) / (mx - mn));
          }
        }
      });
      images.push({ id: e.id, png: `data:image/png;base64,${b64(encodePng(e.image))}`, att: b64(bytes), scale: b64(new Uint8Array(scale.buffer)) });
    }
    out.push({ name: m.name, grid: [gh, gw], heads: H, cls, layers: layersOut, images });
  }
  return { models: out, thinned: Number.isFinite(keep) };
}
