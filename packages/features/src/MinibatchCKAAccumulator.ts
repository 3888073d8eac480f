// The class MinibatchCKA lives here because minibatchCKA.ts (the function) differs only in case.
import { VitValueError, resolveBackend, tensor } from '@vit/io';
import type { Accumulator, AccumulatorJSON, AccumulatorRestoreOptions, Data, NumericBackend, Tensor } from '@vit/io';
import { addMinibatch, ckaFromSums, emptySums, gramRows, prepareKernel } from './internal/hsic.js';
import type { HsicSums, PreparedKernel } from './internal/hsic.js';
import { TOKEN_MODES, checkGramDiagonal, rowsMatrix, rowsOf } from './internal/tokens.js';
import type { RowSource, TokenMode } from './internal/tokens.js';
import { checkInt, checkOnUndefined } from './internal/validate.js';
import type { OnUndefined } from './internal/validate.js';

export type { TokenMode };

export interface MinibatchCKAOptions {
  /**
   * Which tokens of each `[T,D]` image make its feature row: `all` (flatten `T·D`), `cls`
   * (token 0), `spatial` (flatten the `T − prefix` spatial tokens), `mean` (mean of the spatial tokens).
   * @default 'all'
   */
  tokens?: TokenMode;
  /** Prefix tokens (CLS + registers) before the spatial tokens. @default 1 */
  prefix?: number;
  /**
   * The tap read when `update` is given a Capture (or `{ taps }`) instead of a `Tensor[]`.
   * @default 'block'
   */
  tap?: string;
  /**
   * Rows per minibatch. Minibatches are consecutive images **within each `update` call**; the
   * last `B mod batchSize` images of a call are dropped (counted in {@link MinibatchCKA.dropped}),
   * so feed batches whose size is a multiple of `batchSize`.
   * @default 8
   */
  batchSize?: number;
  /** Rescale each minibatch kernel to [0,1] by min/max first (the paper's public code). @default false */
  reference?: boolean;
  /** Undefined CKA (a constant layer): `throw` in `result()`, or `nan` entries. @default 'throw' */
  onUndefined?: OnUndefined;
  /**
   * Backend for the Gram matrices of {@link MinibatchCKA.updateAsync} (not serialised); the
   * synchronous `update` always uses its own TypeScript kernel.
   * @default the default backend of `resolveBackend` (onnxruntime when installed)
   */
  backend?: NumericBackend;
}

type StoredOptions = Required<Omit<MinibatchCKAOptions, 'backend'>>;

/** What `update` takes per model: per-layer `[B,T,D]` taps, or a Capture (its `taps[tap]` is read). */
export type MinibatchCKAInput = readonly Tensor<Data>[] | { taps: Partial<Record<string, readonly Tensor<Data>[]>> };

interface Meta {
  /** `[T,D]` of every layer of model A / model B. */
  shapesA: [number, number][];
  shapesB: [number, number][];
  /** Within-model mode: `update(feats)` with one list; the result is layer × layer of that model. */
  same: boolean;
  /** Images in partial trailing minibatches, not used. */
  dropped: number;
}

/** Serialised state: {@link Meta} plus the float64 HSIC₁ sums (as JSON numbers, exact). */
interface State extends Meta {
  kl: number[];
  kk: number[];
  ll: number[];
  kScale: number[];
  lScale: number[];
  batches: number;
}

/**
 * Minibatch CKA over many layers of two models at once (SPEC 8), as an accumulator: feed
 * per-layer `[B,T,D]` taps of model A and model B for the same images; `result()` is the
 * `[LA,LB]` CKA matrix. With one list (`update(feats)`) it computes the within-model
 * layer × layer matrix. Residual CKA: pass the skip taps as model A and the branch taps as
 * model B (or use {@link residualCKA}).
 *
 * `update` computes the small `B×B` Gram matrices with a TypeScript kernel (synchronous,
 * as the accumulator contract needs); `updateAsync` sends them through `options.backend`
 * (the default backend when none is given). Both give the same state.
 *
 * @example
 * const acc = new MinibatchCKA({ tokens: 'cls' });
 * for (let i = 0; i < capturesA.length; i++) acc.update(capturesA[i], capturesB[i]); // Captures of two models, same images
 * const m = acc.result(); // [12,12]
 */
