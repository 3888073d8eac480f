import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerExtract } from './commands/extract.js';
import { registerInspect } from './commands/inspect.js';
import { registerBuild } from './commands/build.js';
import { registerReport } from './commands/report.js';
import { registerInspectCheckpoint } from './commands/inspectCheckpoint.js';
import { registerStudy } from './commands/study.js';
import { defaultWriteErr, defaultWriteOut } from './output.js';

/** This package's version (`vit --version`), read from its package.json beside src/ and dist/. */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Where a program writes; defaults to the process's streams. */
export interface ProgramOutput {
  /** Normal output (results, `--json`). */
  writeOut?: (text: string) => void;
  /** Diagnostics (errors, warnings, progress). */
  writeErr?: (text: string) => void;
}

/**
 * Build the `vit` commander program: one module per verb in `src/commands/<verb>.ts`,
 * each exporting `register<Verb>(program)`.
 * @param output where the program writes (tests capture it); defaults to stdout/stderr.
 * @returns the program; run it with `parseAsync(argv)` (errors reject; see {@link runCli} for exit codes).
 * @example await createProgram().parseAsync(['node', 'vit', 'inspect', 'vit.onnx', '--json']);
 */
export function createProgram(output: ProgramOutput = {}): Command {
  const program = new Command('vit')
    .description('Understand Vision Transformers: attention, features, and which layer serves which task.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // options after a verb belong to the verb (and after `vit study merge` to merge, not to study)
    .enablePositionalOptions()
    .configureOutput({
      writeOut: output.writeOut ?? defaultWriteOut,
      writeErr: output.writeErr ?? defaultWriteErr,
    });
  registerInspect(program);
  registerExtract(program);
  registerBuild(program);
  registerReport(program);
  registerInspectCheckpoint(program);
  registerStudy(program);
  return program;
}
