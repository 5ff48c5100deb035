/**
 * `algscope live` on a terminal: the same TUI as for files (src/render/tui), drawn from the live
 * analysis's snapshots. Quitting the TUI (q, Ctrl-C) stops the capture; the command then prints the
 * final report on the normal screen. Ink is loaded only here, dynamically.
 */
import type { LiveAnalysis, LiveSnapshot } from '../analysis/live.js';
import type { AnalysisResult } from '../analysis/types.js';
import type { LoadStatus, TuiSnapshot } from '../render/tui/loader.js';
import type { SnapshotSource } from '../render/tui/run.js';
import { enterTerminalScreen } from '../render/tui/terminal.js';
import { loadTui } from '../render/tui/load.js';

function statusOf(result: AnalysisResult, interfaces: string[]): LoadStatus {
  const live = result.live!;
  const errors = [...(live.error ? [`capture error: ${live.error}`] : []), ...result.files.flatMap((f) => (f.error ? [f.error] : []))];
  if (live.running) {
    return {
      // The header shows the verdict so far once there is SIP to judge.
      reading: result.stats.sipMessages === 0,
      text: `capturing on ${interfaces.join(', ')}: ${live.packets} packets${live.savedTo ? `, saving to ${live.savedTo}` : ''} (drops are counted when it stops; q stops)`,
      errors,
    };
  }
  const dropped = live.drops === undefined ? 'drops not reported' : `${live.drops} dropped`;
  return { reading: false, text: `stopped: ${live.packets} packets on ${interfaces.join(', ')}, ${dropped}`, errors };
}

/** Publishes the live analysis's snapshots to the TUI, and stops the capture when the TUI quits. */
export class LiveTuiSource implements SnapshotSource {
  private snapshot: TuiSnapshot | undefined;
  private live: LiveAnalysis | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly interfaces: string[]) {}

  /** The capture is running: the first frame shows what it has read so far. */
  attach(live: LiveAnalysis): void {
    this.live = live;
    if (!this.snapshot) {
      const result = live.current();
      this.snapshot = { result, status: statusOf(result, this.interfaces) };
    }
  }

  /** LiveAnalysisOptions.onSnapshot. */
  publish = ({ result }: LiveSnapshot): void => {
    this.snapshot = { result, status: statusOf(result, this.interfaces) };
    for (const listener of this.listeners) listener();
  };

  get = (): TuiSnapshot => this.snapshot!;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Resolves once the capture has stopped and the final result is published. */
  start(): Promise<boolean> {
    return this.live!.done.then(() => true);
  }

  stop(): void {
    this.live?.stop();
  }
}

/** Shows the TUI until the user quits; resolves with the final result once the capture has stopped. */
export async function showLiveTui(source: LiveTuiSource, live: LiveAnalysis, color: boolean): Promise<AnalysisResult> {
  const screen = enterTerminalScreen();
  try {
    const { runTui } = await loadTui();
    await runTui(source, { color, stdin: process.stdin, screen });
  } finally {
    live.stop();
    screen.leave();
  }
  return live.done;
}
