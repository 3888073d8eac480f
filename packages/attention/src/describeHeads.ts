import { VitValueError } from '@vit/io';
import type { HeadClass, HeadClassification } from './classifyHeads.js';

/** Options of {@link describeHeads}. */
export interface DescribeHeadsOptions {
  /**
   * Model name put in front of every line ("DINO: offset-local heads in layers …").
   * @default undefined
   */
  model?: string;
}

/** Per-model summary of a head taxonomy. */
export interface HeadSummary {
  /** Heads per class over the whole model. */
  counts: Record<HeadClass, number>;
  /** 1-based layers that contain at least one head of each class, ascending. */
  layers: Record<HeadClass, number[]>;
  /** One sentence per class present, e.g. "offset-local heads in layers 2, 3 (3 heads: L2H5 (+1,0), …)" — `L` the 1-based layer, `H` the 0-based head. */
  lines: string[];
}

const CLASSES: readonly HeadClass[] = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];

/**
 * Summarises {@link classifyHeads} output per model the way the paper reports it: which
 * layers hold which kind of head, with the offset vector of every offset-local head.
 *
 * @param classes The output of `classifyHeads` for one model.
 * @param options See {@link DescribeHeadsOptions}.
 * @returns A {@link HeadSummary}.
 * @throws VitValueError when `classes` is not an array of classifications.
 * @example
 * describeHeads(classifyHeads(aaam, dist), { model: 'DINO' }).lines
 * // ['DINO: offset-local heads in layers 2, 4 (2 heads: L2H7 (+1,0), L4H1 (0,-1))', …]
 */
export function describeHeads(classes: readonly HeadClassification[], options: DescribeHeadsOptions = {}): HeadSummary {
  if (!Array.isArray(classes)) throw new VitValueError(`\`classes\` of describeHeads must be the array classifyHeads returns. Got ${typeof classes}.`);
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<HeadClass, number>;
  const layers = Object.fromEntries(CLASSES.map((c) => [c, [] as number[]])) as Record<HeadClass, number[]>;
  const heads = Object.fromEntries(CLASSES.map((c) => [c, [] as string[]])) as Record<HeadClass, string[]>;
  for (const c of classes) {
    if (!c || !CLASSES.includes(c.class)) throw new VitValueError(`\`classes\` of describeHeads contains an entry without a known class: ${JSON.stringify(c?.class)}.`);
    const k: HeadClass = c.class;
    counts[k]++;
    if (!layers[k].includes(c.layer)) layers[k].push(c.layer);
    const sign = (x: number) => (x > 0 ? `+${x}` : String(x));
    heads[k].push(c.offset ? `L${c.layer}H${c.head} (${sign(c.offset.dx)},${sign(c.offset.dy)})` : `L${c.layer}H${c.head}`);
  }
  const prefix = options.model ? `${options.model}: ` : '';
  const lines: string[] = [];
  for (const c of CLASSES) {
    if (counts[c] === 0) continue;
    layers[c].sort((a, b) => a - b);
    const ls = layers[c];
    const where = ls.length === 1 ? `layer ${ls[0]}` : `layers ${ls.join(', ')}`;
    const detail = c === 'offset-local' ? `: ${heads[c].join(', ')}` : '';
    lines.push(`${prefix}${c} heads in ${where} (${counts[c]} head${counts[c] === 1 ? '' : 's'}${detail})`);
  }
  if (counts['offset-local'] === 0) lines.push(`${prefix}no offset-local heads`);
  return { counts, layers, lines };
}
