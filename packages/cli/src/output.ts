import type { Command } from 'commander';

/** The process's stdout writer (the default of every program). */
export const defaultWriteOut = (s: string): void => {
  process.stdout.write(s);
};
/** The process's stderr writer (the default of every program). */
export const defaultWriteErr = (s: string): void => {
  process.stderr.write(s);
};

/** The writers a command inherited from the program (stdout/stderr unless a test captured them). */
export function outputOf(cmd: Command): { out: (s: string) => void; err: (s: string) => void; errIsTTY: boolean } {
  const cfg = cmd.configureOutput() as { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
  const out = cfg.writeOut ?? defaultWriteOut;
  const err = cfg.writeErr ?? defaultWriteErr;
  // Progress bars only on a real terminal, and only when the command writes to the real stderr.
  const errIsTTY = !!process.stderr.isTTY && err === defaultWriteErr;
  return { out, err, errIsTTY };
}
