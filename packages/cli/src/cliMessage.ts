import type { Command } from 'commander';
import * as io from '@vit/io';
import * as runtime from '@vit/runtime';

/** Exported function and class names of the libraries the CLI calls: they never reach the user. */
const LIBRARY_NAMES = [...new Set([...Object.keys(io), ...Object.keys(runtime)])]
  .filter((k) => /^[a-zA-Z]\w+$/.test(k) && typeof (io as Record<string, unknown>)[k] !== 'object' && typeof (runtime as Record<string, unknown>)[k] !== 'object')
  .sort((a, b) => b.length - a.length);
/** Any library name (after a backticked argument: `` `x` of reshape ``). */
const LIB = `(?:${LIBRARY_NAMES.join('|')})(?:\\.\\w+)?`;
/** Names that cannot be English words (camelCase or PascalCase: `instrumentModel`, `ViTSession.create`). */
const LIB_CAMEL = `(?:${LIBRARY_NAMES.filter((n) => /.[A-Z]/.test(n)).join('|')})(?:\\.\\w+)?`;
const kebab = (s: string) => s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
/** Library argument names whose flag is not their kebab-case. */
const ALIASES: Record<string, string> = { batchSize: '--batch', intraOpThreads: '--threads', checkpoint: '--weights' };

/**
 * The one place where a library error becomes a CLI message: function names go away and argument
 * names become the verb's flags (`` `options.heads` of inferViTConfig `` → `` `--heads` ``, `` `taps` of
 * instrumentModel `` → `` `--taps` ``, `instrumentModel: ` → nothing); the first line only.
 * @param e the error a command threw.
 * @param cmd the command that ran (its flags and arguments name what the user typed), if known.
 * @returns one line, without the `vit <verb>: ` prefix.
 * @example cliMessage(new Error('`options.heads` of inferViTConfig is needed'), build) // '`--heads` is needed'
 */
export function cliMessage(e: unknown, cmd?: Command): string {
  let msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const flags = new Set((cmd?.options ?? []).map((o) => o.long).filter((l): l is string => !!l));
  const args = new Set((cmd?.registeredArguments ?? []).map((a) => a.name()));
  const rename = (name: string): string => {
    const base = name.replace(/^options\./, '');
    if (ALIASES[base] && flags.has(ALIASES[base])) return ALIASES[base];
    if (flags.has(`--${kebab(base)}`)) return `--${kebab(base)}`;
    if (args.has(base)) return `<${base}>`;
    return base;
  };
  // `name` of libFn / `options.name` of libFn → the flag (or the bare name), without the function.
  msg = msg.replace(new RegExp(`\`([\\w.\\[\\]']+)\` of ${LIB}\\b`, 'g'), (_, name: string) => `\`${rename(name)}\``);
  // `name` alone, when it is one of this verb's flags (e.g. "Pass `heads`.").
  msg = msg.replace(/`(?:options\.)?(\w+)`/g, (m, name: string) => {
    const flag = rename(name);
    return flag.startsWith('--') ? `\`${flag}\`` : m;
  });
  // "libFn: …" prefixes and " of libFn" / " by libFn" tails.
  msg = msg.replace(new RegExp(`(^|: |\\()${LIB_CAMEL}: `, 'g'), '$1');
  msg = msg.replace(new RegExp(` (?:of|by|in) ${LIB_CAMEL}\\b`, 'g'), '');
  return msg;
}
