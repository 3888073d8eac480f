import { describe, expect, it } from 'vitest';
import { plantedInput, lh, t1, CLASSES } from '../test/planted.js';
import { bestLayerTable } from './bestLayerTable.js';
import { headTaxonomyTable, layerRanges } from './headTaxonomyTable.js';

describe('bestLayerTable (paper Table 1 layout)', () => {
  it('best value and layer per model and task, Random row from the baselines, best in bold', () => {
    const input = plantedInput();
    const t = bestLayerTable(input.models, input.baselines);
    expect(t.columns.map((c) => c.task)).toEqual(['knn', 'davis', 'spair']); // no retrieval measured
    expect(t.rows.map((r) => r.model)).toEqual(['fs', 'dino', 'mae', 'random', 'Random']);
    expect(t.rows[0].cells[0]).toEqual({ value: expect.closeTo(0.9, 6), layer: 4 });
    expect(t.rows[1].cells[1]).toEqual({ value: expect.closeTo(0.7, 6), layer: 3 });
    expect(t.rows[4].cells[2]).toEqual({ value: 0.013, layer: null });
    expect(t.html).toContain('<strong>90.00 (4)</strong>'); // Top-1 in %
    expect(t.html).toContain('<strong>0.70 (3)</strong>'); // J&F in [0,1]
    expect(t.html).toContain('<td>1.30</td>'); // Random PCK in %
    expect(t.html.match(/<tr>/g)).toHaveLength(2 + 5);
  });

  it('ties go to the earlier layer; models without a task get a dash', () => {
    const input = plantedInput();
    input.models[0].tasks!.knn!.top1 = t1([0.5, 0.5, 0.5, 0.5]);
    delete input.models[1].tasks!.spair;
    const t = bestLayerTable(input.models, {});
    expect(t.rows[0].cells[0]).toEqual({ value: 0.5, layer: 1 });
    expect(t.rows[1].cells[2]).toBeNull();
    expect(t.rows).toHaveLength(4);
  });
});

describe('headTaxonomyTable', () => {
  it('lists the layers of each class with head counts', () => {
    const input = plantedInput();
    input.models[0].attention!.taxonomy = { classes: CLASSES, index: lh(4, 2, (l, h) => (h === 1 ? 4 : l < 3 ? 0 : 3)) };
    const t = headTaxonomyTable(input.models);
    expect(t.classes).toEqual(CLASSES); // every declared class gets a column, in the taxonomy's order
    const none = { layers: [], heads: 0 };
    expect(t.rows[0]).toEqual({ model: 'fs', cells: [{ layers: [1, 2, 3], heads: 3 }, none, none, { layers: [4], heads: 1 }, { layers: [1, 2, 3, 4], heads: 4 }, none] });
    expect(t.html).toContain('<td>1–3 <span class="n">(3)</span></td>');
    expect(layerRanges([1, 2, 3, 5, 7, 8])).toBe('1–3, 5, 7–8');
  });

  it('refuses an index outside the classes', () => {
    const input = plantedInput();
    input.models[0].attention!.taxonomy = { classes: ['global'], index: lh(4, 2, () => 3) };
    expect(() => headTaxonomyTable(input.models)).toThrow(/holds 3 at layer 1, head 0, outside the 1 classes/);
  });
});
