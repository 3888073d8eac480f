import { resolveBackend } from '@vit/io';
import type { NumericBackend } from '@vit/io';

/**
 * The backend named in the options, or the default one: `resolveBackend` of `@vit/io` (the
 * onnxruntime backend when `onnxruntime-node` can be loaded, the TypeScript reference otherwise).
 */
export function backendOf(backend?: NumericBackend): Promise<NumericBackend> {
  return resolveBackend(backend);
}
