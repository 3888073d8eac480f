import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, VitValueError } from '@vit/io';
import { parseSvg } from '../test/svg.js';
import { tinyStudy } from '../test/tinyStudy.js';
import { plantedInput } from '../test/planted.js';
import { readResults } from './readResults.js';
import { renderReport, type RenderReportResult } from './renderReport.js';
import { writeResults } from './writeResults.js';
import type { ReportInput } from './types.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const tmp = mkdtempSync(join(tmpdir(), 'vit-report-'));
let input: ReportInput;
let report: RenderReportResult;
let outDir: string;

beforeAll(async () => {
  // a real (tiny) study → results folder → read back → report: the path `vit report` takes
  const study = await tinyStudy();
  await writeResults(study, join(tmp, 'study'));
  input = await readResults(join(tmp, 'study'));
  outDir = join(tmp, 'study', 'report');
  report = await renderReport(input, outDir);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('renderReport on a tiny study', () => {
  it('writes index.html last plus every figure beside it, nothing else and no temp files', () => {
    expect(report.files[report.files.length - 1]).toBe('index.html');
    expect(readdirSync(outDir).sort()).toEqual([...report.files].sort());
    for (const f of ['cls-tiny-dino.png', 'aaam-tiny-mae.png', 'attention-distance.svg', 'attention-distance.vl.json', 'saliency-iou.svg', 'cka-tiny-dino.svg', 'cka-last-layer.svg', 'task-knn.svg', 'pca-tiny-mae-0.png']) {
      expect(report.files).toContain(f);
    }
    expect(report.bytes).toBe(report.files.reduce((s, f) => s + readFileSync(join(outDir, f)).byteLength, 0));
  });

  it('every SVG parses and every PNG decodes at the expected size', async () => {
    for (const f of report.files.filter((x) => x.endsWith('.svg'))) expect(parseSvg(readFileSync(join(outDir, f), 'utf8')).root).toBe('svg');
    // 3 layers × 2 heads of 4×4 maps: cell 12 px, gutter 4
    const cls = await decodeImage(readFileSync(join(outDir, 'cls-tiny-dino.png')));
    expect(cls.shape).toEqual([4 + 3 * 52, 4 + 2 * 52 + 4 + 12 + 4 + 4, 3]);
    const spec = JSON.parse(readFileSync(join(outDir, 'attention-distance.vl.json'), 'utf8'));
    expect(spec.data.values).toHaveLength(2 * 3 * 2);
  });

  it('index.html is offline: no http(s) URL loaded, sections and provenance present, findings listed', () => {
    const html = readFileSync(report.index, 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(http/);
    for (const id of ['findings', 'how', 'what', 'why', 'provenance', 'viewer']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('synthetic quadrants');
    expect(html).toContain('buildViT seed 2');
    expect(report.findings).toHaveLength(7);
    expect(html).toContain('Not measured: residual CKA');
    // the untested finding names what is missing
    expect(report.findings.find((f) => f.id === 'local-tasks-best-layer')!.status).toBe('not measured');
  });

  it('reading the results folder back gives the same numbers', async () => {
    const again = await readResults(join(tmp, 'study', 'results.json'));
    expect(Array.from(again.models[1].attention!.distance!.data)).toEqual(Array.from(input.models[1].attention!.distance!.data));
    expect(again.models[0].examples![0].image.data).toBeInstanceOf(Uint8Array);
  });

  it('bad input: one line, nothing written', async () => {
    await expect(renderReport({ schemaVersion: 1, models: [] }, join(tmp, 'bad'))).rejects.toThrow(VitValueError);
    const dup = plantedInput();
    dup.models[1].name = 'fs';
    await expect(renderReport(dup, join(tmp, 'bad'))).rejects.toThrow('model names of renderReport must be unique; "fs" appears twice.');
    await expect(readResults(join(tmp, 'nowhere'))).rejects.toThrow(/results.json: not found/);
    expect(existsSync(join(tmp, 'bad', 'index.html'))).toBe(false);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING the report browser test: no Chromium at ${CHROMIUM}.\n!! Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.\n${'!'.repeat(78)}\n`);
}

describe.skipIf(!haveChromium)('index.html in headless Chromium', () => {
  it('loads every image and SVG, logs no error, and a click on a patch changes the overlay', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'vit-report-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1200, height: 900 },
    });
    try {
      const page = await ctx.newPage();
      const errors: string[] = [];
      const external: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && external.push(r.url()));
      await page.goto(`file://${report.index}`, { waitUntil: 'load' });
      const imgs = await page.$$eval('img', (xs) => xs.map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })));
      expect(imgs.length).toBe(report.files.filter((f) => f.endsWith('.svg') || f.endsWith('.png')).length);
      expect(imgs.filter((i) => !i.ok)).toEqual([]);
      // the viewer: one canvas per head, an overlay that follows the query patch
      await page.waitForFunction("document.querySelectorAll('#viewer-heads canvas').length === 2");
      const overlay = () => page.$eval('#viewer-heads canvas', (c) => (c as unknown as { toDataURL(): string }).toDataURL());
      const q = await page.$('#viewer-query');
      await q!.scrollIntoViewIfNeeded();
      const box = (await q!.boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.1);
      const before = await overlay();
      const stateBefore = await page.getAttribute('#viewer', 'data-state');
      await page.mouse.click(box.x + box.width * 0.9, box.y + box.height * 0.9); // pins another patch
      expect(await page.getAttribute('#viewer', 'data-state')).not.toBe(stateBefore);
      expect(await overlay()).not.toBe(before);
      // keyboard: arrows move the query, ] changes the layer, c switches to the CLS query
      await page.keyboard.press('ArrowUp');
      expect(await page.getAttribute('#viewer', 'data-state')).toBe('0,0,1,11');
      await page.keyboard.press(']');
      expect(await page.getAttribute('#viewer', 'data-state')).toBe('0,0,2,11');
      await page.keyboard.press('c');
      expect(await page.getAttribute('#viewer', 'data-state')).toBe('0,0,2,cls');
      await page.selectOption('#viewer-model', '1');
      expect(await page.textContent('#viewer-status')).toMatch(/^tiny-mae/);
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      if (process.env.VIT_REPORT_SCREENSHOT) await page.screenshot({ path: process.env.VIT_REPORT_SCREENSHOT, fullPage: true });
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
