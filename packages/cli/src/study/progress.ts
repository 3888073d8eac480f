// Progress of `vit study`: on a terminal one bar per (model, dataset) pass with images/s and ETA
// and one line per finished analysis; off a terminal a plain line every few seconds; nothing
// with --quiet.
import cliProgress from 'cli-progress';

/** How progress is shown. */
export type StudyProgressMode = 'tty' | 'log' | 'quiet';

/** Events the engine reports; {@link StudyProgress} renders them. */
export interface StudyProgressSink {
  /** A pass (or shard) starts or resumes with `done` of `total` items already consumed. */
  passStart(label: string, done: number, total: number): void;
  /** Items consumed so far. */
  passUpdate(label: string, done: number, total: number): void;
  /** The pass ended (complete, cached, or stopped). */
  passEnd(label: string, info: { done: number; total: number; seconds: number; cached: boolean; stopped: boolean; skipped: number }): void;
  /** An analysis finished (`text` says which). */
  analysisDone(text: string, seconds: number): void;
  /** A line of its own (warnings, skipped images). */
  log(text: string): void;
  /** Stop drawing. */
  stop(): void;
}

const fmtTime = (s: number): string => (!Number.isFinite(s) ? '?' : s < 60 ? `${Math.round(s)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${(s / 3600).toFixed(1)}h`);

/**
 * The study's progress display on stderr.
 * @example const p = new StudyProgress('log', (s) => process.stderr.write(s));
 */
export class StudyProgress implements StudyProgressSink {
  private multi: cliProgress.MultiBar | undefined;
  private readonly bars = new Map<string, { bar?: cliProgress.SingleBar; t0: number; done0: number; lastLog: number }>();

  /**
   * @param mode `tty` (bars), `log` (a line every `every` ms), `quiet` (nothing).
   * @param write where text goes (stderr).
   * @param every ms between plain log lines.
   */
  constructor(
    private readonly mode: StudyProgressMode,
    private readonly write: (s: string) => void,
    private readonly every = 5000,
  ) {}

  private rate(label: string, done: number): number {
    const b = this.bars.get(label);
    if (!b) return 0;
    const dt = (performance.now() - b.t0) / 1000;
    return dt > 0 ? (done - b.done0) / dt : 0;
  }

  passStart(label: string, done: number, total: number): void {
    const entry: { bar?: cliProgress.SingleBar; t0: number; done0: number; lastLog: number } = { t0: performance.now(), done0: done, lastLog: performance.now() };
    this.bars.set(label, entry);
    if (this.mode === 'tty') {
      this.multi ??= new cliProgress.MultiBar(
        { stream: process.stderr, format: '{label} [{bar}] {value}/{total} | {rate} img/s | ETA {etaText}', hideCursor: true, clearOnComplete: false, barsize: 24 },
        cliProgress.Presets.shades_classic,
      );
      entry.bar = this.multi.create(total, done, { label, rate: '0', etaText: '?' });
    } else if (this.mode === 'log') {
      this.write(`vit study: ${label}: ${done ? `resuming at ${done}/${total}` : `${total}`} images\n`);
    }
  }

  passUpdate(label: string, done: number, total: number): void {
    const b = this.bars.get(label);
    if (!b) return;
    const rate = this.rate(label, done);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    if (this.mode === 'tty') b.bar?.update(done, { rate: rate.toFixed(rate < 10 ? 1 : 0), etaText: fmtTime(eta) });
    else if (this.mode === 'log' && performance.now() - b.lastLog >= this.every) {
      b.lastLog = performance.now();
      this.write(`vit study: ${label}: ${done}/${total} images | ${rate.toFixed(1)} img/s | ETA ${fmtTime(eta)}\n`);
    }
  }

  passEnd(label: string, info: { done: number; total: number; seconds: number; cached: boolean; stopped: boolean; skipped: number }): void {
    const b = this.bars.get(label);
    if (this.mode === 'tty') b?.bar?.update(info.done);
    if (this.mode === 'log') {
      const what = info.cached ? 'already done' : info.stopped ? `stopped at ${info.done}/${info.total}` : `${info.total} images in ${info.seconds.toFixed(1)}s`;
      this.write(`vit study: ${label}: ${what}${info.skipped ? ` (${info.skipped} skipped)` : ''}\n`);
    }
  }

  analysisDone(text: string, seconds: number): void {
    this.log(`  done: ${text} (${seconds.toFixed(1)}s)`);
  }

  log(text: string): void {
    if (this.mode === 'quiet') return;
    if (this.multi) this.multi.log(`${text}\n`);
    else this.write(`${text}\n`);
  }

  stop(): void {
    this.multi?.stop();
    this.multi = undefined;
  }
}
