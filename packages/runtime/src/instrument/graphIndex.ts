import { DataType, type GraphProto, type NodeProto, type TensorProto } from '../onnx/proto.js';

/** Ops that only move or relabel values (a tensor seen through them is "the same tensor"). */
export const LAYOUT_OPS = new Set(['Reshape', 'Transpose', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten', 'Cast', 'Dropout', 'Contiguous']);

const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);

/**
 * Read-only index over one ONNX graph: producers, consumers, topological order, element types
 * and which tensors are "static" (computable from initializers, constants and shapes alone —
 * weights and shape arithmetic, as opposed to activations that depend on the pixels' values).
 * Internal to the instrumentation; names are never trusted, only structure.
 */
export class GraphIndex {
  readonly nodes: NodeProto[];
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly order = new Map<NodeProto, number>();
  readonly initializers = new Map<string, TensorProto>();
  readonly dtype = new Map<string, number>();
  readonly static = new Set<string>();
  readonly inputs: string[];

  constructor(readonly graph: GraphProto) {
    for (const t of graph.initializer ?? []) if (t.name) this.initializers.set(t.name, t);
    this.inputs = (graph.input ?? []).map((v) => v.name).filter((n) => !this.initializers.has(n));
    for (const n of graph.node ?? []) {
      for (const o of n.output ?? []) if (o) this.producer.set(o, n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    this.nodes = this.toposort(graph.node ?? []);
    this.nodes.forEach((n, i) => this.order.set(n, i));
    this.inferTypes();
    this.inferStatic();
  }

  /** Nodes in dependency order (exporters already sort them; this guards against those that do not). */
  private toposort(nodes: NodeProto[]): NodeProto[] {
    const out: NodeProto[] = [];
    const state = new Map<NodeProto, 1 | 2>();
    const visit = (root: NodeProto) => {
      const stack: [NodeProto, number][] = [[root, 0]];
      while (stack.length) {
        const top = stack[stack.length - 1];
        const [n, i] = top;
        if (i === 0) {
          if (state.get(n)) {
            stack.pop();
            continue;
          }
          state.set(n, 1);
        }
        const ins = n.input ?? [];
        if (i < ins.length) {
          top[1]++;
          const p = ins[i] ? this.producer.get(ins[i]) : undefined;
          if (p && !state.get(p)) stack.push([p, 0]);
        } else {
          state.set(n, 2);
          out.push(n);
          stack.pop();
        }
      }
    };
    for (const n of nodes) visit(n);
    return out;
  }

  private inferTypes(): void {
    for (const v of [...(this.graph.input ?? []), ...(this.graph.valueInfo ?? []), ...(this.graph.output ?? [])]) {
      const et = v.type?.tensorType?.elemType;
      if (et) this.dtype.set(v.name, et);
    }
    for (const [name, t] of this.initializers) this.dtype.set(name, t.dataType ?? DataType.FLOAT);
    for (const n of this.nodes) {
      const outType = this.nodeOutputType(n);
      if (outType === undefined) continue;
      for (const o of n.output ?? []) if (o && !this.dtype.has(o)) this.dtype.set(o, outType);
    }
  }

  private nodeOutputType(n: NodeProto): number | undefined {
    const op = n.opType;
    const inType = (k: number) => (n.input?.[k] ? this.dtype.get(n.input[k]) : undefined);
    if (op === 'Constant') {
      const a = n.attribute?.[0];
      if (!a) return undefined;
      if (a.t) return a.t.dataType;
      if (a.name === 'value_float' || a.name === 'value_floats') return DataType.FLOAT;
      if (a.name === 'value_int' || a.name === 'value_ints') return DataType.INT64;
      return undefined;
    }
    if (INT64_OPS.has(op)) return DataType.INT64;
    if (BOOL_OPS.has(op)) return DataType.BOOL;
    if (op === 'Cast') return this.intAttr(n, 'to');
    if (op === 'CastLike') return inType(1);
    if (op === 'ConstantOfShape') return n.attribute?.find((a) => a.name === 'value')?.t?.dataType ?? DataType.FLOAT;
    if (op === 'Where') return inType(1) ?? inType(2);
    for (let k = 0; k < (n.input?.length ?? 0); k++) {
      const t = inType(k);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  private inferStatic(): void {
    for (const name of this.initializers.keys()) this.static.add(name);
    for (const n of this.nodes) {
      const ins = (n.input ?? []).filter(Boolean);
      // Shape/Size read only metadata: their outputs are shape arithmetic even when the input is an activation.
      const isStatic = n.opType === 'Shape' || n.opType === 'Size' || ins.every((i) => this.static.has(i));
      if (isStatic) for (const o of n.output ?? []) if (o) this.static.add(o);
    }
  }

  intAttr(n: NodeProto, name: string): number | undefined {
    const a = n.attribute?.find((x) => x.name === name);
    return a?.i;
  }

  intsAttr(n: NodeProto, name: string): number[] | undefined {
    const a = n.attribute?.find((x) => x.name === name);
    return a?.ints;
  }

  isFloat(name: string): boolean {
    const t = this.dtype.get(name);
    return t === DataType.FLOAT || t === DataType.FLOAT16 || t === DataType.DOUBLE || t === DataType.BFLOAT16;
  }

  /** An activation: a float tensor whose value depends on the pixels. */
  isActivation(name: string): boolean {
    return !!name && !this.static.has(name) && this.isFloat(name);
  }

  /** The inputs of `n` that are activations. */
  dynamicInputs(n: NodeProto): string[] {
    return (n.input ?? []).filter((i) => i && !this.static.has(i));
  }

  /** A projection: MatMul/Gemm of an activation with a weight (exactly one static operand). */
  isProjection(n: NodeProto): boolean {
    if (n.opType !== 'MatMul' && n.opType !== 'Gemm') return false;
    const [a, b] = n.input ?? [];
    return this.static.has(a) !== this.static.has(b);
  }

  /** A product of two activations (q·kᵀ or attention·v). */
  isDynamicMatMul(n: NodeProto): boolean {
    if (n.opType !== 'MatMul') return false;
    const [a, b] = n.input ?? [];
    return !this.static.has(a) && !this.static.has(b);
  }

  /** Every tensor reachable forward from `name` (including it). */
  descendants(name: string): Set<string> {
    const seen = new Set<string>([name]);
    const stack = [name];
    while (stack.length) {
      const t = stack.pop()!;
      for (const c of this.consumers.get(t) ?? []) {
        for (const o of c.output ?? []) {
          if (o && !seen.has(o)) {
            seen.add(o);
            stack.push(o);
          }
        }
      }
    }
    return seen;
  }

  /** Every non-static tensor `name` depends on (including it). */
  ancestors(name: string): Set<string> {
    const seen = new Set<string>([name]);
    const stack = [name];
    while (stack.length) {
      const t = stack.pop()!;
      const p = this.producer.get(t);
      if (!p) continue;
      for (const i of this.dynamicInputs(p)) {
        if (!seen.has(i)) {
          seen.add(i);
          stack.push(i);
        }
      }
    }
    return seen;
  }

  /** Follow layout-only producers back to the tensor they relabel. */
  throughLayout(name: string): string {
    let t = name;
    for (let guard = 0; guard < 16; guard++) {
      const p = this.producer.get(t);
      if (!p || !LAYOUT_OPS.has(p.opType)) return t;
      const d = this.dynamicInputs(p);
      if (d.length !== 1) return t;
      t = d[0];
    }
    return t;
  }

  /**
   * The token tensors that feed the projections `name` derives from: walk back over activations,
   * stopping at projections (whose activation input is recorded) and at products of two
   * activations (a different attention stage).
   */
  projectionSources(name: string, maxDepth = 24): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const walk = (t: string, depth: number) => {
      if (seen.has(t) || depth > maxDepth) return;
      seen.add(t);
      const p = this.producer.get(t);
      if (!p) return;
      if (this.isProjection(p)) {
        const src = this.dynamicInputs(p)[0];
        out.add(this.throughLayout(src));
        return;
      }
      if (this.isDynamicMatMul(p)) return;
      for (const i of this.dynamicInputs(p)) walk(i, depth + 1);
    };
    walk(name, 0);
    return out;
  }

  /** First node satisfying `pred` walking back over activations from `name` (breadth-first, bounded). */
  findBack(name: string, pred: (n: NodeProto) => boolean, stop: (n: NodeProto) => boolean, maxDepth = 8): NodeProto | undefined {
    let frontier = [name];
    const seen = new Set<string>();
    for (let d = 0; d <= maxDepth && frontier.length; d++) {
      const next: string[] = [];
      for (const t of frontier) {
        if (seen.has(t)) continue;
        seen.add(t);
        const p = this.producer.get(t);
        if (!p) continue;
        if (pred(p)) return p;
        if (stop(p)) continue;
        next.push(...this.dynamicInputs(p));
      }
      frontier = next;
    }
    return undefined;
  }

  /** First node satisfying `pred` walking forward from `name` through single-activation-input nodes. */
  findForward(name: string, pred: (n: NodeProto, via: string) => boolean, maxDepth = 4): NodeProto | undefined {
    let frontier = [name];
    for (let d = 0; d <= maxDepth && frontier.length; d++) {
      const next: string[] = [];
      for (const t of frontier) {
        for (const c of this.consumers.get(t) ?? []) {
          if (pred(c, t)) return c;
          // Boolean inputs (IsNaN guards, masks) do not count: Where(IsNaN(p), 0, p) passes p along.
          if (this.dynamicInputs(c).filter((i) => this.dtype.get(i) !== DataType.BOOL).length === 1) next.push(...(c.output ?? []).filter(Boolean));
        }
      }
      frontier = next;
    }
    return undefined;
  }
}
