import * as io from '@vit/io';
import type { NumericBackend } from '@vit/io';

type Resolve = (backend?: NumericBackend) => Promise<NumericBackend>;

/**
 * The backend named in the options, or the default one: `resolveBackend` of `@vit/io` (the
 * onnxruntime backend when `onnxruntime-node` can be loaded, the TypeScript reference otherwise).
 */
export function backendOf(backend?: NumericBackend): Promise<NumericBackend> {
  const resolve = (io as unknown as { resolveBackend?: Resolve }).resolveBackend;
  if (resolve) return resolve(backend);
  return Promise.resolve(backend ?? io.referenceBackend);
}
