import type { NumericBackend } from '../backend.js';

/** Process-wide default-backend state shared by `resolveBackend` and `setDefaultBackend`. Internal. */
export const defaultBackendState: { override: NumericBackend | null; detected: Promise<NumericBackend> | undefined } = {
  override: null,
  detected: undefined,
};
