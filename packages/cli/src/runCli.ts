import { CommanderError } from 'commander';
import { cliMessage } from './cliMessage.js';
import { defaultWriteErr } from './output.js';
import { createProgram, type ProgramOutput } from './program.js';

/**
 * Run `vit` with `argv` (without the node and script entries) and return the exit code instead of
 * exiting: 0 on success, 1 on an error (one line on stderr, in the CLI's words: see {@link cliMessage}),
 * commander's code on a usage error.
 * @param argv e.g. `['inspect', 'vit.onnx', '--json']`.
 * @param output where to write; defaults to stdout/stderr.
 * @returns the exit code.
 * @example process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], output: ProgramOutput = {}): Promise<number> {
  const writeErr = output.writeErr ?? defaultWriteErr;
  const program = createProgram({ ...output, writeErr }).exitOverride();
  const override = (cmd: typeof program): void => {
    for (const c of cmd.commands) {
      c.exitOverride();
      override(c);
    }
  };
  override(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed its message
    const verb = argv.find((a) => !a.startsWith('-')) ?? '';
    const cmd = program.commands.find((c) => c.name() === verb);
    writeErr(`vit${cmd ? ` ${verb}` : ''}: ${cliMessage(e, cmd)}\n`);
    return 1;
  }
}
