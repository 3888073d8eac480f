/** The taps a block can expose (SPEC "Taps"). */
export type TapName = 'attention' | 'block' | 'attnIn' | 'mlpIn' | 'attnSkip' | 'attnBranch' | 'mlpSkip' | 'mlpBranch';

/** Every tap name, in a fixed order. */
export const TAP_NAMES: readonly TapName[] = ['attention', 'block', 'attnIn', 'mlpIn', 'attnSkip', 'attnBranch', 'mlpSkip', 'mlpBranch'];

/**
 * How a tapped tensor is laid out in the graph:
 * `BHTT` `[B,H,T,T]`; `BH_TT` `[B·H,T,T]` (`nn.MultiheadAttention`); `BTD` `[B,T,D]`;
 * `TBD` `[T,B,D]` (sequence-first, CLIP-style); `BT_D` `[B·T,D]`.
 */
export type TensorLayout = 'BHTT' | 'BH_TT' | 'BTD' | 'TBD' | 'BT_D';

/** One tensor found for a tap of one block. */
export interface TapTensor {
  /** The tensor's name in the graph (names are reported, never relied on). */
  name: string;
  /** Its layout in the graph; taps are always returned canonical (`[B,H,T,T]` / `[B,T,D]`). */
  layout: TensorLayout;
}

/** What {@link inspectModel} learned about a ViT graph. */
export interface ModelInfo {
  /** Number of blocks `L`. */
  layers: number;
  /** Attention heads `H`. */
  heads: number;
  /** Width `D`. */
  dim: number;
  /** Tokens `T = P + gh·gw`. */
  tokens: number;
  /** Prefix tokens `P` (CLS + registers; 0 without CLS). */
  prefixTokens: number;
  /** Token grid `[gh, gw]`. */
  grid: [number, number];
  /** Patch size in pixels (from the patch-embedding Conv's kernel and stride). */
  patch: number;
  /** Input size `[h, w]` in pixels. */
  imageSize: [number, number];
  /** The pixel input: name, static batch size (`null` when the batch axis is dynamic), channels. */
  input: { name: string; batch: number | null; channels: number };
  /**
   * Whether the file fuses attention into one op (ONNX `Attention`, `com.microsoft.Attention` /
   * `MultiHeadAttention`); such ops are rewritten into primitives before tapping, and the tensor names
   * below belong to the rewritten graph.
   */
  fused: boolean;
  /** How the LayerNorms feeding the branches are expressed in the graph. */
  norm: 'LayerNormalization' | 'decomposed' | 'other';
  /** Tensors found for each tap, one per block (index `l−1` for block `l`). */
  tensors: Record<TapName, TapTensor[]>;
}

/**
 * Which tokens of a token tap the graph outputs: `all` `[B,T,D]`, or `cls` — token 0 only,
 * `[B,1,D]`, sliced inside the graph so onnxruntime writes `D` floats per image instead of `T·D`.
 */
export type TapTokens = 'all' | 'cls';

/** One graph output added by {@link instrumentModel}. */
export interface TapOutput {
  /** Which tap. */
  tap: TapName;
  /** The tokens it holds: canonical `[B,T,D]` (`all`) or `[B,1,D]` (`cls`); always `all` for attention. */
  tokens: TapTokens;
  /** 1-based block number. */
  layer: number;
  /** The graph output's name. */
  name: string;
  /** Its layout in the graph. */
  layout: TensorLayout;
}
