import { z } from 'zod';
import { VitValueError, contiguous, tensor, type AccumulatorJSON, type Tensor } from '@vit/io';
import { AttentionSuiteAccumulator, attentionOffset, classifyHeads, sparsePatternScore, type HeadClass } from '@vit/attention';
import { PCAAccumulator, pca, pcaProject, type PCAModel } from '@vit/features';
import type { Capture } from '@vit/runtime';
import type { AttentionResults, ExampleImage } from '@vit/report';
import type { AnalysisState, ModelFragment, PassContext, StudyAnalysis, StudyItem, TapNeeds } from '../types.js';
import type { AnalysisConfig } from './configs.js';
import { analysisBase } from './common.js';
import { analysisLayers } from './internal/analysisLayers.js';
import { expandLayers } from './internal/expandLayers.js';
import { itemPositions } from './internal/itemPositions.js';
import { seenImage } from './internal/seenImage.js';
import { tapLayers } from './internal/tapLayers.js';

const share = z.number().min(0);
const radius = z.number().int().min(0);

/** The `attention` entry of a study config's `analyses`: the attention suite (SPEC 1–4, 6, 7) and the viewer examples. */
export const attentionConfig = analysisBase.extend({
  type: z.literal('attention'),
  /** Viewer examples: the first N images of the dataset (as the model saw them, their attention, PCA-RGB of their patch tokens). */
  examples: z.number().int().min(0).default(3),
  /**
   * Images (the first N of the dataset) the PCA of the examples' patch tokens is fitted on; `null` =
   * every image of the pass. Default: the examples themselves, as DINO-style PCA figures fit the
   * shown images' patches (a wider fit costs a `[T,D]ᵀ[T,D]` product per layer and image, about a
   * tenth of a ViT-S forward).
   */
  pcaImages: z.number().int().min(1).nullable().optional(),
  /** AAAM `coverage` (SPEC 2): divide each cell by the share of queries whose window covers it. */
  coverage: z.boolean().default(false),
  /** Top cells per head of the sparse-pattern score (SPEC 7); default 5% of the grid. */
  sparseK: z.number().int().min(1).optional(),
  /** Thresholds of the head taxonomy (`classifyHeads` of @vit/attention; SPEC 6). */
  taxonomy: z
    .object({
      strictMass: share.optional(),
      localMass: share.optional(),
      peakRadius: radius.optional(),
      softRadius: radius.optional(),
      minOffset: share.optional(),
      maxOffset: share.optional(),
      axialMass: share.optional(),
      armMass: share.optional(),
      globalRatio: share.optional(),
    })
    .strict()
    .optional(),
});
export type AttentionConfig = z.infer<typeof attentionConfig>;

/** The classes of `attention.taxonomy.index`, in index order. */
const CLASSES: readonly HeadClass[] = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];
const KIND = 'study-attention';

/** One viewer example as the pass captured it. */
interface Example {
  /** Position in the dataset's item list. */
  position: number;
  index: number;
  id: string;
  path: string;
  /** `[L',H,T,T]` attention of the selected layers. */
  attention: Float32Array;
  /** `[L',gh·gw,D]` patch tokens of the selected layers' block outputs. */
  tokens: Float32Array;
}

interface StateJSON {
  kind: typeof KIND;
  version: 1;
  layers: number[];
  suite: AccumulatorJSON<unknown, unknown>;
  pca: AccumulatorJSON<unknown, unknown>[] | null;
  examples: Example[];
}

const settings = (config: AnalysisConfig | AttentionConfig): AttentionConfig => attentionConfig.parse(config);

/** The attention analyses of one (model, dataset) pass or shard. */
class AttentionState implements AnalysisState {
  constructor(
    readonly layers: number[],
    readonly suite: AttentionSuiteAccumulator,
    readonly pcas: PCAAccumulator[] | null,
    public examples: Example[],
    readonly cfg: AttentionConfig,
    private readonly positions: Map<number, number>,
  ) {}

  async update(capture: Capture, items: readonly StudyItem[]): Promise<void> {
    const attention = tapLayers(capture, 'attention', this.layers);
    this.suite.update({ attention, grid: capture.grid });
    if (this.cfg.examples === 0) return;
    const block = tapLayers(capture, 'block', this.layers);
    const B = items.length;
    const pos = items.map((it) => {
      const p = this.positions.get(it.index);
      if (p === undefined) throw new VitValueError(`item ${it.index} (${it.id}) is not an item of the pass's dataset; the engine must hand the pass's own items to update().`);
      return p;
    });
    const { prefix, gh, gw } = capture.grid;
    const N = gh * gw;
    if (this.pcas) await this.accumulatePca(this.pcas, block, pos, prefix);
    // The first `examples` images of the dataset: their attention and patch tokens.
    for (let b = 0; b < B; b++) {
      if (pos[b] >= this.cfg.examples || this.examples.some((e) => e.position === pos[b])) continue;
      const [, H, T] = attention[0].shape;
      const D = block[0].shape[2];
      const L = this.layers.length;
      const att = new Float32Array(L * H * T * T);
      const tok = new Float32Array(L * N * D);
      for (let i = 0; i < L; i++) {
        att.set(attention[i].data.subarray(b * H * T * T, (b + 1) * H * T * T), i * H * T * T);
        tok.set(block[i].data.subarray((b * T + prefix) * D, (b + 1) * T * D), i * N * D);
      }
      this.examples.push({ position: pos[b], index: items[b].index, id: items[b].id, path: items[b].path, attention: att, tokens: tok });
    }
    this.examples.sort((a, b) => a.position - b.position);
  }

