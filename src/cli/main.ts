/**
 * Command line entry. Non-interactive commands never load Ink (it costs ~0.6 s of start-up).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runAnalyze } from './analyze-command.js';
import { registerTuiCommand } from './tui-command.js';
import { EXIT_INPUT_ERROR, UsageError } from './exit.js';
import { registerLiveCommand } from './live-command.js';
import { registerReportCommand } from './report-command.js';
import { TOOL_VERSION } from './version.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function sideOptions(command: Command): Command {
  return command
    .option('--inside <file>', 'capture taken on the LAN (phone) side of the router; repeatable', collect, [])
    .option('--outside <file>', 'capture taken on the WAN (provider) side of the router; repeatable', collect, [])
    .option('--inside-if <name>', 'interface inside one capture that is on the LAN side (pcapng if_name, or ifN for a Linux "any" capture); repeatable', collect, [])
    .option('--outside-if <name>', 'interface inside one capture that is on the WAN side; repeatable', collect, []);
}

function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('algscope')
    .description('Prove from packet captures whether a router\'s SIP ALG is rewriting and breaking VoIP traffic.')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();

  sideOptions(
    program
      .command('analyze')
      .description('analyze pcap/pcapng captures (gzip allowed, "-" for stdin) and print the verdict with its evidence')
      .argument('[captures...]', 'capture files; files given with --inside/--outside are analyzed too')
      .addOption(formatOption())
      .option('--no-color', 'no colour even on a terminal (NO_COLOR is honoured too)'),
  ).action(async (captures: string[], options) => {
    process.exitCode = await runAnalyze(captures, options);
  });
  registerLiveCommand(program);
  registerTuiCommand(program, sideOptions);
  registerReportCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code?.startsWith('commander.')) return EXIT_INPUT_ERROR;
    if (err instanceof UsageError || err instanceof InvalidArgumentError) {
      process.stderr.write(`algscope: ${err.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    throw err;
  }
}

// `algscope analyze ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`algscope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT_INPUT_ERROR;
  },
);
