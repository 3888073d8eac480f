import { VitValueError, shapeText, tensor } from '@vit/io';
import type { Accumulator, AccumulatorJSON, AccumulatorRestoreOptions, Data, Tensor } from '@vit/io';
import { contiguous3D } from './internal/tokens.js';
import { maskWeights, poolTokensFlat } from './internal/maskWeights.js';

/**
 * Which rows {@link FeatureCollector} keeps from a `[B,T,D]` tap (the `tokens` vocabulary of
 * the toolkit, plus `'masks'`):
 * - `'cls'`: token 0 of every image → one row per image;
 * - `'mean'`: mean of the spatial tokens (after the prefix) → one row per image;
 * - `'spatial'`: every spatial token → `T − prefix` rows per image, each labelled with its image's label;
 * - `'all'`: every token flattened → one `T·D` row per image;
 * - `'masks'`: one row per annotated mask of an image, the mask-weighted mean of its spatial
 *   tokens ({@link maskPool}, SPEC 11), labelled with the mask's label (object- or part-level).
 */
export type FeatureTokens = 'cls' | 'mean' | 'spatial' | 'all' | 'masks';

/** One annotated mask of an image and its category. */
export interface LabelledMask {
  /** `[H,W]`, non-zero = inside, in the frame of the token grid. */
  mask: Tensor<Data>;
  /** Category (object class or part class). */
  label: string | number;
}

/**
 * What {@link FeatureCollector.update} takes: a runtime `Capture`, or this subset of it.
 */
export interface FeatureInput {
  /** Per-layer taps; the one named by the `tap` option is read: `[B,T,D]` per layer (a layer already pooled to `[B,D]` is used as is). */
  taps: Partial<Record<string, readonly Tensor<Data>[]>>;
  /** 1-based block numbers of the tap entries. @default 1…L */
  layers?: readonly number[];
  /** The token layout; `prefix` is used when the `prefix` option is unset, `gh`, `gw` for `'masks'`. */
  grid?: { gh: number; gw: number; prefix: number };
  /** Per-image labels (`Capture.meta.labels`): integers or strings; needed unless `tokens` is `'masks'`. */
  meta?: { labels?: readonly (string | number | undefined)[] };
  /** Per image, its annotated masks (for `tokens: 'masks'`). */
  masks?: readonly (readonly LabelledMask[])[];
}

export interface FeatureCollectorOptions {
  /**
   * Which rows are kept; see {@link FeatureTokens}.
   * @default 'cls'
   */
  tokens?: FeatureTokens;
  /**
   * The tap of the input to read.
   * @default 'block'
   */
  tap?: string;
  /**
   * Prefix tokens (CLS + registers) before the spatial ones.
   * @default the input's `grid.prefix`, else 1
   */
  prefix?: number;
}

export interface CollectedFeatures {
  /** The 1-based layers, one per entry of `features`. */
  layers: number[];
  /** Per layer `[N,D]` in the order seen (merged shards: this shard first). */
  features: Tensor[];
  /** `[N]` label codes: row `i` has the label `classes[labels[i]]`. */
  labels: Int32Array;
  /** The distinct labels in order of first appearance (numbers and strings as given). */
  classes: (string | number)[];
}

type Stored = { tokens: FeatureTokens; tap: string; prefix: number | null };

interface State {
  layers: number[];
  dims: number[];
  /** Base64 of each layer's float32 rows (little-endian). */
  rows: string[];
  labels: number[];
  classes: (string | number)[];
}

const MODES: readonly FeatureTokens[] = ['cls', 'mean', 'spatial', 'all', 'masks'];
const key = (x: string | number) => `${typeof x}:${x}`;

/**
 * Collects per-layer features of a dataset (SPEC 10, 11) for clustering, in bounded memory:
 * the kept rows only (`N×D` per layer for `'cls'`/`'mean'`), never the whole taps. Labels may
 * be integers or strings; they are coded in order of first appearance (`classes`). Mergeable
 * and serialisable like every accumulator; `update` takes a Capture.
 *
 * @example
 * const col = new FeatureCollector({ tokens: 'cls' });
 * for await (const cap of session.stream(images)) col.update(cap); // cap.meta.labels from { path, label }
 * const { features, labels } = col.result();
 * const { labels: pred } = await kmeans(features[11], { k: 50 });
 * nmi(labels, pred);
 */
