/**
 * The TUI container: draws the App from the source's latest snapshot at the terminal's size until
 * the user quits. Everything Ink-related is in this module's import graph, loaded on demand.
 */
import { render, useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { AnalysisResult } from '../../analysis/types.js';
import { App } from './App.js';
import type { CaptureLoader } from './loader.js';
import type { TerminalScreen } from './terminal.js';

/** What the TUI draws from: CaptureLoader for files; `algscope live` passes its own live source. */
export type SnapshotSource = Pick<CaptureLoader, 'get' | 'subscribe' | 'start' | 'stop'>;

export interface TuiOptions {
  color: boolean;
  stdin: NodeJS.ReadStream;
  screen: TerminalScreen;
}

export interface TuiOutcome {
  /** The final result, or the last snapshot when the user quit before reading ended. */
  result: AnalysisResult;
  complete: boolean;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function Live({ loader, color, onQuit }: { loader: SnapshotSource; color: boolean; onQuit: () => void }) {
  const { result, status } = useSyncExternalStore(loader.subscribe, loader.get);
  const { columns, rows } = useTerminalSize();
  // One row short of the screen: Ink redraws a frame as tall as the terminal by clearing it, which flickers.
  return <App result={result} status={status} width={columns} height={Math.max(5, rows - 1)} color={color} onQuit={onQuit} />;
}

export async function runTui(loader: SnapshotSource, options: TuiOptions): Promise<TuiOutcome> {
  let quit: () => void = () => {};
  const quitted = new Promise<void>((resolve) => (quit = resolve));
  options.screen.clear();
  const ink = render(<Live loader={loader} color={options.color} onQuit={() => quit()} />, {
    stdin: options.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const reading = loader.start();
  try {
    // Ink ends the app by itself only on an error in a component: that error then goes up.
    await Promise.race([quitted, ink.waitUntilExit()]);
  } finally {
    loader.stop();
    ink.unmount();
    await ink.waitUntilExit().catch(() => {});
    options.screen.leave();
  }
  const complete = await reading;
  return { result: loader.get().result, complete };
}
