import { VitValueError } from '@vit/io';

export type OnUndefined = 'throw' | 'nan';

export function checkOnUndefined(v: unknown, fn: string): OnUndefined {
  if (v === undefined) return 'throw';
  if (v !== 'throw' && v !== 'nan') throw new VitValueError(`\`onUndefined\` of ${fn} must be 'throw' or 'nan'. Got ${JSON.stringify(v)}.`);
  return v;
}

export function checkSameRows(nx: number, ny: number, fn: string): void {
  if (nx !== ny) {
    throw new VitValueError(
      `\`Y\` of ${fn} must have the same number of rows (samples) as \`X\`: X has ${nx}, Y has ${ny}.`,
      { code: 'VIT_SAMPLE_MISMATCH' },
    );
  }
}

export function checkInt(v: unknown, name: string, fn: string, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new VitValueError(`\`${name}\` of ${fn} must be ${range}. Got ${typeof v === 'number' ? v : JSON.stringify(v)}.`);
  }
  return v;
}

/** The error for an undefined CKA, or NaN when asked for. */
export function undefinedCka(fn: string, what: string, mode: OnUndefined): number {
  if (mode === 'nan') return NaN;
  throw new VitValueError(
    `${fn}: CKA is undefined because ${what} (no variance across samples). Pass { onUndefined: 'nan' } to get NaN instead.`,
    { code: 'VIT_CKA_UNDEFINED' },
  );
}
