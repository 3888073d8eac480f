import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWrite, VitValueError } from '@vit/io';
import { aaamGrid } from './aaamGrid.js';
import { attentionDistanceChart } from './attentionDistanceChart.js';
import { bestLayerTable } from './bestLayerTable.js';
import { ckaHeatmap } from './ckaHeatmap.js';
import { clsAttentionGrid } from './clsAttentionGrid.js';
import { clusteringChart } from './clusteringChart.js';
import { checkFindings } from './findings/checkFindings.js';
import type { Finding } from './findings/common.js';
import { headTaxonomyTable } from './headTaxonomyTable.js';
import { viridisLut } from './internal/colormap.js';
import { esc, num, slug } from './internal/util.js';
import type { ChartResult } from './internal/vega.js';
import { buildViewerData } from './internal/viewerData.js';
import { VIEWER_CSS, VIEWER_JS } from './internal/viewerScript.js';
import { pcaRgbFigure } from './pcaRgbFigure.js';
import { residualCkaChart } from './residualCkaChart.js';
import { saliencyChart } from './saliencyChart.js';
import { taskChart } from './taskChart.js';
import type { ModelResults, ReportInput } from './types.js';

/** Options of {@link renderReport}. */
export interface RenderReportOptions {
  /** Page title (overrides `input.title`). @default input.title ?? 'ViT study' */
  title?: string;
  /** Example images per model in the attention viewer. @default 3 */
  viewerImages?: number;
  /**
   * Budget of the viewer's embedded attention data in bytes (before base64); beyond it the
   * viewer keeps fewer layers, evenly spaced, first and last always.
   * @default 12_000_000
   */
  viewerMaxBytes?: number;
  /** Called with a short line per figure written (progress). @default undefined */
  onProgress?: (line: string) => void;
}

/** Result of {@link renderReport}. */
export interface RenderReportResult {
  /** Absolute path of `index.html`. */
  index: string;
  /** Every file written, relative to the output folder (index.html last). */
  files: string[];
  /** Total bytes written. */
  bytes: number;
  /** The findings shown in the report. */
  findings: Finding[];
}

const CSS = `
:root{--fg:#1a1a1a;--muted:#555;--line:#ddd;--accent:#3b528b}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);margin:0;line-height:1.45}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 1.2em}
header{padding-top:1.2em}
h1{margin:.2em 0}
h2{border-bottom:2px solid var(--accent);padding-bottom:.2em;margin-top:2em}
h3{margin:1.4em 0 .4em}
nav a{margin-right:1em;color:var(--accent)}
.lead{color:var(--muted)}
figure{margin:.8em 0}
figure img{max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:.85em;color:var(--muted);max-width:60em}
.grid2 figure{width:min-content;min-width:240px}
.grid2 figure img{max-width:none}
.grid2 figcaption{min-width:240px}
img.heat{image-rendering:pixelated}
.grid2{display:flex;flex-wrap:wrap;gap:1.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid var(--line);padding:.25em .55em;text-align:left;vertical-align:top}
thead th{background:#f4f4f8}
td.na{color:#999;text-align:center}
caption{caption-side:top;text-align:left;font-size:.85em;color:var(--muted);padding-bottom:.3em;min-width:28em}
.status-holds{color:#1b7837;font-weight:600}
.status-does-not-hold{color:#b2182b;font-weight:600}
.status-not-measured{color:#777;font-weight:600}
.missing{color:#777;font-style:italic}
code{font-size:.9em}
details{margin:.4em 0}
`;

type Written = { files: string[]; bytes: number };

async function put(dir: string, name: string, data: Uint8Array | string, w: Written): Promise<string> {
  await atomicWrite(join(dir, name), data);
  w.files.push(name);
  w.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  return name;
}

/** Writes a chart as `<name>.svg` + `<name>.vl.json`; returns the figure HTML. */
async function chart(dir: string, name: string, c: ChartResult, caption: string, w: Written): Promise<string> {
  await put(dir, `${name}.vl.json`, `${JSON.stringify(c.spec)}\n`, w);
  const svg = await put(dir, `${name}.svg`, c.svg, w);
  return `<figure><img src="${esc(svg)}" alt="${esc(caption)}"><figcaption>${esc(caption)} <a href="${esc(name)}.vl.json">vega-lite spec</a></figcaption></figure>`;
}

