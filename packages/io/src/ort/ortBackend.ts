import type * as Ort from 'onnxruntime-node';
import { VitValueError } from '../errors.js';
import { tensor } from '../tensor.js';
import type { Matrix, MatmulOptions, NearestResult, NumericBackend, TopKOptions, TopKResult } from '../backend.js';
import { argGraph, gemmGraph, nearestGraph, topkGraph } from './graphs.js';
import { loadOnnxruntime } from './loadOnnxruntime.js';
import { check2d, operand, rowMajor } from './operand.js';

export interface OrtBackendOptions {
  /**
   * Threads onnxruntime uses inside one op. `undefined` lets onnxruntime choose (one per
   * physical core).
   * @default undefined
   */
  intraOpThreads?: number;
  /**
   * onnxruntime execution providers in order of preference, e.g. `['cuda', 'cpu']`.
   * Only providers present in the installed `onnxruntime-node` build can be used.
   * @default ['cpu']
   */
  executionProviders?: string[];
  /**
   * Largest intermediate `[rows, k]` distance matrix `nearest` materialises at once, in
   * elements; `x` is processed in row chunks below it so memory stays bounded.
   * @default 4194304 (16 MiB of float32)
   */
  chunkElements?: number;
  /**
   * Let idle onnxruntime threads spin-wait for the next op. Off by default: the backend runs
   * beside a model's own session (`vit study`), and spinning threads would take the cores
   * that session's threads are waiting for.
   * @default false
   */
  spinning?: boolean;
}

type Feeds = Record<string, Ort.Tensor>;

/**
 * The onnxruntime numeric backend: every op is a tiny ONNX graph with symbolic dimensions
 * (Gemm with transpose attributes, TopK, ArgMin/ArgMax, a fused nearest-centre graph), its
 * session created on first use and cached. Contiguous inputs go to onnxruntime without a
 * copy, column-major views (`x.transpose(1, 0)`) are passed as Gemm transposes, other
 * views are copied once; outputs are written by onnxruntime straight into the result buffers.
 *
 * Results agree with `referenceBackend` of `@vit/io` up to float32 rounding (onnxruntime
 * accumulates in float32, the reference in float64); ties in topk/argmin/argmax/nearest go
 * to the lower index in both. `rowNorms` is O(n·d) and runs in TypeScript (float64 sums).
 * NaN inputs give unspecified indices.
 *
 * `onnxruntime-node` is an optional peer dependency of `@vit/io`: it is loaded on the first
 * operation (a dynamic import), so creating the backend never fails; an operation rejects
 * with a `VitValueError` (code `VIT_BACKEND_UNAVAILABLE`) when the module cannot be loaded.
 *
 * @param options threads, execution providers, chunk size.
 * @returns a {@link NumericBackend}; call `dispose()` to release its sessions.
 * @throws VitValueError from each method on a bad argument (not 2-D, mismatched sizes, `k` out of range).
 * @example
 * import { ortBackend } from '@vit/io'; // also re-exported by @vit/runtime
 * import { tensor } from '@vit/io';
 * const backend = ortBackend({ intraOpThreads: 2 });
 * const x = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
 * const g = await backend.gram(x); // [2,2]: [[14, 32], [32, 77]]
 * await backend.dispose();
 */
