import { VitValueError } from '@vit/io';
import { binaryOf, boundaryRadius, fMeasure, iou } from './masks.js';
import type { DavisObjectScore, DavisScores } from '../davisScores.js';

/**
 * Frame-by-frame DAVIS scoring (so a video's predictions need not be kept): objects
 * `1..max(gt[0])`, frames `1..nFrames−2` scored.
 */
export class DavisScorer {
  readonly objects: DavisObjectScore[] = [];
  private readonly a: Uint8Array;
  private readonly b: Uint8Array;
  private readonly r: number;

  constructor(
    first: ArrayLike<number>,
    readonly h: number,
    readonly w: number,
    readonly nFrames: number,
    name: string,
    fn: string,
  ) {
    let nObj = 0;
    for (let i = 0; i < h * w; i++) if (first[i] > nObj) nObj = first[i];
    if (nObj === 0) throw new VitValueError(`\`${name}\` of ${fn} must contain at least one object (a label > 0). Got an empty first frame.`, { code: 'VIT_EMPTY_MASK' });
    for (let id = 1; id <= nObj; id++) this.objects.push({ id, J: NaN, F: NaN, perFrameJ: [], perFrameF: [] });
    this.a = new Uint8Array(h * w);
    this.b = new Uint8Array(h * w);
    this.r = boundaryRadius(h, w);
  }

  /** Score frame `t` (ignored when it is the first or the last). */
  add(t: number, pred: ArrayLike<number>, gt: ArrayLike<number>): void {
    if (t === 0 || t === this.nFrames - 1) return;
    for (const o of this.objects) {
      binaryOf(pred, o.id, this.a);
      binaryOf(gt, o.id, this.b);
      o.perFrameJ.push(iou(this.a, this.b));
      o.perFrameF.push(fMeasure(this.a, this.b, this.h, this.w, this.r).F);
    }
  }

  result(): DavisScores {
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const perObject = this.objects.map((o) => ({ ...o, J: mean(o.perFrameJ), F: mean(o.perFrameF) }));
    const J = mean(perObject.map((o) => o.J));
    const F = mean(perObject.map((o) => o.F));
    return { J, F, JF: (J + F) / 2, perObject };
  }
}