/** `<img>` of a PNG heatmap, shown at 2× (pixelated) when it is small. */
function pngImg(file: string, png: Uint8Array, alt: string): string {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const w = dv.getUint32(16);
  const h = dv.getUint32(20);
  const k = w < 320 ? 2 : 1;
  return `<img class="heat" src="${esc(file)}" width="${w * k}" height="${h * k}" alt="${esc(alt)}">`;
}

const missing = (what: string) => `<p class="missing">Not measured: ${esc(what)}.</p>`;

/**
 * Renders a study's results as one offline report: `index.html` (no server, network, CDN or
 * external font; opens from `file://`) with the figures beside it in the same folder — PNG
 * heatmap grids, SVG charts with their vega-lite specs (`.vl.json`, data inlined) — in the
 * sections Findings (the paper's Table 3 checked on the numbers), How (attention), What
 * (features), Why (downstream tasks) and Provenance, plus the interactive attention viewer
 * for the example images. Analyses absent from the input are listed as not measured. Every
 * file is written atomically, `index.html` last.
 * @param results The study's results ({@link ReportInput}; `readResults(dir)` reads a study's folder).
 * @param outDir Output folder (created when missing).
 * @param options Title, viewer size, progress callback.
 * @returns The path of `index.html`, the files written, their total size and the findings.
 * @throws VitValueError for an input that is not a ReportInput or has malformed tensors; VitIoError when a file cannot be written.
 * @example const { index } = await renderReport(await readResults('study-output'), 'study-output/report')
 */
