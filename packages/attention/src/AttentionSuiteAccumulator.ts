import { VitValueError, type Accumulator, type AccumulatorJSON, type AccumulatorRestoreOptions, type Data, type Tensor } from '@vit/io';
import { AAAMAccumulator, type AAAMAccumulatorOptions, type AAAMResult } from './AAAMAccumulator.js';
import { AttentionDistanceAccumulator, type AttentionDistanceAccumulatorOptions, type AttentionDistanceResult } from './AttentionDistanceAccumulator.js';
import { AverageCLSAccumulator, type AverageCLSAccumulatorOptions, type AverageCLSResult } from './AverageCLSAccumulator.js';
import { SaliencyIoUAccumulator, type SaliencyIoUAccumulatorOptions, type SaliencyIoUResult } from './SaliencyIoUAccumulator.js';
import { parseBatch, type AccumulatorCheckOptions, type AttentionInput } from './internal/base.js';
import { RowStats, requireCls } from './internal/view.js';

type Own<O> = Omit<O, keyof AccumulatorCheckOptions>;

/** Options of {@link AttentionSuiteAccumulator}: each analysis's options, or `false` to skip it. */
export interface AttentionSuiteOptions extends AccumulatorCheckOptions {
  /**
   * Average CLS maps (SPEC 1); set `false` for models without a CLS token.
   * @default {}
   */
  cls?: Own<AverageCLSAccumulatorOptions> | false;
  /**
   * Aligned aggregated attention maps (SPEC 2).
   * @default {}
   */
  aaam?: Own<AAAMAccumulatorOptions> | false;
  /**
   * Attention distance (SPEC 4).
   * @default {}
   */
  distance?: Own<AttentionDistanceAccumulatorOptions> | false;
  /**
   * Saliency IoU (SPEC 5); when on, every update needs `masks`.
   * @default false
   */
  saliency?: Own<SaliencyIoUAccumulatorOptions> | false;
}

/** A batch for {@link AttentionSuiteAccumulator}: attention (or a Capture), plus token `masks` `[B,gh,gw]` when saliency is on. */
export type AttentionSuiteBatch = AttentionInput & { masks?: Tensor<Data> };

/** Result of {@link AttentionSuiteAccumulator}: each analysis's result, null when skipped. */
export interface AttentionSuiteResult {
  cls: AverageCLSResult | null;
  aaam: AAAMResult | null;
  distance: AttentionDistanceResult | null;
  saliency: SaliencyIoUResult | null;
}

type Members = {
  saliency: SaliencyIoUAccumulator | null;
  cls: AverageCLSAccumulator | null;
  aaam: AAAMAccumulator | null;
  distance: AttentionDistanceAccumulator | null;
};
const NAMES = ['saliency', 'cls', 'aaam', 'distance'] as const;

/**
 * The attention analyses of a study in one accumulator: average CLS maps, AAAM, attention
 * distance and (with ground truth) saliency IoU, sharing one validated pass per layer — AAAM
 * and distance come from the same pass over the spatial rows, so the suite reads each
 * attention tensor about once. Results equal those of the separate accumulators.
 *
 * @example
 * const suite = new AttentionSuiteAccumulator({ saliency: { source: 'cls' } });
 * for await (const c of captures) suite.update({ ...c, masks: tokenMasks }); // tokenMasks [B,gh,gw]
 * const { aaam, distance } = suite.result();
 * classifyHeads(aaam!.aaam, distance!.perHead);
 */
export class AttentionSuiteAccumulator implements Accumulator<AttentionSuiteBatch, AttentionSuiteResult, AttentionSuiteOptions> {
  readonly kind = 'AttentionSuite';
  private readonly m: Members;
  private stats: RowStats | null = null;

  /** Stores the options only (and checks them). */
  constructor(readonly options: AttentionSuiteOptions = {}) {
    const check = { rowTolerance: options.rowTolerance, onWarning: options.onWarning };
    const pick = <T>(o: T | false | undefined, on: boolean): T | null => (o === false ? null : o === undefined ? (on ? ({} as T) : null) : o);
    const cls = pick(options.cls, true);
    const aaam = pick(options.aaam, true);
    const distance = pick(options.distance, true);
    const saliency = pick(options.saliency, false);
    this.m = {
      saliency: saliency ? new SaliencyIoUAccumulator({ ...saliency, ...check }) : null,
      cls: cls ? new AverageCLSAccumulator({ ...cls, ...check }) : null,
      aaam: aaam ? new AAAMAccumulator({ ...aaam, ...check }) : null,
      distance: distance ? new AttentionDistanceAccumulator({ ...distance, ...check }) : null,
    };
    if (NAMES.every((n) => this.m[n] === null)) throw new VitValueError('`options` of AttentionSuiteAccumulator must leave at least one analysis on.');
  }

