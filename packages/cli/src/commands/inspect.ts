import type { Command } from 'commander';
import { inspectModel, TAP_NAMES, type ModelInfo } from '@vit/runtime';
import { outputOf } from '../output.js';
import { parseImageSize } from '../parse.js';

/** The JSON object `vit inspect --json` prints. */
export interface InspectJson
  extends Pick<ModelInfo, 'layers' | 'heads' | 'dim' | 'tokens' | 'prefixTokens' | 'grid' | 'patch' | 'imageSize' | 'input' | 'norm'> {
  model: string;
  fused: boolean;
  /** Per tap: the graph tensor of each block (index `l−1`). */
  tensors: Record<string, string[]>;
  /** Per tap: each block tensor's layout in the graph (`BHTT`, `BH_TT`, `BTD`, `TBD`, `BT_D`). */
  layouts: Record<string, string[]>;
}

/** The `--json` object for a model. */
export function inspectJson(model: string, info: ModelInfo): InspectJson {
  const tensors: Record<string, string[]> = {};
  const layouts: Record<string, string[]> = {};
  for (const tap of TAP_NAMES) {
    tensors[tap] = info.tensors[tap].map((t) => t.name);
    layouts[tap] = info.tensors[tap].map((t) => t.layout);
  }
  const { layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize, fused, input, norm } = info;
  return { model, layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize, fused, input, norm, tensors, layouts };
}

/**
 * `vit inspect <model.onnx> [--json] [--image-size h,w]`: what the instrumentation finds in a ViT graph.
 * @param program the `vit` program.
 * @returns the `inspect` command.
 * @example vit inspect vit_b16.onnx --json
 */
export function registerInspect(program: Command): Command {
  return program
    .command('inspect')
    .description('Show layers, heads, width, tokens, grid, patch, input size and the tensor found for every tap of a ViT ONNX graph.')
    .argument('<model>', 'the .onnx file (external-data weights, e.g. model.onnx.data, are read from its folder)')
    .option('--json', 'print exactly one JSON object')
    .option('--image-size <h,w>', 'input size, for graphs whose spatial axes are dynamic')
    .action(async (model: string, opts: { json?: boolean; imageSize?: string }, cmd: Command) => {
      const { out } = outputOf(cmd);
      const imageSize = opts.imageSize === undefined ? undefined : parseImageSize(opts.imageSize, '--image-size', 'vit inspect');
      const info = await inspectModel(model, { imageSize });
      const j = inspectJson(model, info);
      if (opts.json) {
        out(`${JSON.stringify(j)}\n`);
        return;
      }
      const rows: [string, string][] = [
        ['model', model],
        ['layers', String(j.layers)],
        ['heads', String(j.heads)],
        ['dim', String(j.dim)],
        ['tokens', String(j.tokens)],
        ['prefixTokens', `${j.prefixTokens}${j.prefixTokens === 0 ? ' (no CLS)' : j.prefixTokens === 1 ? ' (CLS)' : ` (CLS + ${j.prefixTokens - 1} registers)`}`],
        ['grid', `[${j.grid.join(', ')}]`],
        ['patch', String(j.patch)],
        ['imageSize', `[${j.imageSize.join(', ')}]`],
        ['batch', j.input.batch === null ? 'dynamic' : `static ${j.input.batch}`],
        ['input', j.input.name],
        ['norm', j.norm],
        ['fused', j.fused ? 'true (attention op rewritten into MatMul/Softmax/MatMul to tap it)' : 'false'],
      ];
      let text = rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n') + '\n\ntaps (tensor per block, layout in the graph)\n';
      for (const tap of TAP_NAMES) {
        text += `  ${tap}\n`;
        j.tensors[tap].forEach((name, i) => {
          text += `    ${String(i + 1).padStart(3)}  ${name}  [${j.layouts[tap][i]}]\n`;
        });
      }
      out(text);
    });
}
