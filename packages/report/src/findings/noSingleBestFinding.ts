import { bestOf } from '../internal/best.js';
import type { ReportInput, ModelResults } from '../types.js';
import { notMeasured, r3, trained, type Finding } from './common.js';

const BASE = {
  id: 'no-single-best',
  observation: 'There is no single “best” training method or layer for all downstream tasks.',
  analysis: 'Local & Global Downstream Tasks (§6.3, Figs. 9–10, Table 1)',
  predicate:
    'Tasks = those measured per layer among k-NN top-1, retrieval mAP (medium), DAVIS J&F, SPair PCK. Holds when (a) the best trained model differs between at least two tasks and (b) at least one model\'s best layer differs between two tasks. Needs ≥ 2 tasks and ≥ 2 trained models.',
};

const TASKS: { key: string; get: (m: ModelResults) => ReturnType<typeof bestOf> }[] = [
  { key: 'knn', get: (m) => bestOf(m.tasks?.knn?.top1, m.tasks?.knn?.layers) },
  { key: 'retrieval', get: (m) => bestOf(m.tasks?.retrieval?.medium, m.tasks?.retrieval?.layers) },
  { key: 'davis', get: (m) => bestOf(m.tasks?.davis?.jf, m.tasks?.davis?.layers) },
  { key: 'spair', get: (m) => bestOf(m.tasks?.spair?.pck, m.tasks?.spair?.layers) },
];

/**
 * Table 3 (no single best method or layer for all tasks) as a predicate on the best-layer
 * table.
 * @param input The study's results.
 * @returns The finding with each task's winning model and each model's best layers.
 * @example noSingleBestFinding(results).status
 */
export function noSingleBestFinding(input: ReportInput): Finding {
  const ms = input.models.filter(trained);
  const tasks = TASKS.filter((t) => ms.filter((m) => t.get(m)).length >= 2);
  if (tasks.length < 2 || ms.length < 2) return notMeasured(BASE, `needs at least 2 downstream tasks measured on at least 2 trained models (have ${tasks.length} task(s))`);
  const numbers: Record<string, number | string> = {};
  const winners = tasks.map((t) => {
    let best: { m: ModelResults; v: number } | null = null;
    for (const m of ms) {
      const b = t.get(m);
      if (b && (!best || b.value > best.v)) best = { m, v: b.value };
    }
    numbers[`${t.key} winner`] = best!.m.name;
    numbers[`${t.key} best`] = r3(best!.v);
    return best!.m.name;
  });
  const methodVaries = new Set(winners).size > 1;
  const layerVaries = ms.filter((m) => new Set(tasks.map((t) => t.get(m)?.layer).filter((l) => l !== undefined)).size > 1).map((m) => m.name);
  return {
    ...BASE,
    status: methodVaries && layerVaries.length > 0 ? 'holds' : 'does not hold',
    evidence: `winners: ${tasks.map((t, i) => `${t.key} ${winners[i]}`).join(', ')} (${methodVaries ? 'differ' : 'one model wins all'}); best layer varies by task in ${layerVaries.length ? layerVaries.join(', ') : 'no model'}`,
    numbers,
  };
}
