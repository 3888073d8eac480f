import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyConfig } from './loadConfig.js';
import { oneLineRejection } from './internal/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'vit-study-load-'));
const put = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const YAML = `# a study
title: tiny
batchSize: 4
models:
  - { name: fs, onnx: models/fs.onnx }
datasets:
  - name: sample
    reader: folder
    root: data/sample
    limit: 10
analyses:
  - { type: attention, dataset: sample }
`;

describe('loadStudyConfig', () => {
  it('reads YAML (.yaml and .yml) and JSON to the same config, paths resolved against the file', async () => {
    const a = await loadStudyConfig(put('study.yaml', YAML));
    const b = await loadStudyConfig(put('study.yml', YAML));
    const json = {
      title: 'tiny',
      batchSize: 4,
      models: [{ name: 'fs', onnx: 'models/fs.onnx' }],
      datasets: [{ name: 'sample', reader: 'folder', root: 'data/sample', limit: 10 }],
      analyses: [{ type: 'attention', dataset: 'sample' }],
    };
    const c = await loadStudyConfig(put('study.json', `\ufeff${JSON.stringify(json, null, 2)}`));
    expect(a).toEqual(c);
    expect(b).toEqual(c);
    expect(a.models[0].onnx).toBe(join(dir, 'models/fs.onnx'));
    expect(a.datasets[0].root).toBe(join(dir, 'data/sample'));
    expect(a.batchSize).toBe(4);
    expect(a.seed).toBe(0);
  });

  it('says a missing file is missing', async () => {
    const e = await oneLineRejection(loadStudyConfig(join(dir, 'nope.yaml')));
    expect(e.code).toBe('VIT_NOT_FOUND');
    expect(e.message).toBe(`${join(dir, 'nope.yaml')}: study config not found; pass the path of a study.json / study.yaml (\`vit study init\` writes one).`);
  });

  it('refuses a folder', async () => {
    const d = join(dir, 'folder.yaml');
    mkdirSync(d, { recursive: true });
    expect((await oneLineRejection(loadStudyConfig(d))).code).toBe('VIT_IO_READ');
  });

  it('gives line:column of a YAML syntax error', async () => {
    const p = put('bad.yaml', 'title: x\nmodels: [1, 2\n');
    const e = await oneLineRejection(loadStudyConfig(p));
    expect(e.code).toBe('VIT_STUDY_CONFIG');
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.\\/]/g, '\\$&')}:3:1: not valid YAML \\(.+\\); fix the file or run \`vit study init\` for an example\\.$`));
  });

  it('gives line:column of a duplicate YAML key', async () => {
    const p = put('dup.yaml', 'title: x\nseed: 1\nseed: 2\n');
    expect((await oneLineRejection(loadStudyConfig(p))).message).toBe(`${p}:3:1: not valid YAML (Map keys must be unique); fix the file or run \`vit study init\` for an example.`);
  });

  it('gives line:column of a JSON syntax error when the parser gives a position', async () => {
    const p = put('bad.json', '{\n  "title": "x",\n  "seed": 1 2\n}');
    const e = await oneLineRejection(loadStudyConfig(p));
    expect(e.code).toBe('VIT_STUDY_CONFIG');
    // Node's wording varies between versions; the position does not
    expect(e.message).toMatch(/:3:13: not valid JSON \((Unexpected number|Expected ',' or '\}' after property value)\); fix the file or run `vit study init` for an example\.$/);
    expect(e.message.startsWith(`${p}:3:13: `)).toBe(true);
  });

  it('keeps a JSON error without a position on one line', async () => {
    const p = put('bad2.json', '{"a": 1,\n "b": }');
    const e = await oneLineRejection(loadStudyConfig(p));
    expect(e.message).toMatch(/: not valid JSON \(Unexpected token '\}'\); fix the file/);
  });

  it('names the field of a config that parses but does not validate', async () => {
    const p = put('wrong.yaml', YAML.replace('dataset: sample }', 'dataset: smaple }'));
    const e = await oneLineRejection(loadStudyConfig(p));
    expect(e.code).toBe('VIT_STUDY_CONFIG');
    expect(e.message).toBe(`${p}: analyses[0].dataset: "smaple" is not a dataset of this config (have: sample); did you mean "sample"?`);
  });

  it('refuses an empty file', async () => {
    const e = await oneLineRejection(loadStudyConfig(put('empty.yaml', '')));
    expect(e.message).toMatch(/empty\.yaml: must hold an object with models, datasets and analyses; got null$/);
  });
});
