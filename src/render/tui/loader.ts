/**
 * Reads the captures for the TUI and publishes snapshots of the analysis while it reads, for
 * useSyncExternalStore. Reading starts once the UI is drawn: started earlier, it would compete with
 * loading Ink's hundreds of modules, each waiting for an event loop turn behind a chunk (measured:
 * first frame after 9 s instead of 2 s on a 97 MB capture).
 *
 * Reading runs in this process, on the UI thread, deliberately: readCapture awaits the file stream
 * for every 1 MiB chunk, and the stream only refills through an I/O callback, so the event loop
 * turns (keys, timers, Ink's throttled redraw) between chunks; a chunk costs tens of milliseconds.
 * Concluding a snapshot (session.result(false): correlation and detection over every message so
 * far) grows with the capture, so snapshots are spaced four times their own cost apart (300 ms at
 * least), and once two in a row cost more than SNAPSHOT_MAX_COST_MS the list stops refreshing until
 * reading ends instead of freezing the keys again and again; the progress line goes on. A worker
 * thread would have to copy every message and dialog of each snapshot across threads
 * (AnalysisResult holds functions and a Map of every message) and needs a second bundle entry; it
 * would not make concluding any cheaper.
 */
import path from 'node:path';
import { analyzeCaptures } from '../../analysis/analyze.js';
import { AnalysisSession } from '../../analysis/session.js';
import type { AnalysisProgress, AnalysisResult } from '../../analysis/types.js';
import type { SideAssignment } from '../../correlate/types.js';
import { formatDuration } from '../../util/time.js';

export interface LoadStatus {
  /** Still reading the captures: the result is a partial snapshot. */
  reading: boolean;
  /** One line about the reading: progress while reading, totals after. */
  text: string;
  /** Files that could not be read, each naming the file and why. */
  errors: string[];
}

export interface TuiSnapshot {
  result: AnalysisResult;
  status: LoadStatus;
}

const SNAPSHOT_MIN_INTERVAL_MS = 300;
const SNAPSHOT_MAX_COST_MS = 200;
const PROGRESS_INTERVAL_MS = 100;

function progressText(p: AnalysisProgress): string {
  const percent = p.totalBytes ? ` ${Math.floor((100 * p.bytesRead) / p.totalBytes)}%` : '';
  return `reading ${p.fileIndex + 1}/${p.files} ${path.basename(p.file)}${percent}: ${p.frames} frames, ${p.sipMessages} SIP`;
}

export class CaptureLoader {
  private snapshot: TuiSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly session: AnalysisSession;
  private reading: Promise<boolean> | undefined;

  constructor(
    private readonly files: string[],
    private readonly sides: SideAssignment,
  ) {
    this.session = new AnalysisSession(sides);
    this.snapshot = { result: this.session.result(false), status: { reading: true, text: 'opening…', errors: [] } };
  }

  /** Starts reading (once); resolves true when every file was read, false when stopped first. */
  start(): Promise<boolean> {
    this.reading ??= this.read();
    return this.reading;
  }

  private read(): Promise<boolean> {
    const { session, files, sides } = this;
    const started = performance.now();
    let lastStatus = 0;
    let lastSnapshot = started;
    let interval = SNAPSHOT_MIN_INTERVAL_MS;
    let expensiveInARow = 0;
    return analyzeCaptures({
      files,
      sides,
      session,
      signal: this.abort.signal,
      onProgress: (progress) => {
        const now = performance.now();
        const refreshing = expensiveInARow < 2;
        const text = `${progressText(progress)}${refreshing ? '' : ' (list complete when reading ends)'}`;
        if (refreshing && now - lastSnapshot >= interval) {
          const result = session.result(false);
          const cost = performance.now() - now;
          interval = Math.max(SNAPSHOT_MIN_INTERVAL_MS, 4 * cost);
          expensiveInARow = cost > SNAPSHOT_MAX_COST_MS ? expensiveInARow + 1 : 0;
          lastSnapshot = lastStatus = performance.now();
          this.publish({ result, status: { ...this.snapshot.status, text } });
        } else if (now - lastStatus >= PROGRESS_INTERVAL_MS) {
          lastStatus = now;
          this.publish({ ...this.snapshot, status: { ...this.snapshot.status, text } });
        }
      },
    }).then(
      (result) => {
        const errors = result.files.flatMap((f) => (f.error ? [f.error] : []));
        const text = `read ${result.stats.packets} packets in ${formatDuration((performance.now() - started) / 1000)}`;
        this.publish({ result, status: { reading: false, text, errors } });
        return true;
      },
      (err: unknown) => {
        if (this.abort.signal.aborted) return false;
        this.publish({ ...this.snapshot, status: { reading: false, text: 'reading failed', errors: [err instanceof Error ? err.message : String(err)] } });
        return false;
      },
    );
  }

  get = (): TuiSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Stops reading (the user quit); start() then resolves false. */
  stop(): void {
    this.abort.abort();
  }

  private publish(snapshot: TuiSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }
}
