import { describe, expect, it } from 'vitest';
import { cliMessage } from './cliMessage.js';
import { createProgram } from './program.js';

const program = createProgram();
const cmd = (name: string) => program.commands.find((c) => c.name() === name)!;

describe('cliMessage: library errors in the CLI’s words', () => {
  it.each([
    [
      'build',
      '`options.heads` of inferViTConfig is needed: the checkpoint (width 100) does not tell the number of heads. Pass `heads`.',
      '`--heads` is needed: the checkpoint (width 100) does not tell the number of heads. Pass `--heads`.',
    ],
    ['build', '`options.imageSize` of inferViTConfig is needed: the grid is not square.', '`--image-size` is needed: the grid is not square.'],
    ['build', '`weights` of buildViT has a key the config does not use: `mask_token`.', '`--weights` has a key the config does not use: `mask_token`.'],
    ['extract', 'instrumentModel: no self-attention found (0 Softmax node(s)); is this a Vision Transformer?', 'no self-attention found (0 Softmax node(s)); is this a Vision Transformer?'],
    ['extract', '`taps` of instrumentModel must be some of attention, block. Got "x".', '`--taps` must be some of attention, block. Got "x".'],
    ['extract', '`model` of ViTSession.create must be a path or the bytes of an ONNX file. Got number.', '`<model>` must be a path or the bytes of an ONNX file. Got number.'],
    ['extract', '`batchSize` of ViTSession.create must be at most 2: the graph’s batch axis is static. Got 8.', '`--batch` must be at most 2: the graph’s batch axis is static. Got 8.'],
    ['inspect', 'm.onnx: not an ONNX model (protobuf decoding failed: index out of range). Pass a .onnx file.', 'm.onnx: not an ONNX model (protobuf decoding failed: index out of range). Pass a .onnx file.'],
    ['inspect', 'x.npy: parseNpy: header is not a dict', 'x.npy: header is not a dict'],
    ['build', '`--seed` of vit build must be an integer. Got "x".', '`--seed` of vit build must be an integer. Got "x".'],
  ])('%s: %s', (verb, message, expected) => {
    expect(cliMessage(new Error(message), cmd(verb))).toBe(expected);
  });

  it('keeps the first line only, and words that merely look like exports', () => {
    expect(cliMessage(new Error('the model of the tensor is odd\nsecond line'), cmd('inspect'))).toBe('the model of the tensor is odd');
    expect(cliMessage('plain text')).toBe('plain text');
  });
});
