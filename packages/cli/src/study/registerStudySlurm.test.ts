import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMessage } from '../cliMessage.js';
import { registerStudySlurm } from './registerStudySlurm.js';
import type { SlurmScripts } from './slurm.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-slurm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const config = join(work, 'study.yaml');
writeFileSync(config, 'models: [{ name: a, onnx: a.onnx }]\ndatasets: [{ name: imgs, reader: folder, root: images }]\nanalyses: [{ type: attention, dataset: imgs }]\n');

/**
 * `vit study slurm …`. commands/study.ts registers the verb on `vit study`, which has a `<config>`
 * argument and its own `--out`, `--device`, `--quiet` and `--json` (commander hands those flags to
 * the parent wherever they appear): the program here has such a parent, as `vit` does, or a bare one.
 */
async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('vit').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  const study = program.command('study').exitOverride();
  if (parent === 'like vit study') {
    study.argument('<config>').option('--out <dir>').option('--shard <k/N>').option('--device <name>').option('--quiet').option('--json').action(() => {
      throw new Error('vit study ran instead of vit study slurm');
    });
  }
  registerStudySlurm(study).exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    return { code: 1, out, err: `${err}vit study: ${cliMessage(e)}\n` };
  }
}

let parent: 'like vit study' | 'bare' = 'like vit study';

describe.each(['like vit study', 'bare'] as const)('vit study slurm (parent command: %s)', (kind) => {
  beforeAll(() => {
    parent = kind;
  });

  it('writes the scripts and prints the command that submits them', async () => {
    const out = join(work, `run1-${kind.replace(/ /g, '-')}`);
    const r = await vit('study', 'slurm', config, '--out', out, '--shards', '2', '--partition', 'cpu', '--time', '30', '--cpus', '2', '--mem', '4G');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const slurm = join(out, 'slurm');
    expect(r.out).toBe(
      `wrote ${join(slurm, 'shards.sbatch')}, ${join(slurm, 'merge.sbatch')}, ${join(slurm, 'submit.sh')}\n` +
        `submit on the cluster's login node with:\n  bash ${join(slurm, 'submit.sh')}\n` +
        `(it submits 2 shards as one array job, then \`vit study merge\` once every shard succeeded; logs in ${join(slurm, 'logs')})\n`,
    );
    const shard = readFileSync(join(slurm, 'shards.sbatch'), 'utf8');
    for (const line of ['#SBATCH --array=1-2', '#SBATCH --partition=cpu', '#SBATCH --time=30', '#SBATCH --cpus-per-task=2', '#SBATCH --mem=4G']) expect(shard).toContain(`${line}\n`);
    expect(shard).toContain(`--out ${out} --shard "$SLURM_ARRAY_TASK_ID/2"\n`);
  });

  it('prints one JSON object with --json; --gpus, --sbatch, --setup, --vit and --no-merge reach the scripts', async () => {
    const out = join(work, `run2-${kind.replace(/ /g, '-')}`);
    const r = await vit('study', 'slurm', config, '--out', out, '--shards', '3', '--gpus', '1', '--sbatch=--account=lab', '--sbatch', '--qos=short', '--setup', 'module load nodejs', '--vit', 'npx vit', '--no-merge', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as SlurmScripts;
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(j).toEqual({ out, shards: 3, shardScript: join(out, 'slurm', 'shards.sbatch'), submitScript: join(out, 'slurm', 'submit.sh'), logs: join(out, 'slurm', 'logs'), command: `bash ${join(out, 'slurm', 'submit.sh')}` });
    expect(existsSync(join(out, 'slurm', 'merge.sbatch'))).toBe(false);
    const shard = readFileSync(j.shardScript, 'utf8');
    expect(shard).toContain('#SBATCH --gres=gpu:1\n#SBATCH --account=lab\n#SBATCH --qos=short\n');
    expect(shard).toContain(`\nmodule load nodejs\nexec npx vit study ${config} --out ${out} --shard "$SLURM_ARRAY_TASK_ID/3" --device cuda\n`);
    expect(readFileSync(j.submitScript, 'utf8')).toContain(`npx vit study merge ${out}`);
  });

  it('bad flags: one line naming the flag and the value, exit 1, nothing written', async () => {
    const out = join(work, `run3-${kind.replace(/ /g, '-')}`);
    const cases: [string[], string][] = [
      [['--shards', '0'], '`--shards` of vit study slurm must be a positive integer. Got "0".'],
      [['--shards', '2', '--time', '2h'], '`--time` must be a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. Got "2h".'],
      [['--shards', '2', '--mem', 'lots'], '`--mem` must be a size such as 4000 (MB), 16G or 512M. Got "lots".'],
      [['--shards', '2', '--gpus', 'x'], '`--gpus` must be a GPU count, or type:count (e.g. 1 or a100:2). Got "x".'],
      [['--shards', '2', '--cpus', '0'], '`--cpus` of vit study slurm must be a positive integer. Got "0".'],
      [['--shards', '2', '--device', 'tpu'], '`--device` of vit study slurm must be cpu or cuda. Got "tpu".'],
      [['--shards', '2', '--sbatch', '--output=x.log'], '`--sbatch` must be an option other than --array, --output, --chdir and --dependency (the scripts set those). Got "--output=x.log".'],
      [['--shards', '2', '--job-name', 'a b'], '`--job-name` must be letters, digits, ".", "_" or "-". Got "a b".'],
    ];
    for (const [flags, message] of cases) {
      const r = await vit('study', 'slurm', config, '--out', out, ...flags);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.err).toBe(`vit study: ${message}\n`);
    }
    const missing = await vit('study', 'slurm', join(work, 'nope.yaml'), '--out', out, '--shards', '2');
    expect([missing.code, missing.err]).toEqual([1, `vit study: ${join(work, 'nope.yaml')}: study config not found; pass the path of a study.json / study.yaml (\`vit study init\` writes one).\n`]);
    expect(existsSync(out)).toBe(false);
    // commander's own usage errors for the required flags
    const noShards = await vit('study', 'slurm', config, '--out', out);
    expect(noShards.code).toBe(1);
    expect(noShards.err).toContain("required option '--shards <n>' not specified");
    const noOut = await vit('study', 'slurm', config, '--shards', '2');
    expect([noOut.code, noOut.err]).toEqual([1, "vit study: `--out <dir>` of vit study slurm is needed: the study's output folder (the scripts go to <dir>/slurm/).\n"]);
  });
});