export class FeatureCollector implements Accumulator<FeatureInput, CollectedFeatures> {
  readonly options: Stored;
  private bufs: Float32Array[] = [];
  private dims: number[] = [];
  private layerIds: number[] = [];
  private lab = new Int32Array(0);
  private classList: (string | number)[] = [];
  private classIndex = new Map<string, number>();
  private n = 0;
  private images = 0;

  /**
   * Stores the options only.
   * @throws VitValueError on an unknown `tokens` mode or a negative prefix.
   */
  constructor(options: FeatureCollectorOptions = {}) {
    const tokens = options.tokens ?? 'cls';
    if (!MODES.includes(tokens)) {
      throw new VitValueError(`\`tokens\` of FeatureCollector must be one of ${MODES.map((m) => `'${m}'`).join(', ')}. Got ${JSON.stringify(tokens)}.`);
    }
    const prefix = options.prefix ?? null;
    if (prefix !== null && !(Number.isInteger(prefix) && prefix >= 0)) {
      throw new VitValueError(`\`prefix\` of FeatureCollector must be an integer ≥ 0. Got ${prefix}.`);
    }
    const tap = options.tap ?? 'block';
    if (typeof tap !== 'string' || !tap) throw new VitValueError(`\`tap\` of FeatureCollector must be a tap name such as 'block'. Got ${JSON.stringify(tap)}.`);
    this.options = { tokens, tap, prefix };
  }

  /** Images seen (for `'spatial'` and `'masks'` the row count is {@link rows}). */
  get seen(): number {
    return this.images;
  }

  /** Rows collected. */
  get rows(): number {
    return this.n;
  }

