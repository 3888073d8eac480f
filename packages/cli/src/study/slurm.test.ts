import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { VitError } from '@vit/io';
import { writeSlurmScript } from './slurm.js';

const work = mkdtempSync(join(tmpdir(), 'vit-slurm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
/** A valid study config (the scripts only need it to validate). */
const CONFIG = `${JSON.stringify({
  models: [{ name: 'a', onnx: 'a.onnx' }],
  datasets: [{ name: 'imgs', reader: 'folder', root: 'images' }],
  analyses: [{ type: 'attention', dataset: 'imgs' }],
})}\n`;
/** A fresh folder holding a study config (its content does not matter to the scripts). */
function setup(name = 'study.json'): { config: string; out: string; base: string } {
  const base = join(work, `case${n++}`);
  mkdirSync(base, { recursive: true });
  const config = join(base, name);
  writeFileSync(config, CONFIG);
  return { config, out: join(base, 'out'), base };
}

/** The `#SBATCH` options of a script, in order. */
const directives = (text: string) => text.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));

/**
 * Run a written job script's shell part with bash as Slurm would (SLURM_ARRAY_TASK_ID set), with
 * `vit` replaced by a command that prints its arguments as JSON: what the job would run.
 */
function argvOf(script: string, env: Record<string, string> = {}): string[] {
  const r = spawnSync('bash', [script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').slice(0, -1);
}
const PRINT_ARGV = `printf '%s\\n'`;

describe('writeSlurmScript', () => {
  it('writes an array job of N shards, a merge job and submit.sh, with absolute paths, --output and --chdir', async () => {
    const { config, out, base } = setup();
    const s = await writeSlurmScript(config, out, 3);
    expect(s).toEqual({
      out,
      shards: 3,
      shardScript: join(out, 'slurm', 'shards.sbatch'),
      mergeScript: join(out, 'slurm', 'merge.sbatch'),
      submitScript: join(out, 'slurm', 'submit.sh'),
      logs: join(out, 'slurm', 'logs'),
      command: `bash ${join(out, 'slurm', 'submit.sh')}`,
    });
    // Atomic writes leave no temporary files; the log folder exists before any job starts.
    expect(readdirSync(join(out, 'slurm')).sort()).toEqual(['logs', 'merge.sbatch', 'shards.sbatch', 'submit.sh']);
    expect(statSync(s.submitScript).mode & 0o111).toBe(0o111);
    const shard = readFileSync(s.shardScript, 'utf8');
    expect(shard.startsWith('#!/bin/bash\n')).toBe(true);
    expect(directives(shard)).toEqual(['--job-name=vit-study', '--array=1-3', `--output=${join(out, 'slurm', 'logs', 'shard-%A_%a.log')}`, `--chdir=${base}`]);
    // By default the jobs run this Node and this package's bin/vit.js, by absolute paths.
    const bin = fileURLToPath(new URL('../../bin/vit.js', import.meta.url));
    expect(shard).toContain(`\nexec ${process.execPath} ${bin} study ${config} --out ${out} --shard "$SLURM_ARRAY_TASK_ID/3"\n`);
    const merge = readFileSync(s.mergeScript!, 'utf8');
    expect(directives(merge)).toEqual(['--job-name=vit-study-merge', `--output=${join(out, 'slurm', 'logs', 'merge-%j.log')}`, `--chdir=${base}`]);
    expect(merge).toContain(`\nexec ${process.execPath} ${bin} study merge ${out}\n`);
    const submit = readFileSync(s.submitScript, 'utf8');
    expect(submit).toContain(`array=$(sbatch --parsable "$@" ${s.shardScript})`);
    expect(submit).toContain(`job=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$@" ${s.mergeScript})`);
    for (const f of [s.shardScript, s.mergeScript!, s.submitScript]) expect(spawnSync('bash', ['-n', f]).status, f).toBe(0);
  });

  it('each array task runs `vit study <config> --out DIR --shard k/N` (the shell part, run with bash)', async () => {
    const { config, out } = setup();
    const s = await writeSlurmScript(config, out, 4, { vit: PRINT_ARGV });
    for (const k of [1, 4]) {
      expect(argvOf(s.shardScript, { SLURM_ARRAY_TASK_ID: String(k) })).toEqual(['study', config, '--out', out, '--shard', `${k}/4`]);
    }
    expect(argvOf(s.mergeScript!)).toEqual(['study', 'merge', out]);
  });

  it('keeps paths with blanks, quotes and $ intact', async () => {
    const { config, out, base } = setup("my study's $HOME.yaml");
    const dir = join(base, 'out dir `x` $y');
    const s = await writeSlurmScript(config, dir, 2, { vit: PRINT_ARGV });
    expect(argvOf(s.shardScript, { SLURM_ARRAY_TASK_ID: '2' })).toEqual(['study', config, '--out', dir, '--shard', '2/2']);
    expect(argvOf(s.mergeScript!)).toEqual(['study', 'merge', dir]);
    // sbatch reads a double-quoted value in an #SBATCH line as one word; % is its pattern escape.
    expect(directives(readFileSync(s.shardScript, 'utf8'))).toContain(`--output="${join(dir, 'slurm', 'logs', 'shard-%A_%a.log')}"`);
    expect(out).not.toBe(dir);
  });

  it('asks Slurm for partition, time, CPUs, memory and GPUs; GPUs turn on --device cuda', async () => {
    const { config, out } = setup();
    const s = await writeSlurmScript(config, out, 2, {
      partition: 'gpu,gpu-long',
      time: '1-02:00:00',
      cpus: 8,
      mem: '16g',
      gpus: 'a100:1',
      jobName: 'fs-study',
      parallel: 1,
      sbatch: ['--account=lab', '#SBATCH --qos=short'],
      setup: ['export VIT_SETUP=1'],
      vit: PRINT_ARGV,
    });
    const shard = readFileSync(s.shardScript, 'utf8');
    expect(directives(shard).slice(0, 2)).toEqual(['--job-name=fs-study', '--array=1-2%1']);
    expect(directives(shard).slice(4)).toEqual(['--partition=gpu,gpu-long', '--time=1-02:00:00', '--cpus-per-task=8', '--mem=16G', '--gres=gpu:a100:1', '--account=lab', '--qos=short']);
    expect(shard).toContain('\nset -euo pipefail\nexport VIT_SETUP=1\nexec ');
    expect(argvOf(s.shardScript, { SLURM_ARRAY_TASK_ID: '1' })).toEqual(['study', config, '--out', out, '--shard', '1/2', '--device', 'cuda']);
    // The merge needs no GPU.
    expect(directives(readFileSync(s.mergeScript!, 'utf8')).slice(3)).toEqual(['--partition=gpu,gpu-long', '--time=1-02:00:00', '--cpus-per-task=8', '--mem=16G', '--account=lab', '--qos=short']);
    // An explicit device wins over the GPU default.
    const cpu = await writeSlurmScript(config, out, 2, { gpus: 2, device: 'cpu', vit: PRINT_ARGV });
    expect(argvOf(cpu.shardScript, { SLURM_ARRAY_TASK_ID: '2' }).slice(-2)).toEqual(['--device', 'cpu']);
    expect(directives(readFileSync(cpu.shardScript, 'utf8'))).toContain('--gres=gpu:2');
  });

  it('without merge, submit.sh submits the shards only and says how to merge', async () => {
    const { config, out } = setup();
    const s = await writeSlurmScript(config, out, 2, { merge: false });
    expect(s.mergeScript).toBeUndefined();
    expect(readdirSync(join(out, 'slurm')).sort()).toEqual(['logs', 'shards.sbatch', 'submit.sh']);
    const submit = readFileSync(s.submitScript, 'utf8');
    expect(submit).not.toContain('--dependency');
    expect(submit).toContain(`study merge ${out}`);
  });

  it('refuses bad input with one line naming the value, and writes nothing', async () => {
    const { config, out, base } = setup();
    const badConfig = join(base, 'bad.json');
    writeFileSync(badConfig, CONFIG.replace('"dataset":"imgs"', '"dataset":"cocoo"'));
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => writeSlurmScript(config, out, 0), 'VIT_VALUE', /^`shards` of writeSlurmScript must be a whole number ≥ 1\. Got 0\.$/],
      [() => writeSlurmScript(join(out, 'nope.json'), out, 2), 'VIT_NOT_FOUND', /nope\.json: study config not found/],
      [() => writeSlurmScript(badConfig, out, 2), 'VIT_STUDY_CONFIG', /bad\.json: .*analyses\[0\]\.dataset.*"cocoo"/],
      [() => writeSlurmScript(config, out, 2, { time: '2h' }), 'VIT_VALUE', /^`options\.time` of writeSlurmScript must be a Slurm time limit.*Got "2h"\.$/],
      [() => writeSlurmScript(config, out, 2, { mem: '16 GB' }), 'VIT_VALUE', /`options\.mem`.*Got "16 GB"/],
      [() => writeSlurmScript(config, out, 2, { cpus: 1.5 }), 'VIT_VALUE', /`options\.cpus`.*Got 1\.5/],
      [() => writeSlurmScript(config, out, 2, { gpus: 'two' }), 'VIT_VALUE', /`options\.gpus`.*Got "two"/],
      [() => writeSlurmScript(config, out, 2, { partition: 'a b' }), 'VIT_VALUE', /`options\.partition`/],
      [() => writeSlurmScript(config, out, 2, { sbatch: ['--array=1-9'] }), 'VIT_VALUE', /`options\.sbatch\[0\]`.*other than --array/],
      [() => writeSlurmScript(config, out, 2, { sbatch: ['account=lab'] }), 'VIT_VALUE', /`options\.sbatch\[0\]`.*an sbatch option/],
      [() => writeSlurmScript(config, out, 2, { setup: ['a\nb'] }), 'VIT_VALUE', /`options\.setup\[0\]`.*on one line/],
      [() => writeSlurmScript(config, out, 2, { vit: '' }), 'VIT_VALUE', /`options\.vit`/],
    ];
    for (const [run, code, message] of cases) {
      const e = await run().then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(VitError);
      expect((e as VitError).code).toBe(code);
      expect((e as VitError).message).toMatch(message);
      expect((e as VitError).message).not.toContain('\n');
    }
    expect(() => statSync(out)).toThrow();
  });
});
