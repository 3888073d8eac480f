/** Load the optional `sharp` package once. Internal. */

type SharpModule = typeof import('sharp');

/** `sharp` and its versions, `undefined` when it is not installed, `null` when it failed to load. */
export type LoadedSharp = { sharp: SharpModule; version: string; libjpeg: string; vips: string } | null | undefined;

let loading: Promise<LoadedSharp> | undefined;

/**
 * `import('sharp')` once per thread (sharp's native libraries must be loaded in the main thread
 * before worker threads use them, or their exit unloads them: load it there first). Its cache
 * is switched off (we decode each file once) and failures are remembered, not retried.
 */
export function loadSharp(): Promise<LoadedSharp> {
  loading ??= (async () => {
    if (typeof process === 'undefined' || !process.versions?.node || process.env.VIT_NO_SHARP === '1') return undefined;
    const name = 'sharp'; // not a literal: bundlers leave the optional native package alone
    try {
      const mod = (await import(/* @vite-ignore */ name)) as SharpModule | { default: SharpModule };
      const sharp = ('default' in mod ? mod.default : mod) as SharpModule;
      sharp.cache(false);
      const v = sharp.versions as Record<string, string | undefined>;
      const libjpeg = v.mozjpeg ? `mozjpeg ${v.mozjpeg}` : v.jpeg ? `libjpeg-turbo ${v.jpeg}` : 'libjpeg';
      return { sharp, version: v.sharp ?? 'unknown', libjpeg, vips: v.vips ?? 'unknown' };
    } catch (e) {
      return (e as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' || (e as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' ? undefined : null;
    }
  })();
  return loading;
}
