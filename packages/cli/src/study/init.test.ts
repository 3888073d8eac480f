import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VitError } from '@vit/io';
import { analysisConfig } from './analyses/configs.js';
import { parseStudyConfig } from './config.js';
import { registerStudyInit, studyInitTemplate, type StudyInitJson } from './init.js';
import { openDataset } from './openDataset.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vit-study-init-'));

/** `vit study init …` on a bare commander program holding a `study` command. */
async function init(...argv: string[]): Promise<{ out: string; err: string; error?: unknown }> {
  let out = '';
  let err = '';
  const program = new Command('vit').configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) }).exitOverride();
  registerStudyInit(program.command('study').exitOverride()).exitOverride();
  try {
    await program.parseAsync(['study', 'init', ...argv], { from: 'user' });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  }
}

describe('studyInitTemplate', () => {
  it('parses with parseStudyConfig, and every entry is commented', () => {
    const text = studyInitTemplate();
    const config = parseStudyConfig(parse(text), { file: join(REPO, 'study.yaml') });
    expect(config.models.map((m) => m.name)).toEqual(['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random']);
    expect(config.models[0].onnx).toBe(join(REPO, 'examples/zoo/fs.onnx'));
    expect(config.datasets.map((d) => d.reader)).toEqual(['folder', 'coco', 'partImageNet', 'davis', 'spair']);
    // every analysis family is there: active, or commented out when no shipped data serves it
    for (const o of analysisConfig.options) {
      const type = o.shape.type.value as string;
      expect(text).toMatch(new RegExp(`^ {2}# ${type}: \\S`, 'm'));
      const own = Object.keys(o.shape).filter((f) => !['type', 'dataset', 'layers', 'models'].includes(f));
      for (const field of own) expect(text).toMatch(new RegExp(`^ {2}# {3}${field}: \\S`, 'm'));
    }
    for (const field of ['type', 'dataset', 'layers', 'models']) expect(text).toMatch(new RegExp(`^# {3}${field}: +\\S`, 'm'));
    expect(config.analyses.map((a) => a.type)).toEqual(analysisConfig.options.map((o) => o.shape.type.value).filter((t) => t !== 'retrieval'));
    // every top-level field is written and commented
    for (const field of ['title', 'seed', 'batchSize', 'checkpointEvery', 'checkpointSeconds', 'device', 'report', 'models', 'datasets', 'analyses']) expect(text).toMatch(new RegExp(`^${field}:`, 'm'));
    for (const field of ['name', 'method', 'onnx', 'checkpoint', 'builder', 'preset']) expect(text).toMatch(new RegExp(`^# {3}${field}: +\\S`, 'm'));
    for (const reader of ['folder', 'imagenet', 'imagenet50', 'coco', 'partImageNet', 'davis', 'spair', 'revisited']) expect(text).toMatch(new RegExp(`^# {3}${reader} +\\S`, 'm'));
  });

  it('its commented-out entries parse too once uncommented', () => {
    const text = studyInitTemplate().replace(/^( {2})# - /gm, '$1- ').replace(/^( {2})# {3}(method|checkpoint|builder):/gm, '$1  $2:');
    const c = parseStudyConfig(parse(text));
    expect(c.models.at(-1)).toMatchObject({ name: 'dino-b16', builder: 'dino' });
    expect(c.datasets.map((d) => d.name)).toContain('oxford');
    expect(c.analyses.map((a) => a.type)).toContain('retrieval');
  });

  it('points at data that opens: the shipped zoo benchmark', async () => {
    const config = parseStudyConfig(parse(studyInitTemplate()), { file: join(REPO, 'study.yaml') });
    for (const d of config.datasets) expect((await openDataset(d)).items.length).toBeGreaterThan(0);
    for (const m of config.models) expect(existsSync(m.onnx!)).toBe(true);
  });
});

describe('vit study init', () => {
  it('writes the template, refuses to overwrite without --force, prints one JSON object with --json', async () => {
    const file = join(dir, 'study.yaml');
    const r = await init(file, '--json');
    expect(r.error).toBeUndefined();
    const j = JSON.parse(r.out) as StudyInitJson;
    expect(j).toEqual({ out: file, bytes: readFileSync(file).length, models: 7, datasets: 5, analyses: 7 });
    // the paths point at the zoo from the file's folder
    const c = parseStudyConfig(parse(readFileSync(file, 'utf8')), { file });
    expect(c.models[0].onnx).toBe(resolve('examples/zoo/fs.onnx'));
    writeFileSync(file, 'mine');
    const again = await init(file);
    expect(again.error).toBeInstanceOf(VitError);
    expect((again.error as VitError).code).toBe('VIT_IO_WRITE');
    expect((again.error as Error).message).toBe(`${file}: exists; pass --force to overwrite it, or name another file.`);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    const forced = await init(file, '--force');
    expect(forced.out).toBe(`wrote ${file}: an example study (7 models, 5 datasets, 7 analyses); run it with: vit study ${file} --out study-out\n`);
    expect(readFileSync(file, 'utf8')).toContain('# Models:');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writes JSON without comments for a .json name', async () => {
    const file = join(dir, 'sub', 'study.json');
    mkdirSync(join(dir, 'sub'));
    expect((await init(file)).error).toBeUndefined();
    const c = parseStudyConfig(JSON.parse(readFileSync(file, 'utf8')), { file });
    expect(c.datasets[0].root).toBe(resolve('examples/zoo/bench/sample'));
  });

  it('refuses a folder', async () => {
    const r = await init(dir);
    expect((r.error as VitError).code).toBe('VIT_IO_WRITE');
  });
});