export class MinibatchCKA implements Accumulator<MinibatchCKAInput, Tensor> {
  readonly options: StoredOptions;
  private readonly backend: NumericBackend | undefined;
  private st: Meta | null = null;
  private sums: HsicSums | null = null;
  private n = 0;

  /**
   * @param options see {@link MinibatchCKAOptions}; only stored here.
   * @throws VitValueError on an unknown token mode, `batchSize < 4`, negative `prefix`.
   */
  constructor(options: MinibatchCKAOptions = {}) {
    const fn = 'MinibatchCKA';
    const tokens = options.tokens ?? 'all';
    if (!TOKEN_MODES.includes(tokens)) {
      throw new VitValueError(`\`tokens\` of ${fn} must be one of ${TOKEN_MODES.join(', ')}. Got ${JSON.stringify(tokens)}.`);
    }
    this.options = {
      tokens,
      prefix: checkInt(options.prefix ?? 1, 'prefix', fn, 0),
      batchSize: checkInt(options.batchSize ?? 8, 'batchSize', fn, 4),
      tap: options.tap ?? 'block',
      reference: options.reference ?? false,
      onUndefined: checkOnUndefined(options.onUndefined, fn),
    };
    this.backend = options.backend;
  }

  /** Images seen (including dropped ones). */
  get seen(): number {
    return this.n;
  }

  /** Images that fell in a partial trailing minibatch of some `update` and were not used. */
  get dropped(): number {
    return this.st?.dropped ?? 0;
  }

  /**
   * Add one batch of the same `B` images seen by both models.
   * @param featsA per-layer taps of model A, each `[B,T,D]`, or model A's Capture.
   * @param featsB per-layer taps (or the Capture) of model B, each `[B,T',D']`; omit for the within-model matrix.
   * @returns this
   * @throws VitValueError on bad shapes, NaN/Inf (naming layer and image), different `B`
   * between the models (`VIT_SAMPLE_MISMATCH`), or a shape change since the first update.
   */
  update(featsA: MinibatchCKAInput, featsB?: MinibatchCKAInput): this {
    const p = this.prepare(featsA, featsB, 'MinibatchCKA.update');
    this.accumulate(p, (r, from) => gramRows(r.data, r.offsets.slice(from, from + p.bs), r.len));
    return this;
  }

  /**
   * Same as {@link update}, with the Gram matrices computed by `options.backend`.
   * @returns a promise of this
   */
  async updateAsync(featsA: MinibatchCKAInput, featsB?: MinibatchCKAInput): Promise<this> {
    const p = this.prepare(featsA, featsB, 'MinibatchCKA.updateAsync');
    const backend = await resolveBackend(this.backend);
    const grams = new Map<RowSource, ArrayLike<number>[]>();
    for (const r of p.same ? p.rowsA : [...p.rowsA, ...p.rowsB]) {
      const list: ArrayLike<number>[] = [];
      for (let m = 0; m < p.nmb; m++) list.push((await backend.gram(rowsMatrix(r, m * p.bs, p.bs))).data);
      grams.set(r, list);
    }
    this.accumulate(p, (r, from) => grams.get(r)![from / p.bs]);
    return this;
  }

