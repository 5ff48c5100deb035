/**
 * `algscope tui CAPTURE...` and plain `algscope CAPTURE...`: the interactive terminal UI on a
 * terminal, the text analysis when standard output or input is not one (piped, CI). Ink and React
 * are imported only here, dynamically, so every other command starts without them.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { captureList, runAnalyze, sideAssignment, type AnalyzeCommandOptions } from './analyze-command.js';
import { CaptureLoader } from '../render/tui/loader.js';
import { enterTerminalScreen, openKeyboard } from '../render/tui/terminal.js';
import { EXIT_INPUT_ERROR, UsageError, exitCodeFor } from './exit.js';
import { loadTui } from '../render/tui/load.js';

type TuiCommandOptions = Omit<AnalyzeCommandOptions, 'format'>;

/** A terminal to draw on and read keys from ("-" reads the capture from stdin; keys then come from /dev/tty). */
function interactive(files: string[]): boolean {
  return process.stdout.isTTY === true && (process.stdin.isTTY === true || (files.includes('-') && existsSync('/dev/tty')));
}

export async function runTuiCommand(captures: string[], options: TuiCommandOptions): Promise<number> {
  const files = captureList(captures, options);
  if (files.length === 0) throw new UsageError('no capture given: algscope tui CAPTURE... (or --inside FILE --outside FILE)');
  if (!interactive(files)) return runAnalyze(captures, { ...options, format: 'text' });
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be given only once');
  const fromStdin = files.includes('-');
  const screen = enterTerminalScreen();
  let stdin: NodeJS.ReadStream | undefined;
  let loader: CaptureLoader | undefined;
  let result;
  let complete = false;
  try {
    stdin = openKeyboard(fromStdin);
    loader = new CaptureLoader(files, sideAssignment(options));
    const { runTui } = await loadTui();
    ({ result, complete } = await runTui(loader, { color: options.color && !process.env.NO_COLOR, stdin, screen }));
  } finally {
    loader?.stop();
    screen.leave();
    if (fromStdin) stdin?.destroy();
  }
  for (const file of result.files) if (file.error) process.stderr.write(`algscope: ${file.error}\n`);
  if (!complete) process.stderr.write('algscope: quit before the captures were read to the end; the exit status is from what was read\n');
  return result.files.some((f) => f.error) ? EXIT_INPUT_ERROR : exitCodeFor(result.verdict.verdict);
}

/** A mistyped command name would otherwise be read as a capture file name. */
function checkNotACommand(program: Command, captures: string[]): void {
  const first = captures[0];
  if (first === undefined || first === '-' || existsSync(first) || !/^[a-z][a-z-]*$/.test(first)) return;
  const commands = program.commands.map((c) => c.name()).join(', ');
  throw new UsageError(`"${first}" is neither a command (${commands}) nor a capture file`);
}

/**
 * Registers `tui`, and the default action: `algscope CAPTURE...` opens the TUI. `sideOptions` adds
 * --inside/--outside/--inside-if/--outside-if exactly as `analyze` has them (main.ts owns it).
 */
export function registerTuiCommand(program: Command, sideOptions: (command: Command) => Command): void {
  // Options after a subcommand's name belong to the subcommand, not to the default action.
  program.enablePositionalOptions();
  sideOptions(
    program
      .command('tui')
      .description('interactive terminal UI: calls, ladder of both sides of the NAT, what changed, findings (text output when not on a terminal)')
      .argument('[captures...]', 'capture files; files given with --inside/--outside are read too')
      .option('--no-color', 'no colour (NO_COLOR is honoured too)'),
  ).action(async (captures: string[], options: TuiCommandOptions) => {
    process.exitCode = await runTuiCommand(captures, options);
  });

  sideOptions(program.argument('[captures...]', 'capture files to open in the terminal UI (as `algscope tui`)').option('--no-color', 'no colour (NO_COLOR is honoured too)')).action(
    async (captures: string[], options: TuiCommandOptions) => {
      if (captureList(captures, options).length === 0) program.help({ error: true });
      checkNotACommand(program, captures);
      process.exitCode = await runTuiCommand(captures, options);
    },
  );
}
