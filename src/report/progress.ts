/** A one-line progress bar for a terminal (the caller decides whether stderr is one). */

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly partial = new Map<number, number>();
  private done = 0;
  private failed = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly total: number,
  ) {}

  /** How far a running case has got (0..1). */
  caseProgress(index: number, fraction: number): void {
    this.partial.set(index, fraction);
    this.draw(false);
  }

  caseFinished(index: number, failed: boolean): void {
    this.partial.delete(index);
    this.done++;
    if (failed) this.failed++;
    this.draw(true);
  }

  /** Clears the line, so the summary starts on a clean one. */
  clear(): void {
    this.out.write('\r\u001b[K');
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    let running = 0;
    for (const f of this.partial.values()) running += f;
    const fraction = this.total ? Math.min(1, (this.done + running) / this.total) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const elapsed = Math.floor((now - this.started) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
    const failed = this.failed ? `, ${this.failed} failed` : '';
    this.out.write(`\r\u001b[K[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${this.done}/${this.total} cases${failed}, ${clock}`);
  }
}
