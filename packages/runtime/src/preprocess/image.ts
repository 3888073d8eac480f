import { VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';

export type ImageData = Uint8Array | Float32Array;

/** An image's pixels as one C-contiguous `[H,W,C]` buffer (zero-copy when already so). */
export interface DenseImage<T extends ImageData = ImageData> {
  data: T;
  H: number;
  W: number;
  C: number;
}

function shapeOf(x: unknown): string {
  const s = (x as { shape?: unknown })?.shape;
  return Array.isArray(s) ? `[${s.join(',')}]` : x === null ? 'null' : typeof x;
}

/**
 * Validates an `[H,W,C]` image tensor (uint8 — Uint8Array, Uint8ClampedArray or Buffer — or
 * float32) and returns its pixels C-contiguous, copying once if it is a strided view.
 */
export function denseImage(
  image: Tensor<Uint8Array> | Tensor<Float32Array>,
  fn: string,
  o: { name?: string; channels?: readonly number[]; dtypes?: 'uint8' | 'any' } = {},
): DenseImage {
  const name = o.name ?? 'image';
  const t = image as Tensor<ImageData>;
  const dataOk =
    t && typeof t === 'object' && (t.data instanceof Uint8Array || t.data instanceof Uint8ClampedArray || (o.dtypes !== 'uint8' && t.data instanceof Float32Array));
  const want = o.dtypes === 'uint8' ? 'uint8' : 'uint8 or float32';
  if (!dataOk || !Array.isArray(t.shape)) {
    const got = t && typeof t === 'object' && t.data ? (t.data as object).constructor.name : shapeOf(image);
    throw new VitValueError(`\`${name}\` of ${fn} must be an [H,W,C] ${want} ndarray tensor. Got ${got}.`);
  }
  const chText = o.channels ? `C ∈ {${o.channels.join(',')}}` : 'C ≥ 1';
  if (t.shape.length !== 3 || (o.channels ? !o.channels.includes(t.shape[2]) : t.shape[2] < 1)) {
    throw new VitValueError(`\`${name}\` of ${fn} must have shape [H,W,C] with ${chText}. Got ${shapeOf(t)}.`);
  }
  const [H, W, C] = t.shape;
  if (H < 1 || W < 1) throw new VitValueError(`\`${name}\` of ${fn} must not be empty. Got ${shapeOf(t)}.`);
  const [s0, s1, s2] = t.stride;
  const raw = t.data as ImageData | Uint8ClampedArray;
  const src: ImageData = raw instanceof Uint8ClampedArray ? new Uint8Array(raw.buffer, raw.byteOffset, raw.length) : raw;
  if (s2 === 1 && s1 === C && s0 === W * C) return { data: src.subarray(t.offset, t.offset + H * W * C), H, W, C };
  const out = src instanceof Float32Array ? new Float32Array(H * W * C) : new Uint8Array(H * W * C);
  let i = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = t.offset + y * s0 + x * s1;
      for (let c = 0; c < C; c++) out[i++] = src[p + c * s2];
    }
  }
  return { data: out, H, W, C };
}

/** A positive integer size or `[h, w]` pair → `[h, w]`, naming the option on error. */
export function sizePair(size: number | readonly [number, number], name: string, fn: string): [number, number] {
  const pair = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : undefined;
  if (!pair || !pair.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a positive integer or an [h, w] pair of them. Got ${JSON.stringify(size)}.`);
  }
  return [pair[0], pair[1]];
}

/**
 * Offset of a centred crop of `crop` out of `length`: `round((length − crop) / 2)` with
 * Python's round-half-to-even, as torchvision's `center_crop` computes it.
 */
export function cropOffset(length: number, crop: number): number {
  const half = (length - crop) / 2;
  const f = Math.floor(half);
  if (half - f !== 0.5) return Math.round(half);
  return f % 2 === 0 ? f : f + 1;
}

/** `[H,W,3|4]` uint8 pixels as dense RGB: alpha dropped without compositing (PIL's convert('RGB')). */
export function rgbImage(image: Tensor<Uint8Array>, fn: string, name = 'image'): DenseImage<Uint8Array> {
  const { data, H, W, C } = denseImage(image, fn, { name, channels: [3, 4], dtypes: 'uint8' });
  if (C === 3) return { data: data as Uint8Array, H, W, C };
  const rgb = new Uint8Array(H * W * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = data[j];
    rgb[i + 1] = data[j + 1];
    rgb[i + 2] = data[j + 2];
  }
  return { data: rgb, H, W, C: 3 };
}