export async function renderReport(results: ReportInput, outDir: string, options: RenderReportOptions = {}): Promise<RenderReportResult> {
  if (!results || !Array.isArray(results.models) || results.models.length === 0) {
    throw new VitValueError('`results` of renderReport must be a ReportInput with at least one model in `models`.', { code: 'VIT_EMPTY' });
  }
  if (typeof outDir !== 'string' || !outDir) throw new VitValueError('`outDir` of renderReport must be a folder path.');
  const names = new Set<string>();
  for (const m of results.models) {
    if (!m || typeof m.name !== 'string' || !m.name) throw new VitValueError('every model of renderReport needs a non-empty `name`.');
    if (names.has(m.name)) throw new VitValueError(`model names of renderReport must be unique; "${m.name}" appears twice.`);
    names.add(m.name);
  }
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  if (!(await stat(dir)).isDirectory()) throw new VitValueError(`\`outDir\` of renderReport must be a folder; ${dir} is a file.`);
  const w: Written = { files: [], bytes: 0 };
  const say = options.onProgress ?? (() => undefined);
  const models = results.models;
  const title = options.title ?? results.title ?? 'ViT study';
  const findings = checkFindings(results);
  const order = models.map((m) => m.name); // one colour per model in every chart

  // ---- How: attention
  const how: string[] = [];
  const viewer = buildViewerData(models, options.viewerImages ?? 3, options.viewerMaxBytes ?? 12_000_000);
  if (viewer.models.length) {
    const lut = await viridisLut();
    const hex = Array.from(lut, (b) => b.toString(16).padStart(2, '0')).join('');
    const payload = JSON.stringify({ lut: hex, models: viewer.models }).replace(/</g, '\\u003c');
    how.push(
      `<h3 id="viewer-title">Attention viewer</h3><div id="viewer" role="region" aria-labelledby="viewer-title"></div>` +
        `<script type="application/json" id="viewer-data">${payload}</script>` +
        (viewer.thinned ? '<p class="lead">Only some layers are embedded (the data budget was reached); layers are evenly spaced.</p>' : ''),
    );
  } else how.push('<h3>Attention viewer</h3>' + missing('no example images with attention in the results (models[].examples[].attention)'));

  const withCls = models.filter((m) => m.attention?.clsMaps);
  how.push('<h3>Average CLS attention (Fig. 2)</h3>');
  if (withCls.length) {
    const figs: string[] = [];
    for (const m of withCls) {
      const png = await clsAttentionGrid(m.attention!.clsMaps!);
      const f = await put(dir, `cls-${slug(m.name)}.png`, png, w);
      say(f);
      figs.push(`<figure>${pngImg(f, png, `CLS attention maps of ${m.name}`)}<figcaption><b>${esc(m.name)}</b>: rows = layers 1–${m.layers} (top to bottom), columns = heads 0–${m.heads - 1}; each map min–max normalised (colour bar: bottom = minimum, top = maximum).</figcaption></figure>`);
    }
    how.push(`<div class="grid2">${figs.join('')}</div>`);
  } else how.push(missing('average CLS maps (attention analysis)'));

  const withAaam = models.filter((m) => m.attention?.aaam);
  how.push('<h3>Aligned aggregated attention maps (Fig. 3)</h3>');
  if (withAaam.length) {
    const figs: string[] = [];
    for (const m of withAaam) {
      const png = await aaamGrid(m.attention!.aaam!);
      const f = await put(dir, `aaam-${slug(m.name)}.png`, png, w);
      say(f);
      figs.push(`<figure>${pngImg(f, png, `AAAM of ${m.name}`)}<figcaption><b>${esc(m.name)}</b>: rows = layers, columns = heads; red midlines cross at the query's own position, so a peak beside the cross is an offset-local head.</figcaption></figure>`);
    }
    how.push(`<div class="grid2">${figs.join('')}</div>`);
  } else how.push(missing('AAAM (attention analysis)'));

  const withDist = models.filter((m) => m.attention?.distance);
  how.push('<h3>Attention distance (Fig. 4)</h3>');
  how.push(withDist.length ? await chart(dir, 'attention-distance', await attentionDistanceChart(withDist.map((m) => ({ name: m.name, distance: m.attention!.distance! })), { models: order }), 'Points: every head; lines: mean over heads per layer.', w) : missing('attention distance'));

  const withSal = models.filter((m) => m.attention?.saliency?.oracle);
  how.push('<h3>Attention saliency IoU (Fig. 5)</h3>');
  how.push(withSal.length ? await chart(dir, 'saliency-iou', await saliencyChart(withSal.map((m) => ({ name: m.name, layers: m.attention!.saliency!.layers, values: m.attention!.saliency!.oracle })), { models: order }), 'IoU of the 60%-mass mask of the best head per image with the foreground mask, per layer.', w) : missing('saliency IoU (needs images with foreground masks)'));

  how.push('<h3>Head taxonomy</h3>');
  how.push(models.some((m) => m.attention?.taxonomy) ? headTaxonomyTable(models).html : missing('head taxonomy (AAAM + attention distance)'));

  // ---- What: features
  const what: string[] = [];
  what.push('<h3>CKA (Fig. 6)</h3>');
  const ckaFigs: string[] = [];
  for (const m of models.filter((x) => x.features?.cka)) ckaFigs.push(await chart(dir, `cka-${slug(m.name)}`, await ckaHeatmap(m.features!.cka!, { title: `${m.name}: layer × layer` }), `${m.name}: CKA between every pair of layers.`, w));
  const across = results.across;
  if (across?.lastLayerCKA) {
    const { models: ms, matrix, tokens } = across.lastLayerCKA;
    ckaFigs.push(await chart(dir, 'cka-last-layer', await ckaHeatmap(matrix, { title: `Last layer across models${tokens ? ` (${tokens})` : ''}`, rowLabels: ms, colLabels: ms, rowTitle: 'model', colTitle: 'model' }), 'CKA between the last-layer features of every pair of models.', w));
  }
  for (const p of across?.pairCKA ?? []) ckaFigs.push(await chart(dir, `cka-${slug(p.a)}-vs-${slug(p.b)}`, await ckaHeatmap(p.matrix, { title: `${p.a} × ${p.b}`, rowTitle: `${p.a} layer`, colTitle: `${p.b} layer` }), `CKA between the layers of ${p.a} (rows) and ${p.b} (columns).`, w));
  what.push(ckaFigs.length ? `<div class="grid2">${ckaFigs.join('')}</div>` : missing('CKA'));
  const withRes = models.filter((m) => m.features?.residualCKA);
  what.push('<h3>Residual CKA</h3>');
  what.push(withRes.length ? await chart(dir, 'residual-cka', await residualCkaChart(withRes.map((m) => ({ name: m.name, ...m.features!.residualCKA! })), { models: order }), 'CKA between the skip input and the branch output of every attention (solid) and MLP (dashed) sub-block.', w) : missing('residual CKA (needs the attnSkip/attnBranch/mlpSkip/mlpBranch taps)'));
  what.push('<h3>Clustering (Figs. 7–8)</h3>');
  const kinds = [['cls', 'CLS token'], ['spatial', 'spatial tokens (mean)'], ['object', 'object-level features'], ['part', 'part-level features']] as const;
  const clusterFigs: string[] = [];
  const clusterMissing: string[] = [];
  for (const [kind, label] of kinds) {
    const ms = models.filter((m) => m.features?.clustering?.[kind]);
    if (!ms.length) {
      clusterMissing.push(label);
      continue;
    }
    clusterFigs.push(await chart(dir, `clustering-${kind}`, await clusteringChart(ms.map((m) => ({ name: m.name, scores: m.features!.clustering![kind]! })), { title: `k-means on ${label}`, models: order }), `Purity, NMI and ARI of k-means on ${label}, per layer.`, w));
  }
  what.push(clusterFigs.join(''));
  if (clusterMissing.length) what.push(missing(`clustering of ${clusterMissing.join(', ')}`));
  what.push('<h3>Principal components of the patch tokens</h3>');
  const pcaFigs: string[] = [];
  for (const m of models) {
    for (const [i, e] of (m.examples ?? []).entries()) {
      if (!e.pca) continue;
      const png = await pcaRgbFigure(e.image, e.pca);
      const f = await put(dir, `pca-${slug(m.name)}-${i}.png`, png, w);
      const ls = e.layers ?? Array.from({ length: e.pca.shape[0] }, (_, k) => k + 1);
      pcaFigs.push(`<figure>${pngImg(f, png, `PCA of ${m.name} tokens for ${e.id}`)}<figcaption><b>${esc(m.name)}</b>, ${esc(e.id)}: the image, then layers ${ls.join(', ')}; the first three principal components of the patch tokens as red, green, blue.</figcaption></figure>`);
    }
  }
  what.push(pcaFigs.length ? `<div class="grid2">${pcaFigs.join('')}</div>` : missing('PCA of patch tokens (models[].examples[].pca)'));

  // ---- Why: downstream tasks
  const why: string[] = [];
  const tasks: [string, string, string, (m: ModelResults) => { layers?: number[]; values?: import('@vit/io').Tensor } | undefined][] = [
    ['knn', 'k-NN classification (Fig. 9)', 'top-1 accuracy', (m) => m.tasks?.knn && { layers: m.tasks.knn.layers, values: m.tasks.knn.top1 }],
    ['retrieval-easy', 'Retrieval mAP (Easy)', 'mAP', (m) => m.tasks?.retrieval?.easy && { layers: m.tasks.retrieval.layers, values: m.tasks.retrieval.easy }],
    ['retrieval-medium', 'Retrieval mAP (Medium) (Fig. 9)', 'mAP', (m) => m.tasks?.retrieval?.medium && { layers: m.tasks.retrieval.layers, values: m.tasks.retrieval.medium }],
    ['retrieval-hard', 'Retrieval mAP (Hard)', 'mAP', (m) => m.tasks?.retrieval?.hard && { layers: m.tasks.retrieval.layers, values: m.tasks.retrieval.hard }],
    ['davis', 'DAVIS label propagation (Fig. 10)', 'J&F mean', (m) => m.tasks?.davis && { layers: m.tasks.davis.layers, values: m.tasks.davis.jf }],
    ['spair', 'SPair keypoints (Fig. 10)', 'PCK@0.1', (m) => m.tasks?.spair && { layers: m.tasks.spair.layers, values: m.tasks.spair.pck }],
  ];
  const taskFigs: string[] = [];
  const taskMissing: string[] = [];
  for (const [key, label, y, pick] of tasks) {
    const curves = models.map((m) => ({ name: m.name, p: pick(m) })).filter((x) => x.p?.values);
    if (!curves.length) {
      taskMissing.push(label.replace(/ \(Fig. \d+\)/, ''));
      continue;
    }
    taskFigs.push(await chart(dir, `task-${key}`, await taskChart(curves.map((c) => ({ name: c.name, layers: c.p!.layers, values: c.p!.values! })), { title: label, yTitle: y, models: order }), `${label}: ${y} per layer.`, w));
  }
  why.push(`<div class="grid2">${taskFigs.join('')}</div>`);
  if (taskMissing.length) why.push(missing(taskMissing.join('; ')));
  why.push('<h3>Best layer per task (Table 1)</h3>');
  const best = bestLayerTable(models, results.baselines ?? {});
  why.push(best.columns.length ? best.html : missing('downstream tasks'));

  // ---- Findings
  const findingsHtml =
    `<table class="findings"><caption>Rows of the paper's Table 3 that this study's analyses can test, each an explicit predicate on the numbers (open a row for its definition).</caption><thead><tr><th>observation (paper)</th><th>analysis</th><th>verdict</th><th>numbers</th></tr></thead><tbody>` +
    findings
      .map((f) => `<tr id="finding-${esc(f.id)}"><td><details><summary>${esc(f.observation)}</summary><p>${esc(f.predicate)}</p></details></td><td>${esc(f.analysis)}</td><td class="status-${f.status.replace(/ /g, '-')}">${esc(f.status)}</td><td>${esc(f.evidence)}</td></tr>`)
      .join('\n') +
    '</tbody></table>';

  // ---- Provenance
  const p = results.provenance ?? {};
  const prov: string[] = [];
  prov.push(
    `<h3>Models</h3><table><thead><tr><th>model</th><th>supervision</th><th>layers</th><th>heads</th><th>grid</th><th>prefix</th><th>width</th><th>source</th></tr></thead><tbody>${models
      .map((m) => `<tr><th scope="row">${esc(m.name)}</th><td>${esc(m.method ?? '–')}</td><td>${m.layers}</td><td>${m.heads}</td><td>${m.grid.join('×')}</td><td>${m.prefix ?? 1}</td><td>${m.dim ?? '–'}</td><td>${esc(m.source ?? '–')}</td></tr>`)
      .join('')}</tbody></table>`,
  );
  prov.push(p.datasets?.length ? `<h3>Datasets</h3><table><thead><tr><th>dataset</th><th>root</th><th>split</th><th>images</th><th>analyses</th></tr></thead><tbody>${p.datasets.map((d) => `<tr><th scope="row">${esc(d.name)}</th><td>${esc(d.root ?? '–')}</td><td>${esc(d.split ?? '–')}</td><td>${d.images}</td><td>${esc((d.analyses ?? []).join(', ') || '–')}</td></tr>`).join('')}</tbody></table>` : '<h3>Datasets</h3>' + missing('dataset list in the provenance'));
  if (p.timings && Object.keys(p.timings).length) prov.push(`<h3>Timings</h3><table><tbody>${Object.entries(p.timings).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${num(v, 1)} s</td></tr>`).join('')}</tbody></table>`);
  prov.push(`<h3>Skipped images</h3>${p.skipped?.length ? `<table><thead><tr><th>file</th><th>dataset</th><th>reason</th></tr></thead><tbody>${p.skipped.map((s) => `<tr><td>${esc(s.file)}</td><td>${esc(s.dataset ?? '–')}</td><td>${esc(s.reason)}</td></tr>`).join('')}</tbody></table>` : '<p>None.</p>'}`);
  const versions = { ...(p.versions ?? {}) };
  prov.push(`<h3>Versions</h3><table><tbody>${Object.entries(versions).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('') || '<tr><td>–</td></tr>'}</tbody></table>`);
  const meta = [p.finishedAt && `finished ${esc(p.finishedAt)}`, p.configHash && `config ${esc(p.configHash)}`, p.command && `command <code>${esc(p.command)}</code>`].filter(Boolean);
  if (meta.length) prov.push(`<p>${meta.join(' · ')}</p>`);

  const datasetsLine = p.datasets?.length ? ` on ${p.datasets.map((d) => `${esc(d.name)} (${d.images} images)`).join(', ')}` : '';
  const held = findings.filter((f) => f.status === 'holds').length;
  const tested = findings.filter((f) => f.status !== 'not measured').length;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}${VIEWER_CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="lead">${models.length} model${models.length > 1 ? 's' : ''} (${models.map((m) => esc(m.name)).join(', ')})${datasetsLine}. ${held} of ${tested} testable findings of the paper hold here.</p>
<nav><a href="#findings">Findings</a><a href="#how">How they attend</a><a href="#what">What they encode</a><a href="#why">Which layer serves which task</a><a href="#provenance">Provenance</a></nav>
</header>
<main>
<section id="findings"><h2>Findings</h2>${findingsHtml}</section>
<section id="how"><h2>How: attention</h2>${how.join('\n')}</section>
<section id="what"><h2>What: features</h2>${what.join('\n')}</section>
<section id="why"><h2>Why: downstream tasks</h2>${why.join('\n')}</section>
<section id="provenance"><h2>Provenance</h2>${prov.join('\n')}</section>
</main>
<footer><p class="lead">Written by @vit/report. Layers are numbered from 1, heads from 0. Every chart has its vega-lite spec beside it (<code>.vl.json</code>, data inlined).</p></footer>
<script>${VIEWER_JS}</script>
</body>
</html>
`;
  await put(dir, 'index.html', html, w);
  say('index.html');
  return { index: join(dir, 'index.html'), files: w.files, bytes: w.bytes, findings };
}
