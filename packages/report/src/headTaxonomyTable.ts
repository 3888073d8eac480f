import { VitValueError } from '@vit/io';
import { checkTensor, esc, flat } from './internal/util.js';
import type { ModelResults } from './types.js';

/** Result of {@link headTaxonomyTable}. */
export interface HeadTaxonomyTable {
  /** Head classes, in column order. */
  classes: string[];
  /** Per model and class: the 1-based layers holding at least one such head, and the head count. */
  rows: { model: string; cells: { layers: number[]; heads: number }[] }[];
  /** `<table class="taxonomy">`: one row per model, one column per class, cells "layers (heads)". */
  html: string;
}

const ORDER = ['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed'];

/** Compact layer list: 1, 2, 3, 5 → "1–3, 5". */
export function layerRanges(ls: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ls.length; i++) {
    let j = i;
    while (j + 1 < ls.length && ls[j + 1] === ls[j] + 1) j++;
    out.push(j > i ? `${ls[i]}–${ls[j]}` : `${ls[i]}`);
    i = j;
  }
  return out.join(', ');
}

/**
 * The head taxonomy table: which layers of each model hold strict-, soft-, axial-,
 * offset-local, global and mixed heads (SPEC 6), with head counts.
 * @param models Models with `attention.taxonomy` (`{ classes, index [L,H] }`); others are skipped.
 * @returns `{ classes, rows, html }`.
 * @throws VitValueError for a taxonomy whose `index` is not `[L,H]` or points outside `classes`.
 * @example headTaxonomyTable(input.models).html
 */
export function headTaxonomyTable(models: ModelResults[]): HeadTaxonomyTable {
  if (!Array.isArray(models)) throw new VitValueError('`models` of headTaxonomyTable must be an array of model results.');
  const withTax = models.filter((m) => m.attention?.taxonomy);
  const seen = new Set<string>();
  for (const m of withTax) for (const c of m.attention!.taxonomy!.classes) seen.add(c);
  const classes = [...ORDER.filter((c) => seen.has(c)), ...[...seen].filter((c) => !ORDER.includes(c))];
  const rows = withTax.map((m) => {
    const tax = m.attention!.taxonomy!;
    checkTensor(tax.index, `${m.name}.attention.taxonomy.index`, 'headTaxonomyTable', ['L', 'H']);
    const [L, H] = tax.index.shape;
    const idx = flat(tax.index);
    const cells = classes.map(() => ({ layers: [] as number[], heads: 0 }));
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const name = tax.classes[idx[l * H + h]];
        if (name === undefined) throw new VitValueError(`\`${m.name}.attention.taxonomy.index\` of headTaxonomyTable holds ${idx[l * H + h]} at layer ${l + 1}, head ${h}, outside the ${tax.classes.length} classes.`);
        const cell = cells[classes.indexOf(name)];
        cell.heads++;
        if (cell.layers[cell.layers.length - 1] !== l + 1) cell.layers.push(l + 1);
      }
    }
    return { model: m.name, cells };
  });
  const head = `<tr><th>model</th>${classes.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr><th scope="row">${esc(r.model)}</th>${r.cells.map((c) => (c.heads ? `<td>${layerRanges(c.layers)} <span class="n">(${c.heads})</span></td>` : '<td class="na">–</td>')).join('')}</tr>`).join('\n');
  const html = `<table class="taxonomy">\n<caption>Layers holding each kind of head (number of heads in parentheses).</caption>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  return { classes, rows, html };
}
