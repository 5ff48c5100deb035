/**
 * `algscope report INPUT... -o OUTDIR`: a report per case (HTML, Markdown, JSON) and an index across
 * them, analyzed in parallel on worker threads. Exit status 2 if any case failed (or an input gave
 * nothing), else 1 if any case has alg-detected or alg-suspected, else 0.
 * The batch code is loaded only when the command runs: it is also what the worker threads load, so
 * it must stay out of the CLI entry module.
 */
import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { PairGlobs } from '../report/cases.js';
import { EXIT_INPUT_ERROR, EXIT_NO_ALG, UsageError, exitCodeFor } from './exit.js';
import { TOOL_VERSION } from './version.js';

export interface ReportCommandOptions {
  out: string;
  jobs: number;
  casePerDir: boolean;
  pair?: string[];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('expected a whole number from 1 to 1024');
  return n;
}

/**
 * `--pair inside=GLOB outside=GLOB` takes the values after it; anything else that ends up there
 * (commander's variadic options take every value up to the next option) is an input.
 */
export function splitPairOption(pair: string[] | undefined, inputs: string[]): { pair?: PairGlobs; inputs: string[] } {
  if (!pair) return { inputs };
  const globs: Partial<Record<'inside' | 'outside', string>> = {};
  const rest = [...inputs];
  for (const value of pair) {
    const m = /^(inside|outside)=(.+)$/.exec(value);
    if (!m) {
      rest.push(value);
      continue;
    }
    const side = m[1] as 'inside' | 'outside';
    if (globs[side] !== undefined) throw new UsageError(`--pair: ${side}= given twice`);
    globs[side] = m[2]!;
  }
  if (globs.inside === undefined || globs.outside === undefined) throw new UsageError('--pair needs both inside=GLOB and outside=GLOB, e.g. --pair inside=*-lan.pcap outside=*-wan.pcap');
  return { pair: { inside: globs.inside, outside: globs.outside }, inputs: rest };
}

export async function runReport(args: string[], options: ReportCommandOptions): Promise<number> {
  const { pair, inputs } = splitPairOption(options.pair, args);
  if (inputs.length === 0) throw new UsageError('no input given: algscope report CAPTURE|FOLDER|GLOB... -o OUTDIR');
  const { planBatch, runBatch, batchSummaryText } = await import('../report/batch.js');
  const plan = await planBatch(inputs, { casePerDir: options.casePerDir, pair }, options.out);
  if (plan.cases.length === 0) {
    const why = [...plan.inputs.problems.map((p) => `${p.input}: ${p.reason}`), ...plan.inputs.notCaptures.map((n) => `${n.path}: ${n.reason}`)];
    throw new UsageError(`no capture file found${why.length ? ` (${why.slice(0, 5).join('; ')})` : ''}`);
  }
  const result = await runBatch(plan, {
    args: process.argv.slice(2),
    outDir: options.out,
    jobs: options.jobs,
    tool: { name: 'algscope', version: TOOL_VERSION },
    progress: process.stderr.isTTY ? process.stderr : undefined,
  });
  process.stdout.write(batchSummaryText(result, { outDir: options.out, jobs: options.jobs }));
  if (result.outcomes.some((o) => o.failure) || result.inputProblems.length > 0) return EXIT_INPUT_ERROR;
  return Math.max(EXIT_NO_ALG, ...result.outcomes.map((o) => (o.summary ? exitCodeFor(o.summary.verdict) : EXIT_NO_ALG)));
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('analyze many captures in parallel and write a report per case (HTML, Markdown, JSON) and an index (HTML, CSV)')
    .argument('[inputs...]', 'capture files, folders (searched recursively) and quoted globs')
    .requiredOption('-o, --out <dir>', 'folder to write the reports to (created if missing)')
    .option('-j, --jobs <n>', 'cases analyzed at the same time (worker threads)', positiveInt, os.availableParallelism())
    .option('--case-per-dir', 'one case per folder: all captures in a folder are the same case', false)
    .option('--pair <side=glob...>', 'inside=GLOB outside=GLOB: give files their side and pair them by what * matched (e.g. inside=*-lan.pcap outside=*-wan.pcap)')
    .addHelpText(
      'after',
      '\nExit status: 2 if any case could not be analyzed (the reason is printed per case), else 1 if any case has alg-detected or alg-suspected, else 0.\n',
    )
    .action(async (inputs: string[], options: ReportCommandOptions) => {
      process.exitCode = await runReport(inputs, options);
    });
}
