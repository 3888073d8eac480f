// examples/quickstart.mjs — the root README's quick start: a ViT built from a config, its attention tapped, three analyses
import { tensor } from '@vit/io';
import { buildViT, ViTSession } from '@vit/runtime';
import { alignedAttention, attentionDistance, attentionOffset } from '@vit/attention';

const onnx = buildViT({ imageSize: 32, patchSize: 8, dim: 64, depth: 4, heads: 4 }, undefined, { seed: 0 });
const session = await ViTSession.create(onnx, { taps: ['attention', 'block'] });
const pixels = tensor(new Float32Array(2 * 3 * 32 * 32).map(() => Math.random() - 0.5), [2, 3, 32, 32]);
const capture = await session.run(pixels); // or session.stream(imagePaths) for a dataset
const att = capture.taps.attention[0]; // layer 1, [B,H,T,T]
console.log(attentionOffset(alignedAttention(att, capture.grid)).offset.data); // [H]: per-head offset in tokens
console.log(attentionDistance(att, capture.grid).data); // [B,H]
await session.close();
