// One line per problem of a study config: the field path, the value that came and what is allowed,
// in words read off the schema itself (so the analyses' own schemas get the same messages).
import type { z } from 'zod';

/** The parts of a zod issue the formatter reads (zod 4's `$ZodIssue`, loosely). */
export interface ConfigIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  options?: unknown[];
  note?: string;
}

type AnySchema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string; checks?: { _zod: { def: Record<string, unknown> } }[] };

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const descriptionOf = (s: AnySchema): string | undefined => (s as unknown as { description?: string }).description;

/** `analyses[3].dataset`, `batchSize`, `(the config)` for the root. */
export function fullPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(the config)';
}

/** The value of `input` at `path` (`undefined` when a step is missing). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A value as it appears in a message: JSON, cut at 60 characters. */
export function valueText(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (let d = defOf(cur); WRAPPERS.has(d.type) || d.type === 'pipe'; d = defOf(cur)) {
    if (descriptionOf(cur)) return cur;
    cur = (d.type === 'pipe' ? d.in : d.innerType) as AnySchema;
  }
  return cur;
}

/** The schema that validates `path`, following the input through discriminated unions. */
export function schemaAt(root: AnySchema, input: unknown, path: readonly PropertyKey[]): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  let v = input;
  for (const p of path) {
    if (!s) return undefined;
    s = pick(unwrapAll(s), v);
    if (!s) return undefined;
    const d = defOf(s);
    if (d.type === 'object') s = (d.shape as Record<string, AnySchema>)[String(p)];
    else if (d.type === 'array') s = d.element as AnySchema;
    else if (d.type === 'record') s = d.valueType as AnySchema;
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  }
  return s;
}

function unwrapAll(s: AnySchema): AnySchema {
  let cur = s;
  for (let d = defOf(cur); WRAPPERS.has(d.type) || d.type === 'pipe'; d = defOf(cur)) cur = (d.type === 'pipe' ? d.in : d.innerType) as AnySchema;
  return cur;
}

/** The option of a discriminated union that `v` selects (the schema itself otherwise). */
function pick(s: AnySchema, v: unknown): AnySchema | undefined {
  const d = defOf(s);
  if (d.type !== 'union') return s;
  const key = d.discriminator as string | undefined;
  if (!key || v === null || typeof v !== 'object') return undefined;
  const want = (v as Record<string, unknown>)[key];
  for (const o of d.options as AnySchema[]) {
    const od = defOf(unwrapAll(o));
    if (od.type !== 'object') continue;
    const lit = defOf(unwrapAll((od.shape as Record<string, AnySchema>)[key]));
    if ((lit.values as unknown[] | undefined)?.includes(want)) return unwrapAll(o);
  }
  return undefined;
}

/** Field names of the object schema at `path` (for "unknown field" messages). */
export function fieldsAt(root: AnySchema, input: unknown, path: readonly PropertyKey[]): string[] {
  const s = schemaAt(root, input, path);
  if (!s) return [];
  const o = pick(unwrapAll(s), valueAt(input, path));
  if (!o) return [];
  const d = defOf(o);
  return d.type === 'object' ? Object.keys(d.shape as object) : [];
}

const fmt = (n: unknown) => String(n);

