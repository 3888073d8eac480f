import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { VitIoError, VitValueError } from '@vit/io';
import { parseStudyConfig, type StudyConfig } from './config.js';

/** `line:column` (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `${line}:${offset - last}`;
}

/** JSON text → value, or one line with `line:column` when the parser gives a position. */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const raw = (e as Error).message;
    const pos = /at position (\d+)/.exec(raw);
    // Node's messages may quote the text (with its newlines): keep the part before the quote
    const what = raw.replace(/,? ".*$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/\s+/g, ' ');
    const at = pos ? `:${lineColumn(text, Number(pos[1]))}` : '';
    throw new VitValueError(`${file}${at}: not valid JSON (${what}); fix the file or run \`vit study init\` for an example.`, { code: 'VIT_STUDY_CONFIG' });
  }
}

/** YAML text → value, or one line with the first error's `line:column`. */
function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    const lp = err.linePos?.[0];
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new VitValueError(`${file}${lp ? `:${lp.line}:${lp.col}` : ''}: not valid YAML (${what}); fix the file or run \`vit study init\` for an example.`, { code: 'VIT_STUDY_CONFIG' });
  }
  return doc.toJS();
}

/**
 * Read a study config from a `.json`, `.yaml` or `.yml` file (any other name is read as YAML, of
 * which JSON is a subset) and validate it with {@link parseStudyConfig}: defaults filled in,
 * relative paths resolved against the file's folder.
 *
 * @param path the config file.
 * @returns the validated config.
 * @throws VitIoError `VIT_NOT_FOUND` (no such file), `VIT_IO_READ` (a folder, unreadable).
 * @throws VitValueError `VIT_STUDY_CONFIG`: text that does not parse (one line with `file:line:column`
 *   where the parser gives it) or a config that does not validate (one line naming the field).
 * @example
 * const config = await loadStudyConfig('examples/study.json');
 * console.log(config.models.map((m) => m.name));
 */
export async function loadStudyConfig(path: string): Promise<StudyConfig> {
  if (typeof path !== 'string' || !path) throw new VitValueError(`\`path\` of loadStudyConfig must be a file path. Got ${JSON.stringify(path)}.`);
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new VitIoError('study config not found; pass the path of a study.json / study.yaml (`vit study init` writes one).', { file: path, code: 'VIT_NOT_FOUND' });
  if (!st.isFile()) throw new VitIoError('is not a file; pass the path of a study.json / study.yaml.', { file: path, code: 'VIT_IO_READ' });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VitIoError(`cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`, { file: path, code: 'VIT_IO_READ', cause });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const value = /\.json$/i.test(path) ? parseJson(text, path) : parseYaml(text, path);
  return parseStudyConfig(value, { file: path });
}