  /**
   * Add a batch.
   * @param input a Capture, or `{ taps, grid?, layers?, meta: { labels }, masks? }`.
   * @returns this
   * @throws VitValueError on bad shapes, NaN/Inf (naming layer and image), missing labels,
   * labels of a different length than the batch, or a layer count / width change.
   */
  update(input: FeatureInput): this {
    const fn = 'FeatureCollector.update';
    const { tokens, tap } = this.options;
    const feats = input?.taps?.[tap];
    if (!Array.isArray(feats) || feats.length === 0) {
      throw new VitValueError(`\`input.taps.${tap}\` of ${fn} must be a non-empty array of per-layer tensors (a Capture with the '${tap}' tap, or set the \`tap\` option).`);
    }
    const prefix = this.options.prefix ?? input.grid?.prefix ?? 1;
    const B = (feats[0] as Tensor<Data>)?.shape?.[0];
    feats.forEach((t, l) => {
      if (!t || !Array.isArray(t.shape) || t.data === undefined) throw new VitValueError(`\`input.taps.${tap}[${l}]\` (layer ${l + 1}) of ${fn} must be an ndarray tensor. Got ${typeof t}.`);
      if (t.shape[0] !== B) {
        throw new VitValueError(`\`input.taps.${tap}[${l}]\` (layer ${l + 1}) of ${fn} has ${t.shape[0]} images; layer 1 has ${B}.`, { code: 'VIT_SAMPLE_MISMATCH' });
      }
    });
    const layerIds = input.layers ? Array.from(input.layers) : feats.map((_, l) => l + 1);
    if (layerIds.length !== feats.length) {
      throw new VitValueError(`\`input.layers\` of ${fn} must hold one block number per tap entry (${feats.length}). Got ${layerIds.length}.`, { code: 'VIT_SHAPE' });
    }
    // Row labels (as given) and, for 'masks', the token weights of every mask.
    let rowLabels: (string | number)[];
    let weights: { image: number; w: Float64Array }[] = [];
    if (tokens === 'masks') {
      const grid = input.grid;
      if (!grid || !Number.isInteger(grid.gh) || !Number.isInteger(grid.gw)) {
        throw new VitValueError(`\`input.grid\` of ${fn} must give { gh, gw } for tokens 'masks' (a Capture has it).`);
      }
      if (!Array.isArray(input.masks) || input.masks.length !== B) {
        throw new VitValueError(`\`input.masks\` of ${fn} must hold one list of { mask, label } per image (${B}) for tokens 'masks'. Got ${Array.isArray(input.masks) ? `length ${input.masks.length}` : typeof input.masks}.`, {
          code: 'VIT_SHAPE',
        });
      }
      rowLabels = [];
      input.masks.forEach((list, b) => {
        if (!Array.isArray(list)) throw new VitValueError(`\`input.masks[${b}]\` of ${fn} must be an array of { mask, label }. Got ${typeof list}.`);
        list.forEach((m, i) => {
          checkLabel(m?.label, `\`input.masks[${b}][${i}].label\` of ${fn}`);
          const w = maskWeights(m.mask, grid.gh, grid.gw, `${fn} (masks[${b}][${i}])`);
          if (w) {
            weights.push({ image: b, w });
            rowLabels.push(m.label);
          }
        });
      });
      if (prefix + grid.gh * grid.gw !== (feats[0] as Tensor<Data>).shape[1]) {
        throw new VitValueError(`\`input.taps.${tap}[0]\` of ${fn} must have T = prefix + gh·gw = ${prefix + grid.gh * grid.gw} tokens for tokens 'masks'. Got ${shapeText(feats[0].shape)}.`, { code: 'VIT_SHAPE' });
      }
    } else {
      const labels = input.meta?.labels;
      if (!labels || labels.length !== B) {
        throw new VitValueError(`\`input.meta.labels\` of ${fn} must hold ${B} labels (one per image). Got ${labels ? `length ${labels.length}` : typeof labels}.`, {
          code: 'VIT_SHAPE',
        });
      }
      Array.from(labels).forEach((v, b) => checkLabel(v, `\`input.meta.labels[${b}]\` of ${fn}`, 'stream images as { path, label } so that the Capture carries labels'));
      const per = tokens === 'spatial' ? spatialCount(feats[0] as Tensor<Data>, prefix, fn, tap) : 1;
      rowLabels = [];
      for (let b = 0; b < B; b++) for (let k = 0; k < per; k++) rowLabels.push(labels[b] as string | number);
    }
    const rows = feats.map((t, l) => extract(t as Tensor<Data>, tokens, prefix, weights, `\`input.taps.${tap}[${l}]\` (layer ${l + 1}) of ${fn}`));
    const dims = rows.map((r) => r.D);
    if (this.n > 0 && (JSON.stringify(dims) !== JSON.stringify(this.dims) || JSON.stringify(layerIds) !== JSON.stringify(this.layerIds))) {
      throw new VitValueError(
        `\`input.taps.${tap}\` of ${fn} changed shape since the first update: layers ${JSON.stringify(this.layerIds)} of widths ${JSON.stringify(this.dims)}, now ${JSON.stringify(layerIds)} of widths ${JSON.stringify(dims)}.`,
        { code: 'VIT_SHAPE_CHANGE' },
      );
    }
    if (this.n === 0) {
      this.dims = dims;
      this.layerIds = layerIds;
    }
    this.append(rows.map((r) => r.d), Int32Array.from(rowLabels, (v) => this.code(v)), rowLabels.length);
    this.images += B;
    return this;
  }

  private code(v: string | number): number {
    const k = key(v);
    let c = this.classIndex.get(k);
    if (c === undefined) {
      c = this.classList.length;
      this.classList.push(v);
      this.classIndex.set(k, c);
    }
    return c;
  }

  private append(layerRows: Float32Array[], labels: Int32Array, count: number): void {
    const need = this.n + count;
    if (this.lab.length < need) {
      const cap = Math.max(need, 2 * this.lab.length, 64);
      const nl = new Int32Array(cap);
      nl.set(this.lab.subarray(0, this.n));
      this.lab = nl;
      this.bufs = this.dims.map((D, l) => {
        const nb = new Float32Array(cap * D);
        if (this.bufs[l]) nb.set(this.bufs[l].subarray(0, this.n * D));
        return nb;
      });
    }
    this.dims.forEach((D, l) => this.bufs[l].set(layerRows[l].subarray(0, count * D), this.n * D));
    this.lab.set(labels, this.n);
    this.n = need;
  }

