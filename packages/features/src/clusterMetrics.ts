import { VitValueError } from '@vit/io';
import type { Data, Tensor } from '@vit/io';
import { ari } from './ari.js';
import { kmeans } from './kmeans.js';
import type { KMeansOptions } from './kmeans.js';
import { nmi } from './nmi.js';
import { purity } from './purity.js';

export interface ClusterMetricsOptions extends Omit<KMeansOptions, 'k'> {
  /** Number of clusters. @default the number of distinct labels in `truth` (SPEC 10) */
  k?: number;
}

export interface ClusterMetricsResult {
  purity: number;
  nmi: number;
  ari: number;
  /** The `k` used. */
  k: number;
  /** k-means inertia of the winning run. */
  inertia: number;
  /** `[n]` predicted clusters. */
  labels: Int32Array;
}

/**
 * Cluster features with {@link kmeans} and score the clusters against ground truth with
 * {@link purity}, {@link nmi} and {@link ari} (SPEC 10), `k` defaulting to the number of
 * distinct labels (50 on ImageNet-50, as in the paper).
 *
 * @param X `[n,d]` features (per layer: CLS token, mean of spatial tokens, or mask-pooled).
 * @param truth `[n]` ground-truth labels.
 * @param options k-means options (`seed`, `nInit`, `backend`, …) and `k`.
 * @returns the three scores, the `k` used, the inertia and the predicted labels.
 * @throws VitValueError when `truth` does not hold one integer label per row, or as {@link kmeans}.
 * @example
 * const { purity, nmi, ari } = await clusterMetrics(features[11], labels);
 */
export async function clusterMetrics(X: Tensor<Data>, truth: Int32Array | readonly number[], options: ClusterMetricsOptions = {}): Promise<ClusterMetricsResult> {
  const rows = X?.shape?.[0];
  if (!truth || typeof truth.length !== 'number' || !Array.from(truth).every((v) => Number.isInteger(v))) {
    throw new VitValueError(`\`truth\` of clusterMetrics must be an Int32Array (or array) of integer labels. Got ${truth === null ? 'null' : typeof truth}.`);
  }
  if (rows !== undefined && truth.length !== rows) {
    throw new VitValueError(`\`truth\` of clusterMetrics must hold one label per row of \`X\`: X has ${rows} rows, truth has ${truth.length}.`, {
      code: 'VIT_LENGTH_MISMATCH',
    });
  }
  const k = options.k ?? new Set(truth).size;
  const r = await kmeans(X, { ...options, k });
  return { purity: purity(truth, r.labels), nmi: nmi(truth, r.labels), ari: ari(truth, r.labels), k, inertia: r.inertia, labels: r.labels };
}
