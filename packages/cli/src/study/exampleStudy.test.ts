// The shipped study config (examples/study.json, what `npm run demo` runs): it validates against
// the schema, names files that exist, covers every analysis family the shipped data supports, and
// the root README's quick start shows it as it is.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANALYSES } from './analyses/index.js';
import { loadStudyConfig } from './loadConfig.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CONFIG = `${ROOT}examples/study.json`;

describe('examples/study.json', () => {
  it('validates, and every model file and dataset root it names exists', async () => {
    const config = await loadStudyConfig(CONFIG);
    expect(config.models.map((m) => m.name)).toEqual(['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random']);
    for (const m of config.models) expect(existsSync(m.onnx!), m.onnx).toBe(true);
    for (const d of config.datasets) expect(existsSync(d.root), d.root).toBe(true);
  });

  it('runs every analysis family of vit study except retrieval (no revisited Oxford/Paris data ships)', async () => {
    const config = await loadStudyConfig(CONFIG);
    const types = new Set(config.analyses.map((a) => a.type));
    expect([...types].sort()).toEqual(Object.keys(ANALYSES).filter((t) => t !== 'retrieval').sort());
    const features = config.analyses.flatMap((a) => (a.type === 'clustering' ? [a.features] : []));
    expect(features.sort()).toEqual(['cls', 'object', 'part', 'spatial']);
    expect(config.datasets.some((d) => d.reader === 'revisited')).toBe(false);
  });

  it('is what the root README quick start shows', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start: the study'));
    const block = /```json\n([\s\S]*?)```\n/.exec(section);
    expect(block?.[1]).toBe(readFileSync(CONFIG, 'utf8'));
  });
});