export function ortBackend(options: OrtBackendOptions = {}): NumericBackend {
  const chunkElements = options.chunkElements ?? 1 << 22;
  if (!(Number.isInteger(chunkElements) && chunkElements >= 1)) {
    throw new VitValueError(`\`chunkElements\` of ortBackend must be a positive integer. Got ${chunkElements}.`);
  }
  if (options.intraOpThreads !== undefined && !(Number.isInteger(options.intraOpThreads) && options.intraOpThreads >= 1)) {
    throw new VitValueError(`\`intraOpThreads\` of ortBackend must be a positive integer. Got ${options.intraOpThreads}.`);
  }
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
    extra: { session: spinWait(options.spinning ?? false) },
  };
  const sessions = new Map<string, Promise<Ort.InferenceSession>>();
  let ort!: typeof Ort;

  function session(key: string, build: () => Uint8Array): Promise<Ort.InferenceSession> {
    let s = sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(build(), sessionOptions);
      // A failed creation is not cached, so a later call can retry (e.g. after a provider fix).
      s.catch(() => sessions.delete(key));
      sessions.set(key, s);
    }
    return s;
  }

  /** Runs and lets onnxruntime write into the pre-allocated `fetches`. */
  async function run(key: string, build: () => Uint8Array, feeds: Feeds, fetches: Feeds): Promise<void> {
    const s = await session(key, build);
    await s.run(feeds, fetches);
  }

  const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  const i32 = (data: Int32Array, dims: number[]) => new ort.Tensor('int32', data, dims);

  async function gemm(
    a: { data: Float32Array; rows: number; cols: number },
    b: { data: Float32Array; rows: number; cols: number },
    tA: boolean,
    tB: boolean,
  ): Promise<Matrix> {
    const m = tA ? a.cols : a.rows;
    const k = tA ? a.rows : a.cols;
    const n = tB ? b.rows : b.cols;
    const out = new Float32Array(m * n);
    // Zero-sized operands: onnxruntime's Gemm rejects some of them; the answer is known.
    if (m === 0 || n === 0 || k === 0) return tensor(out, [m, n]);
    const A = f32(a.data, [a.rows, a.cols]);
    const B = a.data === b.data && a.rows === b.rows ? A : f32(b.data, [b.rows, b.cols]);
    await run(`gemm${+tA}${+tB}`, () => gemmGraph(tA, tB), { A, B }, { Y: f32(out, [m, n]) });
    return tensor(out, [m, n]);
  }

  async function arg(x: Matrix, op: 'ArgMin' | 'ArgMax'): Promise<Int32Array> {
    const fn = `ortBackend.${op.toLowerCase()}`;
    const d = rowMajor(x, 'x', fn);
    const [r, c] = x.shape;
    if (c === 0) throw new VitValueError(`\`x\` of ${fn} must have at least one column. Got shape [${r},0].`);
    const out = new Int32Array(r);
    if (r === 0) return out;
    await ready();
    await run(op, () => argGraph(op), { X: f32(d, [r, c]) }, { I: i32(out, [r]) });
    return out;
  }

  /** Loads onnxruntime once; every method that builds ort tensors awaits it first. */
  async function ready(): Promise<void> {
    ort ??= await loadOnnxruntime();
  }

  return {
    name: 'onnxruntime',

    async matmul(a: Matrix, b: Matrix, o: MatmulOptions = {}): Promise<Matrix> {
      const A = operand(a, 'a', 'ortBackend.matmul');
      const B = operand(b, 'b', 'ortBackend.matmul');
      const tA = !!o.transA !== A.transposed;
      const tB = !!o.transB !== B.transposed;
      const ka = tA ? A.rows : A.cols;
      const kb = tB ? B.cols : B.rows;
      if (ka !== kb) {
        const sa = `[${a.shape.join(',')}]${o.transA ? 'ᵀ' : ''}`;
        const sb = `[${b.shape.join(',')}]${o.transB ? 'ᵀ' : ''}`;
        throw new VitValueError(`\`b\` of ortBackend.matmul must have ${ka} rows (after transB) to match \`a\`. Got ${sa} · ${sb}.`);
      }
      await ready();
      return gemm(A, B, tA, tB);
    },

    async gram(x: Matrix): Promise<Matrix> {
      const X = operand(x, 'x', 'ortBackend.gram');
      await ready();
      // x·xᵀ; for a column-major view x = Sᵀ it is Sᵀ·S.
      return X.transposed ? gemm(X, X, true, false) : gemm(X, X, false, true);
    },

    async rowNorms(x: Matrix): Promise<Float32Array> {
      // O(n·d): one strided pass in TypeScript beats a session round trip.
      check2d(x, 'x', 'ortBackend.rowNorms');
      const [r, c] = x.shape;
      const [s0, s1] = x.stride;
      const src = x.data as unknown as ArrayLike<number>;
      const out = new Float32Array(r);
      for (let i = 0; i < r; i++) {
        let s = 0;
        for (let j = 0, p = x.offset + i * s0; j < c; j++, p += s1) s += src[p] * src[p];
        out[i] = Math.sqrt(s);
      }
      return out;
    },

    async topk(x: Matrix, k: number, o: TopKOptions = {}): Promise<TopKResult> {
      const d = rowMajor(x, 'x', 'ortBackend.topk');
      const [r, c] = x.shape;
      if (!Number.isInteger(k) || k < 1 || k > c) {
        throw new VitValueError(`\`k\` of ortBackend.topk must be an integer in [1, ${c}] (the number of columns). Got ${k}.`);
      }
      const largest = o.largest ?? true;
      await ready();
      const values = new Float32Array(r * k);
      const indices = new Int32Array(r * k);
      if (r > 0) {
        const K = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
        await run(`topk${+largest}`, () => topkGraph(largest), { X: f32(d, [r, c]), K }, { V: f32(values, [r, k]), I: i32(indices, [r, k]) });
      }
      return { values: tensor(values, [r, k]), indices };
    },

    argmin: (x: Matrix) => arg(x, 'ArgMin'),
    argmax: (x: Matrix) => arg(x, 'ArgMax'),

    async nearest(x: Matrix, c: Matrix): Promise<NearestResult> {
      const fn = 'ortBackend.nearest';
      const X = rowMajor(x, 'x', fn);
      const C = rowMajor(c, 'c', fn);
      const [n, d] = x.shape;
      const [k, dc] = c.shape;
      if (dc !== d) throw new VitValueError(`\`c\` of ${fn} must have ${d} columns like \`x\`. Got shape [${k},${dc}].`);
      if (k === 0) throw new VitValueError(`\`c\` of ${fn} must have at least one row. Got shape [0,${dc}].`);
      const index = new Int32Array(n);
      const distance = new Float32Array(n);
      // d = 0: every distance is 0 and the first centre wins.
      if (n === 0 || d === 0) return { index, distance };
      await ready();
      const Ct = f32(C, [k, d]);
      const rows = Math.max(1, Math.floor(chunkElements / k));
      for (let i0 = 0; i0 < n; i0 += rows) {
        const i1 = Math.min(n, i0 + rows);
        await run(
          'nearest',
          nearestGraph,
          { X: f32(X.subarray(i0 * d, i1 * d), [i1 - i0, d]), C: Ct },
          { I: i32(index.subarray(i0, i1), [i1 - i0]), D: f32(distance.subarray(i0, i1), [i1 - i0]) },
        );
      }
      return { index, distance };
    },

    async dispose(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release();
    },
  };
}

/** onnxruntime's session config entries that turn spin-waiting of its thread pools on or off. */
function spinWait(on: boolean): Record<string, Record<string, string>> {
  const v = on ? '1' : '0';
  return { intra_op: { allow_spinning: v }, inter_op: { allow_spinning: v } };
}
