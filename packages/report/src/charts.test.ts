import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { parseSvg } from '../test/svg.js';
import { lh, t1 } from '../test/planted.js';
import { attentionDistanceChart } from './attentionDistanceChart.js';
import { ckaHeatmap } from './ckaHeatmap.js';
import { clusteringChart } from './clusteringChart.js';
import { residualCkaChart } from './residualCkaChart.js';
import { saliencyChart } from './saliencyChart.js';
import { taskChart } from './taskChart.js';

const values = (spec: Record<string, unknown>) => (spec.data as { values: Record<string, unknown>[] }).values;

describe('charts (vega-lite → SVG in Node)', () => {
  it('attentionDistanceChart: one point per head, one line per model, data inlined in the spec', async () => {
    const { svg, spec } = await attentionDistanceChart([
      { name: 'a', distance: lh(3, 2, (l, h) => 0.1 * l + 0.01 * h) },
      { name: 'b', distance: lh(3, 2, () => 0.5) },
    ]);
    const s = parseSvg(svg);
    expect(s.root).toBe('svg');
    expect(s.marks.symbol).toBe(12); // 2 models × 3 layers × 2 heads
    expect(s.marks.line).toBe(2);
    expect(spec.$schema).toMatch(/vega-lite\/v5/);
    expect(values(spec)).toHaveLength(12);
    expect(values(spec)[3]).toEqual({ model: 'a', layer: 2, head: 1, distance: expect.closeTo(0.11, 6) });
    expect(s.texts).toContain('Average attention distance');
  });

  it('saliencyChart and taskChart: a line (with points) per model; NaN layers are left out', async () => {
    const sal = parseSvg((await saliencyChart([{ name: 'a', values: t1([0.1, 0.5, 0.4]) }, { name: 'b', layers: [2, 4], values: t1([0.3, NaN]) }])).svg);
    expect(sal.marks.line).toBe(2);
    expect(sal.marks.symbol).toBe(4); // 3 + 1 finite points
    const task = await taskChart([{ name: 'a', values: t1([0.2, 0.4]) }], { title: 'k-NN', yTitle: 'top-1' });
    const t = parseSvg(task.svg);
    expect(t.marks.line).toBe(1);
    expect(t.texts).toEqual(expect.arrayContaining(['k-NN', 'top-1', 'layer']));
    await expect(taskChart([])).rejects.toThrow(/non-empty list/);
    await expect(taskChart([{ name: 'a', layers: [1], values: t1([1, 2]) }])).rejects.toThrow(/has 2 values but `layers` lists 1/);
  });

  it('ckaHeatmap: one rect per cell on a [0,1] viridis scale, values printed, labels in order', async () => {
    const m = tensor(Float32Array.from([1, 0.5, 0.2, 0.1, 0.5, 1, 0.3, 0.2, 0.2, 0.3, 1, 0.9]), [3, 4]);
    const { svg, spec } = await ckaHeatmap(m, { rowLabels: ['x', 'y', 'z'], colLabels: ['p', 'q', 'r', 's'] });
    const s = parseSvg(svg);
    expect(s.marks.rect).toBe(12);
    expect(s.marks.text).toBe(12);
    expect(s.texts).toEqual(expect.arrayContaining(['x', 'y', 'z', 'p', 's', '0.90', '1.00']));
    expect(JSON.stringify(spec)).toContain('"scheme":"viridis","domain":[0,1]');
    await expect(ckaHeatmap(m, { rowLabels: ['x'] })).rejects.toThrow(/labels of ckaHeatmap must match the matrix \[3,4\]/);
  });

  it('clusteringChart: one panel per metric present, one line per model in each', async () => {
    const { svg } = await clusteringChart([
      { name: 'a', scores: { purity: t1([0.2, 0.4]), nmi: t1([0.1, 0.3]), ari: t1([0.05, 0.2]) } },
      { name: 'b', scores: { purity: t1([0.3, 0.5]) } },
    ]);
    const s = parseSvg(svg);
    expect(s.marks.line).toBe(4); // purity: a, b; NMI: a; ARI: a
    expect(s.texts).toEqual(expect.arrayContaining(['purity', 'NMI', 'ARI']));
  });

  it('residualCkaChart: attention and MLP lines per model', async () => {
    const s = parseSvg((await residualCkaChart([{ name: 'a', attention: t1([0.9, 0.8]), mlp: t1([0.7, 0.6]) }, { name: 'b', attention: t1([0.5, 0.4]), mlp: t1([0.3, 0.2]) }])).svg);
    expect(s.marks.line).toBe(4);
    expect(s.marks.symbol).toBe(8);
  });
});
