import { describe, expect, it } from 'vitest';
import { StudyProgress } from './progress.js';

describe('StudyProgress', () => {
  it('off a terminal: a start line, a plain line at most every `every` ms, an end line, one line per finished analysis', async () => {
    const lines: string[] = [];
    const p = new StudyProgress('log', (s) => lines.push(s), 40);
    p.passStart('fs × sample', 0, 100);
    p.passUpdate('fs × sample', 10, 100); // too early: no line
    await new Promise((r) => setTimeout(r, 60));
    p.passUpdate('fs × sample', 50, 100);
    p.passUpdate('fs × sample', 60, 100); // too early again
    p.passEnd('fs × sample', { done: 100, total: 100, seconds: 1.25, cached: false, stopped: false, skipped: 2 });
    p.passStart('fs × coco', 40, 80);
    p.passEnd('fs × coco', { done: 40, total: 80, seconds: 0.5, cached: false, stopped: true, skipped: 0 });
    p.analysisDone('attention on sample: fs', 0.04);
    p.stop();
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('vit study: fs × sample: 100 images\n');
    expect(lines[1]).toMatch(/^vit study: fs × sample: 50\/100 images \| \d+(\.\d)? img\/s \| ETA \d+s\n$/);
    expect(lines[2]).toBe('vit study: fs × sample: 100 images in 1.3s (2 skipped)\n');
    expect(lines[3]).toBe('vit study: fs × coco: resuming at 40/80 images\n');
    expect(lines[4]).toBe('vit study: fs × coco: stopped at 40/80\n');
    expect(lines[5]).toBe('  done: attention on sample: fs (0.0s)\n');
  });

  it('--quiet prints nothing', () => {
    const lines: string[] = [];
    const p = new StudyProgress('quiet', (s) => lines.push(s), 0);
    p.passStart('x', 0, 1);
    p.passUpdate('x', 1, 1);
    p.passEnd('x', { done: 1, total: 1, seconds: 0, cached: true, stopped: false, skipped: 0 });
    p.analysisDone('a', 0);
    p.log('hello');
    expect(lines).toEqual([]);
  });
});
