import { VitValueError, type Accumulator, type AccumulatorJSON, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from '../grid.js';
import { LayerCache } from './cache.js';
import { RowStats, attentionView, checkGrid } from './view.js';

/** One batch of per-layer attention: `attention[l]` is layer `l+1`'s `[B,H,T,T]`. */
export interface AttentionBatch {
  /** Per-layer attention probabilities, each `[B,H,T,T]` with the same B and H. */
  attention: readonly Tensor[];
  /** The token layout. */
  grid: AttentionGrid;
}

/** The runtime's Capture (or anything shaped like it): `taps.attention` is `Tensor[L]`. */
export interface AttentionCapture {
  taps: { attention?: readonly Tensor[] };
  grid: AttentionGrid;
}

/** What the attention accumulators take in `update`: a batch or a runtime Capture. */
export type AttentionInput = AttentionBatch | AttentionCapture;

/** The shape every update of one accumulator must keep. */
export interface LayerShape {
  L: number;
  H: number;
  gh: number;
  gw: number;
  prefix: number;
}

/** Options every attention accumulator takes (the check options, without a fixed layer). */
export type AccumulatorCheckOptions = Omit<AttentionCheckOptions, 'layer'>;

type Arrays = Record<string, Float64Array>;

/** JSON has no NaN: per-image values that are NaN (skipped) travel as null. */
const enc = (a: ArrayLike<number>): (number | null)[] => Array.from(a, (x) => (Number.isNaN(x) ? null : x));
const dec = (a: readonly (number | null)[]): number[] => a.map((x) => (x === null ? NaN : x));

/**
 * The machinery shared by the four attention accumulators: input parsing, shape checks,
 * state as named float64 arrays that add under `merge`, an optional per-image table that
 * concatenates, atomic updates (a bad layer leaves the state untouched), and JSON.
 */
export abstract class LayeredAccumulator<O extends object, Out> implements Accumulator<AttentionInput, Out, Record<string, unknown>, LayeredState> {
  protected shape: LayerShape | null = null;
  protected sums: Arrays = {};
  protected perImage: number[] | null = null;
  protected n = 0;
  protected stats: RowStats | null = null;

  protected constructor(
    readonly kind: string,
    readonly options: O & AccumulatorCheckOptions,
  ) {}

  /** Images seen so far. */
  get seen(): number {
    return this.n;
  }

  /** Sizes of the state arrays for a shape. */
  protected abstract sizes(s: LayerShape): Record<string, number>;
  /** Per-image values per image and layer, or 0 when this accumulator keeps none. */
  protected abstract perImageWidth(s: LayerShape): number;
  /** Extra validation of the input (before any layer is read); returns per-batch context. */
  protected prepare(_input: AttentionInput, _B: number, _s: LayerShape, _fn: string): unknown {
    return undefined;
  }
  /** Adds layer `l`'s contribution into `delta` (zeroed) and per-image rows into `img` ([B, width] for this layer). */
  protected abstract layer(l: number, c: LayerCache, delta: Arrays, img: Float64Array | null, ctx: unknown): void;
  /** Whether options make this accumulator keep a per-image table. */
  protected abstract keepsPerImage(): boolean;
  /** The JSON-safe part of the options. */
  protected abstract jsonOptions(): Record<string, unknown>;

  /** The analysis's result so far; pure and repeatable. @throws VitValueError before the first update. */
  abstract result(): Out;

  protected requireData(fn: string): LayerShape {
    if (this.shape === null || this.n === 0) throw new VitValueError(`${this.kind}.${fn}() needs at least one update() first.`, { code: 'VIT_EMPTY' });
    return this.shape;
  }

  /**
   * Adds one batch: every layer of `input.attention` (or `input.taps.attention`).
   * @throws VitValueError when the shapes differ from the first update, or any check of the
   *   functional API fails (the state is then unchanged).
   */
  update(input: AttentionInput): this {
    const fn = `${this.kind}.update`;
    this.stats ??= new RowStats(fn, 'attention', this.options);
    const parsed = parseBatch(input, fn, this.stats);
    this.apply(input, parsed, fn);
    this.stats.flush();
    return this;
  }

  /**
   * Adds a batch whose layers were already validated into shared {@link LayerCache}s (so
   * several accumulators share one pass per layer). Does not issue the row-sum warning;
   * the caller flushes its own stats.
   * @internal
   */
  apply(input: AttentionInput, parsed: ParsedBatch, fn: string): void {
    const { s, B, caches } = parsed;
    if (this.shape !== null) checkSameShape(this.shape, s, fn);
    const ctx = this.prepare(input, B, s, fn);
    const sizes = this.sizes(s);
    const delta: Arrays = {};
    for (const [k, n] of Object.entries(sizes)) delta[k] = new Float64Array(n);
    const width = this.keepsPerImage() ? this.perImageWidth(s) : 0;
    const img = width > 0 ? new Float64Array(B * s.L * width) : null;
    const imgLayer = width > 0 ? new Float64Array(B * width) : null;
    for (let l = 0; l < s.L; l++) {
      caches[l].st.layer = l + 1;
      this.layer(l, caches[l], delta, imgLayer, ctx);
      if (img !== null && imgLayer !== null) {
        for (let b = 0; b < B; b++) for (let w = 0; w < width; w++) img[(b * s.L + l) * width + w] = imgLayer[b * width + w];
      }
    }
    // Commit only after every layer passed its checks.
    if (this.shape === null) {
      this.shape = s;
      this.sums = delta;
      this.perImage = width > 0 ? [] : null;
    } else {
      for (const k of Object.keys(delta)) {
        const a = this.sums[k];
        const d = delta[k];
        for (let i = 0; i < a.length; i++) a[i] += d[i];
      }
    }
    if (img !== null && this.perImage !== null) for (let i = 0; i < img.length; i++) this.perImage.push(img[i]);
    this.n += B;
  }

  /**
   * Adds the state of another accumulator of the same kind, options and shapes (a shard);
   * its per-image rows go after this one's.
   */
  merge(other: this): this {
    const fn = `${this.kind}.merge`;
    if (!(other instanceof LayeredAccumulator) || other.kind !== this.kind) {
      throw new VitValueError(`\`other\` of ${fn} must be a ${this.kind}. Got ${(other as { kind?: string })?.kind ?? typeof other}.`);
    }
    if (JSON.stringify(other.jsonOptions()) !== JSON.stringify(this.jsonOptions())) {
      throw new VitValueError(`\`other\` of ${fn} must have the same options ${JSON.stringify(this.jsonOptions())}. Got ${JSON.stringify(other.jsonOptions())}.`);
    }
    if (other.shape === null || other.n === 0) return this;
    if (this.shape === null || this.n === 0) {
      this.shape = { ...other.shape };
      this.sums = Object.fromEntries(Object.entries(other.sums).map(([k, a]) => [k, a.slice()]));
      this.perImage = other.perImage ? other.perImage.slice() : null;
      this.n = other.n;
      return this;
    }
    checkSameShape(this.shape, other.shape, fn);
    for (const k of Object.keys(this.sums)) {
      const a = this.sums[k];
      const d = other.sums[k];
      for (let i = 0; i < a.length; i++) a[i] += d[i];
    }
    if (this.perImage && other.perImage) for (const x of other.perImage) this.perImage.push(x);
    this.n += other.n;
    return this;
  }

  /** Clears the state (options are kept). */
  reset(): this {
    this.shape = null;
    this.sums = {};
    this.perImage = null;
    this.n = 0;
    if (this.stats) {
      this.stats.warned = false;
      this.stats.worst = 0;
    }
    return this;
  }

  /** `{ kind, version, options, state, seen }`: plain JSON (NaN per-image values as null). */
  toJSON(): AccumulatorJSON<Record<string, unknown>, LayeredState> {
    return {
      kind: this.kind,
      version: 1,
      options: this.jsonOptions(),
      state: {
        shape: this.shape,
        sums: Object.fromEntries(Object.entries(this.sums).map(([k, a]) => [k, Array.from(a)])),
        perImage: this.perImage ? enc(this.perImage) : null,
      },
      seen: this.n,
    };
  }

  /** Restores state written by {@link toJSON} (used by each subclass's static `fromJSON`). */
  protected restore(json: AccumulatorJSON<unknown, LayeredState>): this {
    const fn = `${this.kind}.fromJSON`;
    if (!json || json.kind !== this.kind) throw new VitValueError(`\`json\` of ${fn} must have kind '${this.kind}'. Got ${JSON.stringify(json?.kind)}.`);
    if (json.version !== 1) throw new VitValueError(`\`json\` of ${fn} has state version ${json.version}; this version reads 1.`);
    const st = json.state;
    if (st.shape !== null) {
      const sizes = this.sizes(st.shape);
      for (const [k, n] of Object.entries(sizes)) {
        const a = st.sums?.[k];
        if (!Array.isArray(a) || a.length !== n) throw new VitValueError(`\`json.state.sums.${k}\` of ${fn} must have ${n} numbers. Got ${Array.isArray(a) ? a.length : typeof a}.`);
      }
      this.shape = { ...st.shape };
      this.sums = Object.fromEntries(Object.keys(sizes).map((k) => [k, Float64Array.from(st.sums[k])]));
      this.perImage = st.perImage ? dec(st.perImage) : this.keepsPerImage() ? [] : null;
    }
    this.n = json.seen;
    return this;
  }
}

/** The serialised state of the attention accumulators. */
export interface LayeredState {
  shape: LayerShape | null;
  sums: Record<string, number[]>;
  perImage: (number | null)[] | null;
}

/** A batch whose layers are validated, with one lazily computed {@link LayerCache} per layer. */
export interface ParsedBatch {
  s: LayerShape;
  B: number;
  caches: LayerCache[];
}

/** Validates a batch once: every layer against the grid, equal B and H across layers. */
export function parseBatch(input: AttentionInput, fn: string, st: RowStats): ParsedBatch {
  const layers = readLayers(input, fn);
  const grid = input.grid;
  checkGrid(grid, fn);
  const views = layers.map((t, l) => attentionView(t, grid, fn, `attention[${l}]`));
  const B = views[0].B;
  const s: LayerShape = { L: layers.length, H: views[0].H, gh: grid.gh, gw: grid.gw, prefix: grid.prefix };
  views.forEach((v, l) => {
    if (v.B !== B || v.H !== s.H) {
      throw new VitValueError(`\`attention[${l}]\` of ${fn} must have the B and H of \`attention[0]\` ([${B},${s.H}]). Got [${v.B},${v.H}].`, { code: 'VIT_SHAPE' });
    }
  });
  return { s, B, caches: views.map((v, l) => new LayerCache(v, st, l + 1)) };
}

function readLayers(input: AttentionInput, fn: string): readonly Tensor[] {
  if (!input || typeof input !== 'object') throw new VitValueError(`\`input\` of ${fn} must be { attention: Tensor[L], grid } or a Capture. Got ${input === null ? 'null' : typeof input}.`);
  const layers = 'attention' in input ? input.attention : (input as AttentionCapture).taps?.attention;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new VitValueError(`\`attention\` of ${fn} must be a non-empty array of per-layer [B,H,T,T] tensors (Capture.taps.attention). Got ${Array.isArray(layers) ? 'an empty array' : typeof layers}.`);
  }
  return layers;
}

/** Throws the shape-change message unless `a` and `b` agree. */
export function checkSameShape(a: LayerShape, b: LayerShape, fn: string): void {
  if (a.L !== b.L || a.H !== b.H || a.gh !== b.gh || a.gw !== b.gw || a.prefix !== b.prefix) {
    const t = (s: LayerShape) => `${s.L} layers × ${s.H} heads on a ${s.gh}×${s.gw} grid with prefix ${s.prefix}`;
    throw new VitValueError(`\`attention\` of ${fn} changed shape between updates: expected ${t(a)} as before. Got ${t(b)}.`, { code: 'VIT_SHAPE_CHANGE' });
  }
}
