import { assertTensor, referenceBackend } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { layerNumbers, sameLayerCount } from './internal/layers.js';
import { normalizedMatrix } from './internal/rows.js';
import { retrievalMAP } from './retrievalMAP.js';
import type { RetrievalGroundTruth, RetrievalResult } from './retrievalMAP.js';

export interface RetrievalPerLayerOptions {
  /** The `k` of the mean precisions. @default [1, 5, 10] */
  kappas?: readonly number[];
  /** 1-based layer number of each entry, for the output. @default [1, 2, …, L] */
  layers?: readonly number[];
  /** Where the similarity products run. @default referenceBackend */
  backend?: NumericBackend;
}

/** Retrieval scores of one layer. */
export interface RetrievalLayerResult extends RetrievalResult {
  /** 1-based layer number. */
  layer: number;
}

/**
 * Revisited Oxford/Paris retrieval (SPEC 15) for every layer from one extraction pass: per layer,
 * L2-normalise query and database features, similarity `q · dbᵀ` through `backend.matmul`, then
 * {@link retrievalMAP}.
 *
 * @param queries Per-layer query features, each `[nq,d]`.
 * @param database Per-layer database features, each `[ndb,d]`.
 * @param gnd Ground truth per query (0-based database indices).
 * @param options See {@link RetrievalPerLayerOptions}.
 * @returns One `{ layer, easy, medium, hard }` per layer.
 * @throws VitValueError when the layer counts or widths differ, or `gnd` is invalid.
 * @example
 * const perLayer = await retrievalPerLayer(queryByLayer, dbByLayer, gnd);
 * perLayer.map((r) => [r.layer, r.medium.mAP, r.hard.mAP]);
 */
export async function retrievalPerLayer(
  queries: readonly Tensor<TypedArray>[],
  database: readonly Tensor<TypedArray>[],
  gnd: readonly RetrievalGroundTruth[],
  options: RetrievalPerLayerOptions = {},
): Promise<RetrievalLayerResult[]> {
  const fn = 'retrievalPerLayer';
  const layers = layerNumbers(queries, 'queries', fn, options.layers);
  sameLayerCount(queries, database, 'queries', 'database', fn);
  const backend = options.backend ?? referenceBackend;
  const out: RetrievalLayerResult[] = [];
  for (let l = 0; l < queries.length; l++) {
    assertTensor(queries[l], { name: `queries[${l}]`, fn, shape: [null, null], shapeText: '[nq,d]' });
    const q = normalizedMatrix(queries[l], `queries[${l}]`, fn);
    const db = normalizedMatrix(database[l], `database[${l}]`, fn, q.d);
    const sim = await backend.matmul(q.m, db.m, { transB: true });
    out.push({ layer: layers[l], ...retrievalMAP(sim, gnd, { kappas: options.kappas }) });
  }
  return out;
}
