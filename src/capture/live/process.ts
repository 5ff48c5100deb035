/**
 * Runs one capture process and turns what it says into LiveCapture events: started when its
 * stderr says the interfaces are open, a classified one-line error when it fails, the exit.
 * Shared by every process backend; a backend only supplies its command line and how to read
 * its messages.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { LiveCaptureError } from './types.js';
import type { LiveCapture, LiveCaptureEnd, ReportedInterfaceCounts } from './types.js';

export interface CaptureProcessSpec {
  backend: string;
  executable: string;
  args: string[];
  /** Matches stderr once every interface is open and the filter compiled. */
  startedPattern: RegExp;
  /**
   * How long stop() waits before signalling: libpcap hands packets over in blocks that a timer
   * retires, and a process stopped mid-block never writes that block.
   */
  drainMs: number;
  /** One-line error from what the process printed when it failed or ended by itself. */
  classifyFailure(stderr: string, end: string): LiveCaptureError;
  /** Counts from the process's closing report, when the stream cannot carry them. */
  reportedCounts(stderr: string): ReportedInterfaceCounts[];
  /** What to install when the executable is missing. */
  installHint: string;
}

/** Stderr kept for classification: capture tools print little, but nothing here may grow without bound. */
const STDERR_KEEP_BYTES = 16 * 1024;

/** Full path of an executable: the given path, or the first match in PATH. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** The first line that looks like the tool's own error, e.g. "dumpcap: There is no device named ...". */
export function firstErrorLine(stderr: string, tool: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => l.startsWith(`${tool}:`))?.slice(tool.length + 1).trim() ?? lines.at(-1);
}

export function runCaptureProcess(spec: CaptureProcessSpec): LiveCapture {
  // Own process group: a terminal's Ctrl-C reaches algscope only, which stops the capture after
  // the drain time, so the packets of the last moment are not lost.
  const child = spawn(spec.executable, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderrHead = '';
  let stderrTail = '';
  let started = false;
  let exited = false;
  let stopTimer: NodeJS.Timeout | undefined;
  let stopRequested = false;
  let spawnError: LiveCaptureError | undefined;
  const stderrText = () => (stderrTail ? `${stderrHead}\n${stderrTail}` : stderrHead);

  let resolveStarted!: () => void;
  let rejectStarted!: (err: LiveCaptureError) => void;
  const startedPromise = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // Callers that only wait for `finished` must not see an unhandled rejection.
  startedPromise.catch(() => {});

  const killOnExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderrHead.length < STDERR_KEEP_BYTES) stderrHead += text;
    else stderrTail = (stderrTail + text).slice(-STDERR_KEEP_BYTES);
    if (!started && spec.startedPattern.test(stderrHead)) {
      started = true;
      resolveStarted();
    }
  });

  const finished = new Promise<LiveCaptureEnd>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError =
        err.code === 'ENOENT'
          ? new LiveCaptureError('not-installed', `${spec.executable} not found: ${spec.installHint}`)
          : err.code === 'EACCES'
            ? new LiveCaptureError('permission-denied', `${spec.executable} cannot be run (${err.message})`)
            : new LiveCaptureError('capture-failed', `${spec.backend} could not be started: ${err.message}`);
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      clearTimeout(stopTimer);
      process.removeListener('exit', killOnExit);
      const stderr = stderrText();
      // A capture process only ends on its own when something went wrong (an interface vanished,
      // it was killed), even with exit status 0.
      const failed = spawnError !== undefined || !stopRequested || (exitCode !== 0 && signal !== 'SIGTERM');
      const error = spawnError ?? (failed ? spec.classifyFailure(stderr, signal ? `signal ${signal}` : `exit status ${exitCode}`) : undefined);
      if (!started) {
        rejectStarted(error ?? new LiveCaptureError('capture-failed', `${spec.backend} exited before it started capturing`));
      }
      resolve({ exitCode, signal, error, reportedCounts: spec.reportedCounts(stderr) });
    };
  });

  return {
    backend: spec.backend,
    command: [spec.executable, ...spec.args],
    stream: child.stdout,
    started: startedPromise,
    finished,
    stop() {
      if (exited || stopRequested) return;
      stopRequested = true;
      stopTimer = setTimeout(() => child.kill('SIGTERM'), started ? spec.drainMs : 0);
    },
  };
}