  private prepare(inA: MinibatchCKAInput, inB: MinibatchCKAInput | undefined, fn: string) {
    const { tokens, prefix, batchSize: bs, tap } = this.options;
    const layersOf = (x: MinibatchCKAInput | undefined) => (x && !Array.isArray(x) && 'taps' in (x as object) ? (x as { taps: Record<string, Tensor[]> }).taps[tap] : x) as Tensor[] | undefined;
    const featsA = layersOf(inA) as Tensor[];
    const featsB = inB === undefined || inB === inA ? undefined : layersOf(inB);
    const same = featsB === undefined || featsB === featsA;
    if (!Array.isArray(featsA) || featsA.length === 0) {
      throw new VitValueError(`\`featsA\` of ${fn} must be a non-empty array of [B,T,D] tensors (one per layer). Got ${Array.isArray(featsA) ? 'an empty array' : typeof featsA}.`);
    }
    if (!same && (!Array.isArray(featsB) || featsB.length === 0)) {
      throw new VitValueError(`\`featsB\` of ${fn} must be a non-empty array of [B,T,D] tensors (one per layer). Got ${Array.isArray(featsB) ? 'an empty array' : typeof featsB}.`);
    }
    const a = featsA.map((t, i) => rowsOf(t, tokens, prefix, { arg: 'featsA', layer: i + 1, fn }));
    const b = same ? a : featsB!.map((t, i) => rowsOf(t, tokens, prefix, { arg: 'featsB', layer: i + 1, fn }));
    const B = a[0].shape[0];
    for (const [list, arg] of [[a, 'featsA'], [b, 'featsB']] as const) {
      list.forEach((x, i) => {
        if (x.shape[0] !== B) {
          throw new VitValueError(
            `\`${arg}[${i}]\` (layer ${i + 1}) of ${fn} has ${x.shape[0]} images but \`featsA[0]\` has ${B}: both models must see the same images.`,
            { code: 'VIT_SAMPLE_MISMATCH' },
          );
        }
      });
    }
    const shapesA = a.map((x) => [x.shape[1], x.shape[2]] as [number, number]);
    const shapesB = b.map((x) => [x.shape[1], x.shape[2]] as [number, number]);
    if (this.st) {
      if (this.st.same !== same) {
        throw new VitValueError(`${fn}: this accumulator was started ${this.st.same ? 'with one model (within-model)' : 'with two models'}; keep calling it the same way.`);
      }
      checkShapes(this.st.shapesA, shapesA, 'featsA', fn);
      checkShapes(this.st.shapesB, shapesB, 'featsB', fn);
    }
    return { fn, rowsA: a.map((x) => x.rows), rowsB: b.map((x) => x.rows), same, B, bs, nmb: Math.floor(B / bs), shapesA, shapesB };
  }

  private accumulate(p: ReturnType<MinibatchCKA['prepare']>, gram: (r: RowSource, from: number) => ArrayLike<number>): void {
    const ref = this.options.reference;
    // All kernels first, so a bad value throws before the state changes.
    const kernels = (rows: RowSource[], m: number) =>
      rows.map((r) => {
        const g = gram(r, m * p.bs);
        checkGramDiagonal(r, g, m * p.bs, p.bs, p.fn);
        return prepareKernel(g, p.bs, ref);
      });
    const batches: [PreparedKernel[], PreparedKernel[]][] = [];
    for (let m = 0; m < p.nmb; m++) {
      const ka = kernels(p.rowsA, m);
      batches.push([ka, p.same ? ka : kernels(p.rowsB, m)]);
    }
    if (!this.st) {
      this.st = { shapesA: p.shapesA, shapesB: p.shapesB, same: p.same, dropped: 0 };
      this.sums = emptySums(p.shapesA.length, p.shapesB.length);
    }
    for (const [ka, kb] of batches) addMinibatch(this.sums!, ka, kb);
    this.st.dropped += p.B - p.nmb * p.bs;
    this.n += p.B;
  }

  /**
   * Combine another accumulator's state (other images), as if this one had seen them too.
   * @throws VitValueError when options, mode or layer shapes differ.
   */
  merge(other: MinibatchCKA): this {
    const fn = 'MinibatchCKA.merge';
    if (JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of ${fn} must have the same options. Got ${JSON.stringify(other.options)} vs ${JSON.stringify(this.options)}.`);
    }
    if (!other.st) return this;
    if (!this.st) {
      this.st = structuredClone(other.st);
      this.sums = cloneSums(other.sums!);
      this.n = other.n;
      return this;
    }
    if (this.st.same !== other.st.same) throw new VitValueError(`\`other\` of ${fn} must be in the same mode (within-model vs two models).`);
    checkShapes(this.st.shapesA, other.st.shapesA, 'featsA', fn);
    checkShapes(this.st.shapesB, other.st.shapesB, 'featsB', fn);
    const s = this.sums!;
    const o = other.sums!;
    for (const key of ['kl', 'kk', 'll', 'kScale', 'lScale'] as const) for (let i = 0; i < s[key].length; i++) s[key][i] += o[key][i];
    s.batches += o.batches;
    this.st.dropped += other.st.dropped;
    this.n += other.n;
    return this;
  }

