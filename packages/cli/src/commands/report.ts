import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { VitError, VitValueError } from '@vit/io';
import { readResults, renderReport } from '@vit/report';
import { outputOf } from '../output.js';

/** The JSON object `vit report --json` prints. */
export interface ReportJson {
  /** Absolute path of the report's index.html. */
  index: string;
  /** Files written, relative to the report folder. */
  files: string[];
  /** Total bytes written. */
  bytes: number;
  /** Verdict per finding of the paper's Table 3. */
  findings: { id: string; status: string; evidence: string }[];
}

/** Library messages name functions; the CLI names the file instead (CONTRIBUTING: errors). */
function forCli(e: unknown, study: string): never {
  if (e instanceof VitError && !(e.message.includes('results.json'))) {
    const msg = e.message.replace(/`?(\w+)`? of (renderReport|readResults|writeResults|\w+Chart|\w+Grid|ckaHeatmap|pcaRgbFigure|bestLayerTable|headTaxonomyTable)\b/g, '$1').replace(/\b(renderReport|readResults|\w+Chart|\w+Grid|ckaHeatmap|pcaRgbFigure|headTaxonomyTable)\b:? ?/g, '');
    throw new VitValueError(`${join(study, 'results.json')}: ${msg}`, { code: e.code, cause: e });
  }
  throw e;
}

/**
 * `vit report <study-output> [--out DIR] [--title T] [--viewer-images N] [--json]`: re-renders
 * the offline HTML report of a study from its `results.json` and `.npy` arrays, without running
 * any model.
 * @param program the `vit` program.
 * @returns the `report` command.
 * @example vit report study-output --out study-output/report
 */
export function registerReport(program: Command): Command {
  return program
    .command('report')
    .description("Render a study's offline HTML report (index.html + figures) from its results.json and .npy arrays; runs no model.")
    .argument('<study-output>', 'the folder a study wrote (holds results.json)')
    .option('--out <dir>', 'report folder (default: <study-output>/report)')
    .option('--title <text>', 'page title (default: the study title)')
    .option('--viewer-images <n>', 'example images per model in the attention viewer', '3')
    .option('--json', 'print exactly one JSON object')
    .action(async (study: string, opts: { out?: string; title?: string; viewerImages: string; json?: boolean }, cmd: Command) => {
      const { out } = outputOf(cmd);
      const n = Number(opts.viewerImages);
      if (!Number.isInteger(n) || n < 0) throw new VitValueError(`--viewer-images must be a whole number ≥ 0. Got ${JSON.stringify(opts.viewerImages)}.`);
      const dir = resolve(opts.out ?? join(study, 'report'));
      let r;
      try {
        const input = await readResults(study);
        r = await renderReport(input, dir, { title: opts.title, viewerImages: n });
      } catch (e) {
        forCli(e, study);
      }
      const j: ReportJson = { index: r.index, files: r.files, bytes: r.bytes, findings: r.findings.map((f) => ({ id: f.id, status: f.status, evidence: f.evidence })) };
      if (opts.json) {
        out(`${JSON.stringify(j)}\n`);
        return;
      }
      const lines = r.findings.map((f) => `  ${f.status.padEnd(13)} ${f.observation}`);
      out(`wrote ${r.index} (${r.files.length} files, ${(r.bytes / 1e6).toFixed(2)} MB)\nfindings (paper Table 3):\n${lines.join('\n')}\n`);
    });
}
