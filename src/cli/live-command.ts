/**
 * `algscope live`: capture on one or more interfaces (a SPAN port, or both sides of the NAT box),
 * analyze as dialogs progress, and show it: the TUI on a terminal, else (or with --no-tui) each
 * finding printed as it is found; on exit the complete report (text, or the `analyze` JSON document
 * as the last line). Exit status as for `analyze`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LiveAnalysis, type LiveSnapshot } from '../analysis/live.js';
import type { AnalysisResult } from '../analysis/types.js';
import { BACKEND_NAMES, LiveCaptureError, selectBackend, type BackendName, type LiveCaptureBackend, type LiveCaptureRequest } from '../capture/live/index.js';
import { analysisJson, findingJson } from '../render/json.js';
import { renderFinding, renderText } from '../render/text.js';
import { EXIT_INPUT_ERROR, UsageError, exitCodeFor } from './exit.js';
import { LiveTuiSource, showLiveTui } from './live-tui.js';
import { TOOL_VERSION } from './version.js';

export interface LiveCommandOptions {
  interface: string[];
  filter?: string;
  insideIf: string[];
  outsideIf: string[];
  write?: string;
  format: 'text' | 'json';
  tui: boolean;
  color: boolean;
  bufferSize: number;
  backend?: BackendName;
  retainFinished: number;
}

/** Where `live` writes and how it learns that the user wants it to stop; tests replace it. */
export interface LiveCommandEnv {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdoutIsTTY: boolean;
  /** Keys can be read from standard input (the TUI needs them). */
  stdinIsTTY: boolean;
  /** Calls `stop` on Ctrl-C, SIGTERM or SIGHUP; returns a function that removes the handlers. */
  onStopRequest(stop: () => void): () => void;
  /** The capture backend; chosen from what is installed when not given. */
  backend?: LiveCaptureBackend;
  refreshMs?: number;
}

const DEFAULT_BUFFER_MIB = 32;
const DEFAULT_RETAIN_FINISHED_SECONDS = 300;

function processEnv(): LiveCommandEnv {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    onStopRequest(stop) {
      const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
      for (const signal of signals) process.on(signal, stop);
      return () => {
        for (const signal of signals) process.removeListener(signal, stop);
      };
    },
  };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

function nonNegativeSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 or more)');
  return n;
}

export function registerLiveCommand(program: Command): void {
  program
    .command('live')
    .description('capture live on one or more interfaces, show findings as calls progress, and print the verdict when stopped (Ctrl-C)')
    .requiredOption('-i, --interface <name...>', 'interface to capture on; repeat for several (e.g. -i lan0 -i wan0 on the NAT box)')
    .option('-f, --filter <bpf>', 'capture filter in libpcap syntax, applied to every interface (e.g. "udp or tcp")')
    .addOption(new Option('--inside-if <name...>', 'captured interface on the LAN (phone) side of the router').default([], 'inferred from the addresses'))
    .addOption(new Option('--outside-if <name...>', 'captured interface on the WAN (provider) side of the router').default([], 'inferred from the addresses'))
    .option('-w, --write <file>', 'also save the capture, byte for byte as analyzed (pcapng with dumpcap, pcap with tcpdump)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-tui', 'print findings as they are found (for unattended use) instead of the interactive screen')
    .option('--no-color', 'no colour even on a terminal (NO_COLOR is honoured too)')
    .addOption(
      new Option('--buffer-size <MiB>', 'kernel capture buffer per interface, in MiB').default(DEFAULT_BUFFER_MIB).argParser(positiveInteger),
    )
    .addOption(new Option('--backend <name>', 'capture program (default: dumpcap if installed, else tcpdump)').choices([...BACKEND_NAMES]))
    .addOption(
      new Option('--retain-finished <seconds>', 'summarize finished dialogs this long after their last message, keeping their findings (bounds memory on long runs)')
        .default(DEFAULT_RETAIN_FINISHED_SECONDS)
        .argParser(nonNegativeSeconds),
    )
    .action(async (options: LiveCommandOptions) => {
      process.exitCode = await runLive(options);
    });
}

/** The capture request from the options; a UsageError for names that do not add up. */
export function liveRequest(options: LiveCommandOptions): LiveCaptureRequest {
  const interfaces = options.interface;
  const duplicate = interfaces.find((name, i) => interfaces.indexOf(name) !== i);
  if (duplicate !== undefined) throw new UsageError(`interface ${duplicate} is given twice`);
  for (const [flag, names] of [['--inside-if', options.insideIf], ['--outside-if', options.outsideIf]] as const) {
    const stray = names.find((name) => !interfaces.includes(name));
    if (stray !== undefined) throw new UsageError(`${flag} ${stray} is not one of the captured interfaces (${interfaces.map((n) => `-i ${n}`).join(' ')})`);
  }
  const both = options.insideIf.find((name) => options.outsideIf.includes(name));
  if (both !== undefined) throw new UsageError(`interface ${both} cannot be both --inside-if and --outside-if`);
  return { interfaces, filter: options.filter, bufferMiB: options.bufferSize };
}

