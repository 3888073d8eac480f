import { VitValueError } from './errors.js';
import { tensor } from './tensor.js';
import type { Matrix, MatmulOptions, NearestResult, NumericBackend, TopKOptions, TopKResult } from './backend.js';

/** Copy any 2-D tensor into a C-contiguous Float32Array `[rows*cols]`. */
function dense(x: Matrix, name: string, fn: string): { d: Float32Array; r: number; c: number } {
  if (!x || x.shape?.length !== 2) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a 2-D tensor. Got shape [${x?.shape?.join(',') ?? ''}].`);
  }
  const [r, c] = x.shape;
  const [s0, s1] = x.stride;
  if (s1 === 1 && s0 === c && x.data instanceof Float32Array) {
    return { d: x.data.subarray(x.offset, x.offset + r * c), r, c };
  }
  const d = new Float32Array(r * c);
  const src = x.data as unknown as ArrayLike<number>;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = src[x.offset + i * s0 + j * s1];
  return { d, r, c };
}

function transposed(d: Float32Array, r: number, c: number): Float32Array {
  const t = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = d[i * c + j];
  return t;
}

/** `[m,k]·[k,n]` with a, b row-major; accumulates in float64 for reproducible small-case results. */
function gemm(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) row[j] += av * b[bo + j];
    }
    for (let j = 0; j < n; j++) out[i * n + j] = row[j];
  }
  return out;
}

function argExtreme(x: Matrix, fn: string, better: (a: number, b: number) => boolean): Int32Array {
  const { d, r, c } = dense(x, 'x', fn);
  if (c === 0) throw new VitValueError(`\`x\` of ${fn} must have at least one column.`);
  const out = new Int32Array(r);
  for (let i = 0; i < r; i++) {
    let best = 0;
    let bv = d[i * c];
    for (let j = 1; j < c; j++) {
      const v = d[i * c + j];
      if (better(v, bv) || (Number.isNaN(bv) && !Number.isNaN(v))) {
        best = j;
        bv = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * The pure-TypeScript numeric backend: obviously-correct loops (float64 accumulation),
 * for small inputs, browsers and as the reference the onnxruntime backend is tested against.
 */
export const referenceBackend: NumericBackend = {
  name: 'reference',

  async matmul(a: Matrix, b: Matrix, options: MatmulOptions = {}): Promise<Matrix> {
    let A = dense(a, 'a', 'matmul');
    let B = dense(b, 'b', 'matmul');
    if (options.transA) A = { d: transposed(A.d, A.r, A.c), r: A.c, c: A.r };
    if (options.transB) B = { d: transposed(B.d, B.r, B.c), r: B.c, c: B.r };
    if (A.c !== B.r) {
      throw new VitValueError(`matmul: inner dimensions differ: [${A.r},${A.c}] · [${B.r},${B.c}].`);
    }
    return tensor(gemm(A.d, B.d, A.r, A.c, B.c), [A.r, B.c]);
  },

  async gram(x: Matrix): Promise<Matrix> {
    const { d, r, c } = dense(x, 'x', 'gram');
    return tensor(gemm(d, transposed(d, r, c), r, c, r), [r, r]);
  },

  async rowNorms(x: Matrix): Promise<Float32Array> {
    const { d, r, c } = dense(x, 'x', 'rowNorms');
    const out = new Float32Array(r);
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += d[i * c + j] * d[i * c + j];
      out[i] = Math.sqrt(s);
    }
    return out;
  },

  async topk(x: Matrix, k: number, options: TopKOptions = {}): Promise<TopKResult> {
    const { d, r, c } = dense(x, 'x', 'topk');
    if (!Number.isInteger(k) || k < 1 || k > c) {
      throw new VitValueError(`\`k\` of topk must be an integer in [1, ${c}]. Got ${k}.`);
    }
    const largest = options.largest ?? true;
    const values = new Float32Array(r * k);
    const indices = new Int32Array(r * k);
    const order = new Int32Array(c);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) order[j] = j;
      const row = d.subarray(i * c, (i + 1) * c);
      order.sort((p, q) => (largest ? row[q] - row[p] : row[p] - row[q]) || p - q);
      for (let j = 0; j < k; j++) {
        indices[i * k + j] = order[j];
        values[i * k + j] = row[order[j]];
      }
    }
    return { values: tensor(values, [r, k]), indices };
  },

  async argmin(x: Matrix): Promise<Int32Array> {
    return argExtreme(x, 'argmin', (a, b) => a < b);
  },

  async argmax(x: Matrix): Promise<Int32Array> {
    return argExtreme(x, 'argmax', (a, b) => a > b);
  },

  async nearest(x: Matrix, c: Matrix): Promise<NearestResult> {
    const X = dense(x, 'x', 'nearest');
    const C = dense(c, 'c', 'nearest');
    if (X.c !== C.c) throw new VitValueError(`nearest: \`x\` has ${X.c} columns but \`c\` has ${C.c}.`);
    const index = new Int32Array(X.r);
    const distance = new Float32Array(X.r);
    for (let i = 0; i < X.r; i++) {
      let best = 0;
      let bd = Infinity;
      for (let j = 0; j < C.r; j++) {
        let s = 0;
        for (let p = 0; p < X.c; p++) {
          const diff = X.d[i * X.c + p] - C.d[j * C.c + p];
          s += diff * diff;
        }
        if (s < bd) {
          bd = s;
          best = j;
        }
      }
      index[i] = best;
      distance[i] = bd;
    }
    return { index, distance };
  },
};