  /**
   * Append another collector's rows after this one's (its labels re-coded into this one's classes).
   * @returns this
   * @throws VitValueError when options, layers or widths differ.
   */
  merge(other: FeatureCollector): this {
    const fn = 'FeatureCollector.merge';
    if (!(other instanceof FeatureCollector) || JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of ${fn} must be a FeatureCollector with the same options ${JSON.stringify(this.options)}. Got ${JSON.stringify((other as FeatureCollector)?.options)}.`);
    }
    if (other.n === 0) {
      this.images += other.images;
      return this;
    }
    if (this.n > 0 && (JSON.stringify(other.dims) !== JSON.stringify(this.dims) || JSON.stringify(other.layerIds) !== JSON.stringify(this.layerIds))) {
      throw new VitValueError(`\`other\` of ${fn} has layers ${JSON.stringify(other.layerIds)} of widths ${JSON.stringify(other.dims)}; this has ${JSON.stringify(this.layerIds)} of widths ${JSON.stringify(this.dims)}.`, {
        code: 'VIT_SHAPE_CHANGE',
      });
    }
    if (this.n === 0) {
      this.dims = other.dims.slice();
      this.layerIds = other.layerIds.slice();
    }
    const recode = other.classList.map((v) => this.code(v));
    const labels = Int32Array.from(other.lab.subarray(0, other.n), (c) => recode[c]);
    this.append(other.dims.map((D, l) => other.bufs[l].subarray(0, other.n * D)), labels, other.n);
    this.images += other.images;
    return this;
  }

  /**
   * The collected features (copies); pure and repeatable.
   * @throws VitValueError (`VIT_EMPTY`) before any row was collected.
   */
  result(): CollectedFeatures {
    if (this.n === 0) throw new VitValueError('FeatureCollector.result: no rows yet; call update() first.', { code: 'VIT_EMPTY' });
    return {
      layers: this.layerIds.slice(),
      features: this.dims.map((D, l) => tensor(this.bufs[l].slice(0, this.n * D), [this.n, D])),
      labels: this.lab.slice(0, this.n),
      classes: this.classList.slice(),
    };
  }

  /** Forget everything (options are kept). @returns this */
  reset(): this {
    this.bufs = [];
    this.dims = [];
    this.layerIds = [];
    this.lab = new Int32Array(0);
    this.classList = [];
    this.classIndex = new Map();
    this.n = 0;
    this.images = 0;
    return this;
  }

  /** `{ kind, version, options, state, seen }` with each layer's float32 rows as base64 (exact). */
  toJSON(): AccumulatorJSON<Stored, State> {
    const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return {
      kind: 'FeatureCollector',
      version: 2,
      options: { ...this.options },
      state: {
        layers: this.layerIds.slice(),
        dims: this.dims.slice(),
        rows: this.dims.map((D, l) => b64(this.bufs[l].subarray(0, this.n * D))),
        labels: Array.from(this.lab.subarray(0, this.n)),
        classes: this.classList.slice(),
      },
      seen: this.images,
    };
  }

  /**
   * Restore from {@link toJSON} output.
   * @param json the output of `toJSON()` (after a JSON round trip).
   * @param _options what JSON cannot carry (unused here: the collector does no arithmetic).
   * @throws VitValueError on another kind, an unknown version or inconsistent sizes.
   */
  static fromJSON(json: unknown, _options: AccumulatorRestoreOptions = {}): FeatureCollector {
    const j = json as AccumulatorJSON<Stored, State>;
    if (!j || j.kind !== 'FeatureCollector' || j.version !== 2) {
      throw new VitValueError(`\`json\` of FeatureCollector.fromJSON must be a FeatureCollector state of version 2. Got kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}.`);
    }
    const acc = new FeatureCollector({ tokens: j.options.tokens, tap: j.options.tap, ...(j.options.prefix === null ? {} : { prefix: j.options.prefix }) });
    const n = j.state.labels.length;
    if (n > 0) {
      acc.dims = j.state.dims.slice();
      acc.layerIds = j.state.layers.slice();
      const rows = j.state.rows.map((s, l) => {
        const bytes = Buffer.from(s, 'base64');
        if (bytes.byteLength !== n * acc.dims[l] * 4) throw new VitValueError(`\`json\` of FeatureCollector.fromJSON: layer ${acc.layerIds[l]} holds ${bytes.byteLength} bytes, expected ${n * acc.dims[l] * 4}.`);
        const f = new Float32Array(n * acc.dims[l]);
        new Uint8Array(f.buffer).set(bytes);
        return f;
      });
      for (const c of j.state.classes) acc.code(c);
      acc.append(rows, Int32Array.from(j.state.labels), n);
    }
    acc.images = j.seen;
    return acc;
  }
}

