// The JPEG table of issue 17: per fixture kind, max / mean absolute difference from Pillow's
// pixels for the old behaviour (jimp with EXIF orientation applied, the decoder before this
// change), the jimp fallback now (orientation not applied, as PIL.Image.open) and sharp; then
// decode throughput of both paths over the whole fixture set (single thread, in-memory files).
// Run after a build:  node tools/jpeg-fixtures/measure.mjs [rounds]
import { readFileSync, readdirSync } from 'node:fs';
import { decodeImage, imageDecoder, parseNpy } from '@vit/io';

const dir = new URL('./fixtures/', import.meta.url);
const kinds = readdirSync(dir).filter((f) => f.endsWith('.jpg')).map((f) => f.slice(0, -4)).sort();
const files = kinds.map((k) => readFileSync(new URL(`${k}.jpg`, dir)));
const rounds = Number(process.argv[2] ?? 20);

function diff(t, ref) {
  if (!t) return 'fails';
  if (t.data.length !== ref.length) return 'shape';
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(t.data[i] - ref[i]);
    sum += d;
    if (d > max) max = d;
  }
  return `${max} / ${(sum / ref.length).toFixed(3)}`;
}
const tryDecode = (b, o) => decodeImage(b, o).catch(() => undefined);

console.log(`decoder by default: ${(await imageDecoder()).description}`);
console.log('| kind | before: jimp + EXIF rotation (max / mean) | jimp fallback now | sharp (default) |');
console.log('| --- | --- | --- | --- |');
for (const [i, k] of kinds.entries()) {
  const ref = parseNpy(readFileSync(new URL(`${k}.npy`, dir))).tensor.data;
  const before = await tryDecode(files[i], { decoder: 'jimp', exifOrientation: true });
  const jimp = await tryDecode(files[i], { decoder: 'jimp' });
  const sharp = await tryDecode(files[i], { decoder: 'sharp' });
  console.log(`| ${k} | ${diff(before, ref)} | ${diff(jimp, ref)} | ${diff(sharp, ref)} |`);
}

for (const decoder of ['jimp', 'sharp']) {
  const ok = [];
  for (const b of files) if (await tryDecode(b, { decoder })) ok.push(b);
  for (const b of ok) await decodeImage(b, { decoder }); // warm-up
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const b of ok) await decodeImage(b, { decoder });
  const s = (performance.now() - t0) / 1000;
  console.log(`${decoder}: ${((rounds * ok.length) / s).toFixed(0)} images/s (${ok.length} fixtures × ${rounds} rounds, ${s.toFixed(2)} s)`);
}

// A photo-sized file too (e.g. /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg, 512×600).
if (process.argv[3]) {
  const b = readFileSync(process.argv[3]);
  for (const decoder of ['jimp', 'sharp']) {
    await decodeImage(b, { decoder });
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) await decodeImage(b, { decoder });
    console.log(`${decoder} on ${process.argv[3]}: ${(rounds / ((performance.now() - t0) / 1000)).toFixed(1)} images/s`);
  }
}
