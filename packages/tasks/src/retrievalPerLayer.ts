import { assertTensor } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { RetrievalAccumulator } from './RetrievalAccumulator.js';
import type { RetrievalAccumulatorOptions, RetrievalAccumulatorResult } from './RetrievalAccumulator.js';
import { drive, rowChunks } from './internal/driver.js';
import { perLayerList, sameLayerCount } from './internal/layers.js';
import type { RetrievalGroundTruth } from './retrievalMAP.js';

/** Options of {@link retrievalPerLayer}: those of {@link RetrievalAccumulator} (`layers` selects among the given layers). */
export type RetrievalPerLayerOptions = Omit<RetrievalAccumulatorOptions, 'tokens'>;

/**
 * Revisited Oxford/Paris retrieval (SPEC 15) for every selected layer from one extraction pass:
 * per layer, L2-normalise query and database features, similarity `q · dbᵀ` through the backend,
 * then the protocol of {@link retrievalMAP}. Runs a {@link RetrievalAccumulator}.
 *
 * @param queries Per-layer query features, each `[nq,d]` (item-major).
 * @param database Per-layer database features, each `[ndb,d]`.
 * @param gnd Ground truth per query (0-based database indices).
 * @param options See {@link RetrievalPerLayerOptions}.
 * @returns `{ layers, k, easy, medium, hard }`, each protocol `{ mAP [L], mP [L,nk], aps [L,nq], skipped }`.
 * @throws VitValueError when the layer counts or widths differ (`VIT_SHAPE`), or `gnd` is invalid.
 * @example
 * const { layers, medium, hard } = await retrievalPerLayer(queryByLayer, dbByLayer, gnd);
 * layers.map((l, i) => [l, medium.mAP.data[i], hard.mAP.data[i]]);
 */
export async function retrievalPerLayer(
  queries: readonly Tensor<TypedArray>[],
  database: readonly Tensor<TypedArray>[],
  gnd: readonly RetrievalGroundTruth[],
  options: RetrievalPerLayerOptions = {},
): Promise<RetrievalAccumulatorResult> {
  const fn = 'retrievalPerLayer';
  perLayerList(queries, 'queries', fn);
  sameLayerCount(queries, database, 'queries', 'database', fn);
  assertTensor(database[0], { name: 'database[0]', fn, shape: [null, null], shapeText: '[ndb,d]' });
  const ndb = database[0].shape[0];
  database.forEach((t, l) => assertTensor(t, { name: `database[${l}]`, fn, shape: [ndb, null], shapeText: `[${ndb},d]` }));
  const acc = new RetrievalAccumulator(queries, gnd, options);
  return drive(acc, rowChunks(database, undefined, ndb, 4096));
}