  /**
   * The CKA matrix `[LA,LB]` (float32; rows = layers of model A, 1-based layer `l` at row `l−1`).
   * @throws VitValueError before any update, when no complete minibatch was seen, or when a
   * layer is constant (CKA undefined) unless `onUndefined: 'nan'`.
   */
  result(): Tensor {
    if (!this.st || !this.sums) throw new VitValueError('MinibatchCKA.result: no data yet; call update() first.', { code: 'VIT_EMPTY' });
    if (this.sums.batches === 0) {
      throw new VitValueError(
        `MinibatchCKA.result: no complete minibatch of ${this.options.batchSize} images was seen (${this.st.dropped} images dropped); update with batches of at least batchSize images.`,
        { code: 'VIT_EMPTY' },
      );
    }
    const { values, badA, badB } = ckaFromSums(this.sums);
    if ((badA.length || badB.length) && this.options.onUndefined === 'throw') {
      const parts = [
        ...badA.map((l) => `layer ${l + 1} of model A`),
        ...(this.st.same ? [] : badB.map((l) => `layer ${l + 1} of model B`)),
      ];
      throw new VitValueError(
        `MinibatchCKA.result: CKA is undefined for ${parts.join(', ')} (constant features: mean HSIC₁(K,K) is not positive). Pass { onUndefined: 'nan' } to get NaN there.`,
        { code: 'VIT_CKA_UNDEFINED' },
      );
    }
    return tensor(Float32Array.from(values), [this.st.shapesA.length, this.st.shapesB.length]);
  }

  /** Forget everything seen. @returns this */
  reset(): this {
    this.st = null;
    this.sums = null;
    this.n = 0;
    return this;
  }

  /** Serialisable state (float64 sums as JSON numbers, exact). */
  toJSON(): AccumulatorJSON<StoredOptions, State | null> {
    const s = this.sums;
    const state: State | null = this.st && s
      ? { ...this.st, kl: [...s.kl], kk: [...s.kk], ll: [...s.ll], kScale: [...s.kScale], lScale: [...s.lScale], batches: s.batches }
      : null;
    return { kind: 'MinibatchCKA', version: 1, options: { ...this.options }, state, seen: this.n };
  }

  /**
   * Restore from {@link toJSON} output.
   * @param options `backend` for `updateAsync` (backends are not serialised).
   * @throws VitValueError on another kind or an unknown version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): MinibatchCKA {
    const j = json as AccumulatorJSON<StoredOptions, State | null>;
    if (!j || j.kind !== 'MinibatchCKA' || j.version !== 1) {
      throw new VitValueError(`\`json\` of MinibatchCKA.fromJSON must be a MinibatchCKA state of version 1. Got kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}.`);
    }
    const acc = new MinibatchCKA({ ...j.options, backend: options.backend });
    if (j.state) {
      const s = j.state;
      acc.st = { shapesA: s.shapesA, shapesB: s.shapesB, same: s.same, dropped: s.dropped };
      acc.sums = {
        kl: Float64Array.from(s.kl),
        kk: Float64Array.from(s.kk),
        ll: Float64Array.from(s.ll),
        kScale: Float64Array.from(s.kScale),
        lScale: Float64Array.from(s.lScale),
        batches: s.batches,
      };
    }
    acc.n = j.seen;
    return acc;
  }
}

function checkShapes(want: [number, number][], got: [number, number][], arg: string, fn: string): void {
  const w = JSON.stringify(want);
  const g = JSON.stringify(got);
  if (w !== g) {
    throw new VitValueError(
      `\`${arg}\` of ${fn} changed shape since the first update: per-layer [T,D] were ${w}, now ${g}.`,
      { code: 'VIT_SHAPE_CHANGE' },
    );
  }
}

function cloneSums(s: HsicSums): HsicSums {
  return {
    kl: s.kl.slice(),
    kk: s.kk.slice(),
    ll: s.ll.slice(),
    kScale: s.kScale.slice(),
    lScale: s.lScale.slice(),
    batches: s.batches,
  };
}