  /** PCA accumulators over the first `pcaImages` images of the pass (`null`: all), rows = patch tokens. */
  private async accumulatePca(pcas: PCAAccumulator[], block: Tensor<Float32Array>[], pos: number[], prefix: number): Promise<void> {
    const lim = this.cfg.pcaImages ?? null;
    const B = pos.length;
    const use = lim === null ? null : pos.map((p) => p < lim);
    const nUse = use === null ? B : use.filter(Boolean).length;
    if (nUse === 0) return;
    for (let i = 0; i < this.layers.length; i++) {
      let t = block[i];
      if (use !== null && nUse < B) {
        const [, T, D] = t.shape;
        const d = new Float32Array(nUse * T * D);
        let r = 0;
        for (let b = 0; b < B; b++) if (use[b]) d.set(t.data.subarray(b * T * D, (b + 1) * T * D), r++ * T * D);
        t = tensor(d, [nUse, T, D]);
      }
      await pcas[i].updateAsync({ taps: { block: [t] }, grid: { prefix } });
    }
  }

  merge(other: AnalysisState): void {
    if (!(other instanceof AttentionState) || other.layers.join() !== this.layers.join() || (other.pcas === null) !== (this.pcas === null)) {
      throw new VitValueError('`other` of the attention analysis merge must be an attention state of the same layers and options.');
    }
    this.suite.merge(other.suite);
    this.pcas?.forEach((p, i) => p.merge(other.pcas![i]));
    const seen = new Set(this.examples.map((e) => e.position));
    this.examples = [...this.examples, ...other.examples.filter((e) => !seen.has(e.position))].sort((a, b) => a.position - b.position).slice(0, this.cfg.examples);
  }

  toJSON(): StateJSON {
    return {
      kind: KIND,
      version: 1,
      layers: [...this.layers],
      suite: this.suite.toJSON() as AccumulatorJSON<unknown, unknown>,
      pca: this.pcas ? this.pcas.map((p) => p.toJSON() as AccumulatorJSON<unknown, unknown>) : null,
      // An example never changes once kept (merge only adds whole examples): shared, not copied.
      examples: this.examples.map((e) => ({ ...e })),
    };
  }
}

function suiteFor(ctx: PassContext, cfg: AttentionConfig): AttentionSuiteAccumulator {
  return new AttentionSuiteAccumulator({ cls: ctx.model.prefix > 0 ? {} : false, aaam: { coverage: cfg.coverage }, distance: {} });
}

/**
 * `type: attention`: average CLS maps, AAAM, attention offsets, attention distance, head
 * taxonomy and sparse-pattern score per layer and head (SPEC 1–4, 6, 7, through
 * `AttentionSuiteAccumulator`, `attentionOffset`, `classifyHeads`, `sparsePatternScore` of
 * @vit/attention), plus the report viewer's examples:
 * the first `examples` images as the model saw them, their attention `[L,H,T,T]` and the
 * PCA-RGB `[L,gh,gw,3]` of their patch tokens (a `PCAAccumulator` per layer over the pass's
 * first `pcaImages` images: by default the examples themselves; `null`: all of them).
 */
