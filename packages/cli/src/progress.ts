import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr that appears only on a terminal and only once the work has run
 * for a second (short runs stay silent).
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();
  private done = 0;

  constructor(
    private readonly enabled: boolean,
    private readonly total: number,
    private readonly label: string,
  ) {}

  tick(n: number): void {
    this.done += n;
    if (!this.enabled) return;
    if (!this.bar && Date.now() - this.started > 1000) {
      this.bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: `${this.label} [{bar}] {value}/{total} images | {eta_formatted} left`, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, this.done);
    }
    this.bar?.update(this.done);
  }

  stop(): void {
    this.bar?.stop();
  }
}
