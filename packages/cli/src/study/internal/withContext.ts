import { VitError } from '@vit/io';

/**
 * The same error (class, code, `file`) with `context` put before its message: `dataset "coco": …`,
 * `model "dino": …`. Anything that is not a `VitError` is returned unchanged.
 * @param e the caught error.
 * @param context what the study was opening, in the config's words.
 * @returns the error to throw.
 */
export function withContext(e: unknown, context: string): unknown {
  if (!(e instanceof VitError)) return e;
  const Ctor = e.constructor as new (message: string, options: { code: VitError['code']; cause?: unknown }) => VitError;
  const out = new Ctor(`${context}: ${e.message}`, { code: e.code, cause: e });
  if (e.file !== undefined) Object.defineProperty(out, 'file', { value: e.file, enumerable: true });
  return out;
}