export const attentionAnalysis: StudyAnalysis = {
  type: 'attention',

  needs(_model, config): TapNeeds {
    const c = settings(config);
    return { taps: c.examples > 0 ? ['attention', 'block'] : ['attention'], ...(c.layers ? { layers: [...c.layers] } : {}) };
  },

  start(ctx) {
    const cfg = settings(ctx.config);
    const layers = analysisLayers(ctx.model, cfg.layers, 'attention');
    const pcas = cfg.examples > 0 && !pcaFromExamples(cfg) ? layers.map(() => new PCAAccumulator({ k: 3, layer: 1, tokens: 'spatial', backend: ctx.backend })) : null;
    return new AttentionState(layers, suiteFor(ctx, cfg), pcas, [], cfg, itemPositions(ctx.dataset));
  },

  restore(json, ctx) {
    const j = json as StateJSON;
    if (!j || j.kind !== KIND || j.version !== 1) {
      throw new VitValueError(`the attention analysis cannot restore this checkpoint state (kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}); delete the study's cache folder to start the pass again.`);
    }
    const cfg = settings(ctx.config);
    const layers = analysisLayers(ctx.model, cfg.layers, 'attention');
    if (layers.join() !== j.layers.join()) throw new VitValueError(`the attention checkpoint is for layers ${j.layers.join(', ')}, the config asks for ${layers.join(', ')}; delete the study's cache folder to start again.`);
    const pcas = j.pca ? j.pca.map((p) => PCAAccumulator.fromJSON(p as Parameters<typeof PCAAccumulator.fromJSON>[0], { backend: ctx.backend })) : null;
    const examples = j.examples.map((e) => ({ ...e, attention: Float32Array.from(e.attention), tokens: Float32Array.from(e.tokens) }));
    return new AttentionState(j.layers, AttentionSuiteAccumulator.fromJSON(j.suite), pcas, examples, cfg, itemPositions(ctx.dataset));
  },

  async finishModel(state, ctx): Promise<ModelFragment> {
    if (!(state instanceof AttentionState)) throw new VitValueError('`state` of the attention analysis must be the state its start() or restore() made.');
    const cfg = settings(ctx.config);
    const { model } = ctx;
    const { layers } = state;
    const L = model.layers;
    const r = state.suite.result();
    const aaam = r.aaam!.aaam;
    const perHead = r.distance!.perHead;
    const H = perHead.shape[1];
    // Heads of layers left out of `layers` get the extra class 'not analysed' (the report needs a class per head).
    const classes: string[] = layers.length === L ? [...CLASSES] : [...CLASSES, 'not analysed'];
    const index = new Float32Array(L * H).fill(layers.length === L ? NaN : CLASSES.length);
    const offset = new Float32Array(L * H * 2).fill(NaN);
    for (const h of classifyHeads(aaam, perHead, cfg.taxonomy ?? {})) {
      const k = (layers[h.layer - 1] - 1) * H + h.head;
      index[k] = CLASSES.indexOf(h.class);
      if (h.offset) {
        offset[k * 2] = h.offset.dx;
        offset[k * 2 + 1] = h.offset.dy;
      }
    }
    const off = attentionOffset(aaam);
    const attention: AttentionResults = {
      aaam: expandLayers(aaam, layers, L),
      offsets: { dx: expandLayers(off.dx, layers, L), dy: expandLayers(off.dy, layers, L), offset: expandLayers(off.offset, layers, L), offsetNormalized: expandLayers(off.offsetNormalized, layers, L) },
      distance: expandLayers(perHead, layers, L),
      taxonomy: { classes, index: tensor(index, [L, H]), offset: tensor(offset, [L, H, 2]) },
    };
    if (r.cls) {
      attention.clsMaps = expandLayers(r.cls.maps, layers, L);
      attention.sparsePattern = expandLayers(sparsePatternScore(r.cls.maps, cfg.sparseK === undefined ? {} : { k: cfg.sparseK }), layers, L);
    }
    const fragment: ModelFragment = { attention };
    if (state.examples.length > 0) fragment.examples = await viewerExamples(state, ctx);
    return fragment;
  },
};

/** True when the PCA is fitted on (some of) the examples' own tokens, kept anyway: no accumulator during the pass. */
function pcaFromExamples(cfg: AttentionConfig): boolean {
  return cfg.pcaImages === undefined || (cfg.pcaImages !== null && cfg.pcaImages <= cfg.examples);
}

/** The PCA of each layer: the accumulators' fit, or the fit on the first `pcaImages` examples' patch tokens. */
async function fitPcas(state: AttentionState, ctx: PassContext, N: number): Promise<PCAModel[]> {
  if (state.pcas) return state.pcas.map((p) => p.result());
  const used = state.examples.slice(0, state.cfg.pcaImages ?? state.cfg.examples);
  const L = state.layers.length;
  const D = used[0].tokens.length / (L * N);
  const out: PCAModel[] = [];
  for (let i = 0; i < L; i++) {
    const rows = new Float32Array(used.length * N * D);
    used.forEach((e, r) => rows.set(e.tokens.subarray(i * N * D, (i + 1) * N * D), r * N * D));
    const { projected: _projected, ...model } = await pca(tensor(rows, [used.length * N, D]), { k: 3, backend: ctx.backend });
    out.push(model);
  }
  return out;
}

async function viewerExamples(state: AttentionState, ctx: PassContext): Promise<ExampleImage[]> {
  const { layers } = state;
  const [gh, gw] = ctx.model.grid;
  const N = gh * gw;
  const fitted = await fitPcas(state, ctx, N);
  const out: ExampleImage[] = [];
  for (const e of state.examples) {
    const Lp = layers.length;
    const D = e.tokens.length / (Lp * N);
    const T = ctx.model.prefix + N;
    const pca = new Float32Array(Lp * N * 3);
    for (let i = 0; i < Lp; i++) {
      const rows = tensor(e.tokens.slice(i * N * D, (i + 1) * N * D), [N, D]);
      const p = await pcaProject(rows, fitted[i], { backend: ctx.backend });
      pca.set(contiguous(p as Tensor<Float32Array>).data, i * N * 3);
    }
    const ex: ExampleImage = {
      id: e.id,
      image: await seenImage(e.path, ctx.model),
      attention: tensor(e.attention.slice(), [Lp, ctx.model.heads, T, T]) as Tensor,
      pca: tensor(pca, [Lp, gh, gw, 3]),
    };
    if (Lp !== ctx.model.layers) ex.layers = [...layers];
    out.push(ex);
  }
  return out;
}