/** What a schema allows, in words: `a whole number ≥ 1`, `one of cpu, cuda`, `a non-empty list of names`. */
export function describeAllowed(schema: AnySchema): string {
  const s = unwrap(schema);
  const text = descriptionOf(s);
  if (text) return text;
  const d = defOf(s);
  const checks = (d.checks ?? []).map((c) => c._zod.def);
  switch (d.type) {
    case 'number': {
      const int = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
      const bounds = checks.flatMap((c) =>
        c.check === 'greater_than' ? [`${c.inclusive ? '≥' : '>'} ${fmt(c.value)}`] : c.check === 'less_than' ? [`${c.inclusive ? '≤' : '<'} ${fmt(c.value)}`] : [],
      );
      return `${int ? 'a whole number' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
    }
    case 'string': {
      const min = checks.find((c) => c.check === 'min_length')?.minimum as number | undefined;
      const re = checks.find((c) => c.check === 'string_format' && c.format === 'regex')?.pattern as RegExp | undefined;
      const base = min === 1 ? 'a non-empty string' : min ? `a string of at least ${min} characters` : 'a string';
      return re ? `${base} matching ${String(re)}` : base;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(d.entries as Record<string, string>).join(', ')}`;
    case 'literal':
      return (d.values as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
    case 'array': {
      const min = checks.find((c) => c.check === 'min_length')?.minimum as number | undefined;
      const max = checks.find((c) => c.check === 'max_length')?.maximum as number | undefined;
      const n = min === 1 ? 'a non-empty list' : min ? `a list of at least ${min} entries` : max !== undefined ? `a list of at most ${max} entries` : 'a list';
      return `${n} (each ${describeAllowed(d.element as AnySchema)})`;
    }
    case 'tuple':
      return `a list of ${(d.items as AnySchema[]).length} (${(d.items as AnySchema[]).map(describeAllowed).join(', ')})`;
    case 'object':
      return `an object with fields ${Object.keys(d.shape as object).join(', ')}`;
    case 'record':
      return 'an object';
    case 'union': {
      if (d.discriminator) {
        const key = d.discriminator as string;
        const opts = (d.options as AnySchema[]).flatMap((o) => (defOf(unwrapAll((defOf(unwrapAll(o)).shape as Record<string, AnySchema>)[key])).values as unknown[]) ?? []);
        return `an object whose ${key} is one of ${opts.join(', ')}`;
      }
      return (d.options as AnySchema[]).map(describeAllowed).join(' or ');
    }
    default:
      return d.type;
  }
}

/** Edit distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diag = t;
    }
  }
  return prev[b.length];
}

/** The closest of `names` to `name`, when close enough to be a typo. */
export function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(name, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * One zod issue as `path: value must be <allowed>` (or `path: unknown field "x" …`, `path: missing; …`).
 * @param issue a zod issue.
 * @param root the schema that was parsed.
 * @param input the value that was parsed.
 * @param prefix where `input` sits in the config, for the field path of the message.
 * @returns the message, without the file prefix.
 */
export function formatConfigIssue(issue: ConfigIssue, root: AnySchema, input: unknown, prefix: readonly PropertyKey[] = []): string {
  const path = issue.path;
  const pathText = (p: readonly PropertyKey[]) => fullPath([...prefix, ...p]);
  if (issue.code === 'unrecognized_keys') {
    const allowed = fieldsAt(root, input, path);
    const keys = issue.keys ?? [];
    const hint = keys.length === 1 ? closest(keys[0], allowed) : undefined;
    const where = path.length + prefix.length ? `${pathText(path)}: ` : '';
    return `${where}unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : 'this takes no fields'}`;
  }
  const value = valueAt(input, path);
  if (issue.code === 'invalid_union' && issue.options) {
    const opts = issue.options.map(String);
    const hint = typeof value === 'string' ? closest(value, opts) : undefined;
    if (value === undefined) return `${pathText(path)}: missing; must be one of ${opts.join(', ')}`;
    return `${pathText(path)}: ${valueText(value)} must be one of ${opts.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  const schema = schemaAt(root, input, path);
  const allowed = schema ? describeAllowed(schema) : issue.message.replace(/^Invalid input: /, '').replace(/^./, (c) => c.toLowerCase());
  if (value === undefined) return `${pathText(path)}: missing; must be ${allowed}`;
  if (issue.code === 'invalid_value' && typeof value === 'string' && schema) {
    const opts = Object.values((defOf(unwrapAll(schema)).entries as Record<string, string> | undefined) ?? {});
    const hint = closest(value, opts);
    if (hint) return `${pathText(path)}: ${valueText(value)} must be ${allowed} (did you mean "${hint}"?)`;
  }
  return `${pathText(path)}: ${valueText(value)} must be ${allowed}`;
}