function useColor(options: LiveCommandOptions, env: LiveCommandEnv): boolean {
  return options.color && env.stdoutIsTTY && !process.env.NO_COLOR;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

/** Prints each new finding, and on a terminal keeps one status line on stderr. */
function streamPrinter(options: LiveCommandOptions, env: LiveCommandEnv) {
  const color = useColor(options, env);
  const statusLine = env.stderr.isTTY === true;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) env.stderr.write('\r\u001b[K');
    statusShown = false;
  };
  return {
    clearStatus,
    onSnapshot({ result, newFindings, final }: LiveSnapshot) {
      if (newFindings.length > 0) clearStatus();
      for (const finding of newFindings) {
        if (options.format === 'json') {
          env.stdout.write(`${JSON.stringify(findingJson(finding))}\n`);
        } else {
          const lines: string[] = [];
          renderFinding(finding, { color }, lines);
          env.stdout.write(`[${clock()}] new finding${finding.dialog ? ` in dialog ${finding.dialog}` : ''}\n${lines.join('\n')}\n`);
        }
      }
      if (statusLine && !final) {
        const { stats, live } = result;
        env.stderr.write(
          `\r\u001b[K${live?.packets ?? stats.packets} packets, ${stats.sipMessages} SIP messages, ${stats.dialogs} dialogs, ${result.findings.length} findings, verdict so far: ${result.verdict.verdict} (Ctrl-C stops)`,
        );
        statusShown = true;
      }
    },
  };
}

function startErrorMessage(err: unknown, options: LiveCommandOptions): string | undefined {
  if (err instanceof LiveCaptureError) return err.message;
  const fsError = err as NodeJS.ErrnoException;
  if (options.write !== undefined && typeof fsError.code === 'string' && fsError.syscall === 'open') {
    return `cannot create ${options.write}: ${fsError.message}`;
  }
  return undefined;
}

function finalReport(result: AnalysisResult, options: LiveCommandOptions, env: LiveCommandEnv): number {
  if (options.format === 'json') {
    env.stdout.write(`${JSON.stringify(analysisJson(result, { name: 'algscope', version: TOOL_VERSION }))}\n`);
  } else {
    env.stdout.write(renderText(result, { color: useColor(options, env) }));
  }
  const live = result.live!;
  if (live.drops) {
    const where = live.interfaces.filter((i) => i.dropped).map((i) => `${i.name} ${i.dropped}`).join(', ');
    env.stderr.write(`algscope: warning: the capture lost ${live.drops} packets (${where}); raise --buffer-size or narrow the filter\n`);
  } else if (live.drops === undefined) {
    env.stderr.write(`algscope: warning: ${live.backend} did not report its drop counts\n`);
  }
  for (const file of result.files) if (file.error) env.stderr.write(`algscope: ${file.error}\n`);
  if (live.error) env.stderr.write(`algscope: capture error: ${live.error}\n`);
  return live.error || result.files.some((f) => f.error) ? EXIT_INPUT_ERROR : exitCodeFor(result.verdict.verdict);
}

export async function runLive(options: LiveCommandOptions, env: LiveCommandEnv = processEnv()): Promise<number> {
  const request = liveRequest(options);
  const printer = streamPrinter(options, env);
  const tui = options.tui && options.format === 'text' && env.stdoutIsTTY && env.stdinIsTTY ? new LiveTuiSource(request.interfaces) : undefined;
  // Handlers first: a signal while the capture is starting must stop it too, not orphan it.
  let live: LiveAnalysis | undefined;
  let stopping = false;
  const removeStopHandlers = env.onStopRequest(() => {
    if (stopping) return;
    stopping = true;
    // The TUI owns the screen; it shows the capture stopping by itself.
    if (!tui) {
      printer.clearStatus();
      env.stderr.write('algscope: stopping: letting the capture hand over its last packets\n');
    }
    live?.stop();
  });
  try {
    return await captureAndReport(options, env, request, tui ?? printer, (started) => {
      live = started;
      if (stopping) started.stop();
    });
  } finally {
    removeStopHandlers();
  }
}

async function captureAndReport(
  options: LiveCommandOptions,
  env: LiveCommandEnv,
  request: LiveCaptureRequest,
  view: ReturnType<typeof streamPrinter> | LiveTuiSource,
  onStarted: (live: LiveAnalysis) => void,
): Promise<number> {
  let live: LiveAnalysis;
  try {
    const backend = env.backend ?? selectBackend(request, options.backend);
    live = await LiveAnalysis.start({
      backend,
      request,
      sides: { insideFiles: [], outsideFiles: [], insideInterfaces: options.insideIf, outsideInterfaces: options.outsideIf },
      dialogConfig: { retainFinishedSeconds: options.retainFinished },
      saveTo: options.write,
      refreshMs: env.refreshMs,
      onSnapshot: view instanceof LiveTuiSource ? view.publish : (snapshot) => view.onSnapshot(snapshot),
    });
  } catch (err) {
    const message = startErrorMessage(err, options);
    if (message === undefined) throw err;
    env.stderr.write(`algscope: ${message}\n`);
    return EXIT_INPUT_ERROR;
  }
  const filter = options.filter === undefined ? '' : `, filter "${options.filter}"`;
  const saving = options.write === undefined ? '' : `, saving to ${options.write}`;
  env.stderr.write(`algscope: capturing on ${request.interfaces.join(', ')} with ${live.backendCommand[0]}${filter}${saving}; Ctrl-C or SIGTERM stops\n`);
  onStarted(live);
  let result: AnalysisResult;
  if (view instanceof LiveTuiSource) {
    view.attach(live);
    result = await showLiveTui(view, live, useColor(options, env));
  } else {
    result = await live.done;
    view.clearStatus();
  }
  return finalReport(result, options, env);
}
