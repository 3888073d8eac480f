/**
 * The token layout of a ViT's attention: `T = prefix + gh·gw` tokens, the `prefix` tokens
 * (CLS first, then any registers) followed by the spatial tokens in row-major order.
 * The runtime's Capture carries one as `capture.grid` (its extra `patch` field is ignored).
 */
export interface AttentionGrid {
  /** Rows of the spatial token grid. */
  gh: number;
  /** Columns of the spatial token grid. */
  gw: number;
  /** Prefix tokens before the spatial ones (CLS and registers); 0 for models without CLS. */
  prefix: number;
}

/** Options shared by every entry point that reads attention. */
export interface AttentionCheckOptions {
  /**
   * 1-based layer number used in messages ("layer 3, head 5"); leave unset when the tensor
   * is not one layer of a known model.
   * @default undefined
   */
  layer?: number;
  /**
   * Largest tolerated `|Σ_k A[q,k] − 1|` of an attention row before a warning is issued
   * (once per call, with the worst deviation).
   * @default 1e-3
   */
  rowTolerance?: number;
  /**
   * Receives the one-line warning about rows that do not sum to 1.
   * @default console.warn
   */
  onWarning?: (message: string) => void;
}