  /** Images seen so far. */
  get seen(): number {
    const first = NAMES.map((n) => this.m[n]).find((x) => x !== null)!;
    return first.seen;
  }

  /** Restores a suite from {@link toJSON} output; `options.onWarning` re-attaches the warning sink (`backend` is not used). */
  static fromJSON(json: AccumulatorJSON<unknown, unknown>, options: AccumulatorRestoreOptions = {}): AttentionSuiteAccumulator {
    if (!json || json.kind !== 'AttentionSuite') throw new VitValueError(`\`json\` of AttentionSuiteAccumulator.fromJSON must have kind 'AttentionSuite'. Got ${JSON.stringify(json?.kind)}.`);
    if (json.version !== 1) throw new VitValueError(`\`json\` of AttentionSuiteAccumulator.fromJSON has state version ${json.version}; this version reads 1.`);
    const suite = new AttentionSuiteAccumulator({ ...(json.options as AttentionSuiteOptions), ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
    const st = json.state as Record<string, AccumulatorJSON<unknown, unknown> | null>;
    suite.m.saliency = suite.m.saliency && st.saliency ? SaliencyIoUAccumulator.fromJSON(st.saliency, options) : suite.m.saliency;
    suite.m.cls = suite.m.cls && st.cls ? AverageCLSAccumulator.fromJSON(st.cls, options) : suite.m.cls;
    suite.m.aaam = suite.m.aaam && st.aaam ? AAAMAccumulator.fromJSON(st.aaam, options) : suite.m.aaam;
    suite.m.distance = suite.m.distance && st.distance ? AttentionDistanceAccumulator.fromJSON(st.distance, options) : suite.m.distance;
    return suite;
  }

  /**
   * Adds one batch to every analysis that is on. Everything is validated before any state
   * changes, so a failed update leaves the suite as it was.
   * @throws VitValueError as the separate accumulators do.
   */
  update(input: AttentionSuiteBatch): this {
    const fn = 'AttentionSuite.update';
    this.stats ??= new RowStats(fn, 'attention', this.options);
    const parsed = parseBatch(input, fn, this.stats);
    const { saliency, cls, aaam, distance } = this.m;
    if ((cls && (cls.options.source ?? 'cls') === 'cls') || (saliency && (saliency.options.source ?? 'cls') === 'cls')) {
      requireCls(input.grid, fn, "turn the CLS analyses off (cls: false) or use their spatial variants");
    }
    if (saliency && !input.masks) throw new VitValueError(`\`masks\` of ${fn} is required while saliency is on: token masks [B,gh,gw].`);
    // Run every pass (and so every check) before the first analysis commits.
    const spatialRows = aaam || distance || (cls && (cls.options.source ?? 'cls') !== 'cls') || (saliency && saliency.options.source === 'spatial');
    for (const c of parsed.caches) {
      c.checkPrefixRows();
      if (spatialRows) c.spatial(); // validates every spatial row (and is the AAAM/distance pass)
      if (saliency && saliency.options.source === 'spatial') c.rawSpatialMaps();
    }
    // saliency first: its ground-truth check is the only one left that can fail.
    for (const n of NAMES) this.m[n]?.apply(input, parsed, fn);
    this.stats.flush();
    return this;
  }

  /** Merges another suite with the same analyses on. */
  merge(other: AttentionSuiteAccumulator): this {
    if (!(other instanceof AttentionSuiteAccumulator) || NAMES.some((n) => (this.m[n] === null) !== (other.m[n] === null))) {
      throw new VitValueError('`other` of AttentionSuiteAccumulator.merge must be an AttentionSuiteAccumulator with the same analyses on.');
    }
    for (const n of NAMES) (this.m[n] as { merge(o: unknown): unknown } | null)?.merge(other.m[n]);
    return this;
  }

  /** Every analysis's result (null when off). @throws VitValueError before the first update. */
  result(): AttentionSuiteResult {
    return {
      cls: this.m.cls?.result() ?? null,
      aaam: this.m.aaam?.result() ?? null,
      distance: this.m.distance?.result() ?? null,
      saliency: this.m.saliency?.result() ?? null,
    };
  }

  /** Clears every analysis. */
  reset(): this {
    for (const n of NAMES) this.m[n]?.reset();
    if (this.stats) {
      this.stats.warned = false;
      this.stats.worst = 0;
    }
    return this;
  }

  /** `{ kind, version, options, state, seen }`, the state holding each analysis's JSON. */
  toJSON(): AccumulatorJSON<AttentionSuiteOptions, Record<string, AccumulatorJSON<unknown, unknown> | null>> {
    const { onWarning: _w, ...options } = this.options;
    return {
      kind: this.kind,
      version: 1,
      options,
      state: Object.fromEntries(NAMES.map((n) => [n, (this.m[n]?.toJSON() as AccumulatorJSON<unknown, unknown> | undefined) ?? null])),
      seen: this.seen,
    };
  }
}