function checkLabel(v: unknown, what: string, hint = 'give every mask a label'): void {
  if (!((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && v.length > 0))) {
    throw new VitValueError(`${what} must be an integer or a non-empty string. Got ${v === undefined ? 'undefined' : JSON.stringify(v)}; ${hint}.`, { code: 'VIT_VALUE' });
  }
}

function spatialCount(t: Tensor<Data>, prefix: number, fn: string, tap: string): number {
  if (t.shape.length !== 3 || t.shape[1] - prefix < 1) {
    throw new VitValueError(`\`input.taps.${tap}[0]\` of ${fn} must be [B,T,D] with spatial tokens after prefix ${prefix} for tokens 'spatial'. Got ${shapeText(t.shape)}.`, { code: 'VIT_SHAPE' });
  }
  return t.shape[1] - prefix;
}

/** The kept rows of one layer, validated finite. */
function extract(t: Tensor<Data>, tokens: FeatureTokens, prefix: number, masks: { image: number; w: Float64Array }[], label: string): { d: Float32Array; D: number } {
  if (t.shape.length === 2 && tokens !== 'masks' && tokens !== 'spatial') {
    const [B, D] = t.shape;
    const src = t.data as unknown as ArrayLike<number>;
    const d = new Float32Array(B * D);
    for (let b = 0; b < B; b++) for (let j = 0; j < D; j++) d[b * D + j] = src[t.offset + b * t.stride[0] + j * t.stride[1]];
    return finite(d, D, 1, label);
  }
  if (t.shape.length !== 3) throw new VitValueError(`${label} must have shape [B,T,D] (or [B,D] rows already pooled). Got ${shapeText(t.shape)}.`, { code: 'VIT_SHAPE' });
  const [B, T, D] = t.shape;
  if ((tokens === 'mean' || tokens === 'spatial' || tokens === 'masks') && T - prefix < 1) {
    throw new VitValueError(`${label} has no spatial tokens after prefix ${prefix}: shape ${shapeText(t.shape)}.`, { code: 'VIT_SHAPE' });
  }
  if (tokens === 'cls' && (prefix < 1 || T < 1)) throw new VitValueError(`${label} has no CLS token (prefix = ${prefix}); use tokens 'mean'.`);
  const d = contiguous3D(t);
  const S = T - prefix;
  if (tokens === 'all') return finite(d.slice(), T * D, 1, label);
  if (tokens === 'cls') {
    const out = new Float32Array(B * D);
    for (let b = 0; b < B; b++) out.set(d.subarray(b * T * D, b * T * D + D), b * D);
    return finite(out, D, 1, label);
  }
  if (tokens === 'spatial') {
    const out = new Float32Array(B * S * D);
    for (let b = 0; b < B; b++) out.set(d.subarray((b * T + prefix) * D, (b + 1) * T * D), b * S * D);
    return finite(out, D, S, label);
  }
  if (tokens === 'mean') {
    const out = new Float32Array(B * D);
    const acc = new Float64Array(D);
    for (let b = 0; b < B; b++) {
      acc.fill(0);
      for (let k = prefix; k < T; k++) for (let j = 0; j < D; j++) acc[j] += d[(b * T + k) * D + j];
      for (let j = 0; j < D; j++) out[b * D + j] = acc[j] / S;
    }
    return finite(out, D, 1, label);
  }
  const out = new Float32Array(masks.length * D);
  masks.forEach((m, r) => out.set(poolTokensFlat(d, (m.image * T + prefix) * D, S, D, m.w), r * D));
  return finite(out, D, 0, label);
}

function finite(d: Float32Array, D: number, perImage: number, label: string): { d: Float32Array; D: number } {
  for (let i = 0; i < d.length; i++) {
    if (d[i] - d[i] !== 0) {
      const row = Math.floor(i / D);
      const where = perImage > 0 ? `image ${Math.floor(row / perImage)} (0-based) of the batch` : `mask row ${row} (0-based) of the batch`;
      throw new VitValueError(`${label} must be finite. Got ${d[i]} in ${where}.`, { code: 'VIT_NON_FINITE' });
    }
  }
  return { d, D };
}
