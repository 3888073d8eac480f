/** The evaluation transform of each family, and reading one from side files. Internal. */
import type { CheckpointFamily, CheckpointPreprocessing } from './types.js';

type Norm = 'imagenet' | 'clip' | 'inception';
const NORMS: Record<Norm, { mean: [number, number, number]; std: [number, number, number] }> = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  clip: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
  inception: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
};

/** Per family: normalisation, interpolation and crop fraction (crop / resize) of its own evaluation code. */
const FAMILY: Record<CheckpointFamily, { norm: Norm; interpolation: 'bicubic' | 'bilinear'; cropPct: number }> = {
  dino: { norm: 'imagenet', interpolation: 'bicubic', cropPct: 224 / 256 }, // eval_knn.py: Resize(256, bicubic), CenterCrop(224)
  mocov3: { norm: 'imagenet', interpolation: 'bilinear', cropPct: 224 / 256 }, // main_lincls.py: Resize(256), CenterCrop(224)
  mae: { norm: 'imagenet', interpolation: 'bicubic', cropPct: 224 / 256 }, // util/datasets.py: Resize(256, bicubic), CenterCrop(224)
  beit: { norm: 'inception', interpolation: 'bicubic', cropPct: 224 / 256 }, // datasets.py: crop_pct 224/256, inception mean/std
  clip: { norm: 'clip', interpolation: 'bicubic', cropPct: 1 }, // clip.py: Resize(n_px, bicubic), CenterCrop(n_px)
  dinov2: { norm: 'imagenet', interpolation: 'bicubic', cropPct: 224 / 256 }, // dinov2/data/transforms.py: Resize(256, bicubic), CenterCrop(224)
  timm: { norm: 'inception', interpolation: 'bicubic', cropPct: 0.9 }, // timm AugReg ViTs
  'hf-vit': { norm: 'inception', interpolation: 'bilinear', cropPct: 1 }, // ViTImageProcessor defaults
  'hf-deit': { norm: 'imagenet', interpolation: 'bicubic', cropPct: 224 / 256 },
  'hf-dinov2': { norm: 'imagenet', interpolation: 'bicubic', cropPct: 224 / 256 },
  'hf-clip': { norm: 'clip', interpolation: 'bicubic', cropPct: 1 },
  'hf-beit': { norm: 'inception', interpolation: 'bicubic', cropPct: 1 },
  'hf-vitmae': { norm: 'imagenet', interpolation: 'bicubic', cropPct: 1 },
};

function normName(mean: number[], std: number[]): CheckpointPreprocessing['normalization'] {
  for (const [name, n] of Object.entries(NORMS)) {
    if (n.mean.every((m, i) => Math.abs(m - mean[i]) < 1e-6) && n.std.every((s, i) => Math.abs(s - std[i]) < 1e-6)) return name as Norm;
  }
  return 'custom';
}

/** The family's own transform for a model of input side `size`. */
export function familyPreprocessing(family: CheckpointFamily, size: number): CheckpointPreprocessing {
  const f = FAMILY[family];
  return { name: family, normalization: f.norm, ...NORMS[f.norm], interpolation: f.interpolation, resize: Math.floor(size / f.cropPct + 1e-9), crop: size };
}

const triple = (x: unknown): [number, number, number] | undefined =>
  Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (x as [number, number, number]) : undefined;

/** timm's `pretrained_cfg` (in its `config.json`): mean, std, interpolation, crop_pct. */
export function timmPreprocessing(cfg: Record<string, unknown>, size: number, fallback: CheckpointPreprocessing): CheckpointPreprocessing {
  const mean = triple(cfg.mean) ?? fallback.mean;
  const std = triple(cfg.std) ?? fallback.std;
  const interpolation = cfg.interpolation === 'bilinear' ? 'bilinear' : cfg.interpolation === 'bicubic' ? 'bicubic' : fallback.interpolation;
  const cropPct = typeof cfg.crop_pct === 'number' && cfg.crop_pct > 0 && cfg.crop_pct <= 1 ? cfg.crop_pct : fallback.crop / fallback.resize;
  return { name: 'config', normalization: normName(mean, std), mean, std, interpolation, resize: Math.floor(size / cropPct + 1e-9), crop: size };
}

/** A Hugging Face `preprocessor_config.json` (image_mean, image_std, resample, size, crop_size). */
export function hfPreprocessing(cfg: Record<string, unknown>, size: number, fallback: CheckpointPreprocessing): CheckpointPreprocessing {
  const mean = triple(cfg.image_mean) ?? fallback.mean;
  const std = triple(cfg.image_std) ?? fallback.std;
  // PIL resample codes: 2 bilinear, 3 bicubic
  const interpolation = cfg.resample === 2 ? 'bilinear' : cfg.resample === 3 ? 'bicubic' : fallback.interpolation;
  const side = (x: unknown): number | undefined => {
    if (typeof x === 'number') return x;
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      const v = o.shortest_edge ?? o.height;
      return typeof v === 'number' ? v : undefined;
    }
    return undefined;
  };
  const crop = cfg.do_center_crop === false ? undefined : side(cfg.crop_size);
  const resize = side(cfg.size);
  const r = resize !== undefined && crop !== undefined ? Math.round((resize * size) / crop) : resize !== undefined ? Math.round((resize * size) / resize) : fallback.resize;
  return { name: 'config', normalization: normName(mean, std), mean, std, interpolation, resize: r, crop: size };
}

/** OpenCLIP's `preprocess_cfg` (mean, std, interpolation). */
export function openClipPreprocessing(cfg: Record<string, unknown>, size: number, fallback: CheckpointPreprocessing): CheckpointPreprocessing {
  const mean = triple(cfg.mean) ?? fallback.mean;
  const std = triple(cfg.std) ?? fallback.std;
  const interpolation = cfg.interpolation === 'bilinear' ? 'bilinear' : 'bicubic';
  return { name: 'config', normalization: normName(mean, std), mean, std, interpolation, resize: size, crop: size };
}
