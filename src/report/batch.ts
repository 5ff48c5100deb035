/**
 * `algscope report`: plans the cases, runs them on the worker pool, writes every case's reports
 * (OUTDIR/cases/<slug>.html, .md, .json) as they finish, then the index (OUTDIR/index.html,
 * index.csv) and OUTDIR/run.json, the one file that records when and how the batch ran. Everything
 * else is the same byte for byte when the same captures are reported again.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../detect/types.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { renderIndexCsv, renderIndexHtml, type IndexRow } from '../render/report/batch-index.js';
import type { CaseSummary } from '../render/report/case-model.js';
import { planCases, type CasePlan, type GroupingOptions } from './cases.js';
import { collectInputs, type CollectedInputs } from './inputs.js';
import { ProgressBar } from './progress.js';
import type { CaseJob, RenderedCase } from './render-case.js';
import { runCaseJobs } from './worker-pool.js';

// The worker threads load this module (see worker-pool.ts) and start here.
export { caseWorkerMain } from './worker-pool.js';

export const RUN_INFO_SCHEMA = 'algscope.report-run/1';
const RUN_INFO_FILE = 'run.json';
const CASES_FOLDER = 'cases';

export interface BatchPlan {
  inputs: CollectedInputs;
  cases: CasePlan[];
  grouping: GroupingOptions;
}

/** `outDir` is never searched for captures, even when it lies inside an input folder. */
export async function planBatch(args: string[], grouping: GroupingOptions, outDir: string): Promise<BatchPlan> {
  const inputs = await collectInputs(args, [outDir]);
  return { inputs, cases: planCases(inputs, grouping), grouping };
}

export interface BatchOptions {
  /** The command's arguments, recorded in run.json. */
  args: string[];
  outDir: string;
  jobs: number;
  tool: { name: string; version: string };
  /** Where to draw the progress bar (stderr when it is a terminal); none when undefined. */
  progress?: NodeJS.WritableStream;
}

export interface CaseOutcome {
  plan: CasePlan;
  summary?: CaseSummary;
  /** Report files relative to the output folder. */
  reports?: { html: string; markdown: string; json: string };
  /** Why the case failed: the analysis or rendering stopped, or a capture could not be read. */
  failure?: string;
}

export interface BatchResult {
  outcomes: CaseOutcome[];
  /** Input files left out (not captures) and arguments that gave nothing. */
  notAnalyzed: { path: string; reason: string }[];
  inputProblems: { input: string; reason: string }[];
  elapsedSeconds: number;
  indexHtml: string;
  indexCsv: string;
}

interface RunInfo {
  schema: string;
  outputs: string[];
}

async function previousOutputs(outDir: string): Promise<string[]> {
  try {
    const info = JSON.parse(await readFile(path.join(outDir, RUN_INFO_FILE), 'utf8')) as Partial<RunInfo>;
    if (info.schema !== RUN_INFO_SCHEMA || !Array.isArray(info.outputs)) return [];
    // Only files this command writes: never anything outside the output folder.
    return info.outputs.filter((p): p is string => typeof p === 'string' && !p.split('/').includes('..') && !path.isAbsolute(p));
  } catch {
    return [];
  }
}

function reportPaths(plan: CasePlan): { html: string; markdown: string; json: string } {
  const stem = `${CASES_FOLDER}/${plan.slug}`;
  return { html: `${stem}.html`, markdown: `${stem}.md`, json: `${stem}.json` };
}

export async function runBatch(plan: BatchPlan, options: BatchOptions): Promise<BatchResult> {
  const started = Date.now();
  const { outDir } = options;
  const stale = await previousOutputs(outDir);
  await mkdir(path.join(outDir, CASES_FOLDER), { recursive: true });

  const outcomes: CaseOutcome[] = plan.cases.map((p) => ({ plan: p }));
  const jobs: CaseJob[] = plan.cases.map((p) => ({
    name: p.name,
    files: p.files,
    sides: p.sides,
    grouping: p.grouping,
    tool: options.tool,
    indexHref: '../index.html',
  }));
  const bar = options.progress && new ProgressBar(options.progress, jobs.length);
  const writes: Promise<void>[] = [];

  const store = async (index: number, output: RenderedCase): Promise<void> => {
    const outcome = outcomes[index]!;
    const reports = reportPaths(outcome.plan);
    try {
      await Promise.all([
        writeFile(path.join(outDir, reports.html), output.html),
        writeFile(path.join(outDir, reports.markdown), output.markdown),
        writeFile(path.join(outDir, reports.json), output.json),
      ]);
      outcome.reports = reports;
    } catch (err) {
      outcome.failure = `could not write the reports: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  await runCaseJobs(jobs, options.jobs, import.meta.url, (event) => {
    if (event.type === 'progress') {
      bar?.caseProgress(event.index, event.fraction);
      return;
    }
    const outcome = outcomes[event.index]!;
    if (event.type === 'failed') {
      outcome.failure = event.error;
    } else {
      outcome.summary = event.output.summary;
      if (event.output.summary.unreadable.length) outcome.failure = event.output.summary.unreadable.join('; ');
      writes.push(store(event.index, event.output));
    }
    bar?.caseFinished(event.index, outcome.failure !== undefined);
  });
  await Promise.all(writes);
  bar?.clear();

  const notAnalyzed = [
    ...plan.inputs.notCaptures.map((n) => ({ path: path.relative(plan.inputs.root, path.resolve(n.path)).split(path.sep).join('/'), reason: n.reason })),
    ...plan.inputs.problems.map((p) => ({ path: p.input, reason: p.reason })),
  ];
  const rows: IndexRow[] = outcomes.map((o) => ({ name: o.plan.name, files: o.plan.files, reports: o.reports, summary: o.summary, failure: o.failure }));
  const indexHtml = renderIndexHtml({ rows, notAnalyzed, tool: options.tool, runInfoHref: RUN_INFO_FILE });
  const indexCsv = renderIndexCsv(rows);
  await writeFile(path.join(outDir, 'index.html'), indexHtml);
  await writeFile(path.join(outDir, 'index.csv'), indexCsv);

  const outputs = ['index.html', 'index.csv', ...outcomes.flatMap((o) => (o.reports ? [o.reports.html, o.reports.markdown, o.reports.json] : []))];
  const current = new Set(outputs);
  await Promise.all(stale.filter((p) => !current.has(p)).map((p) => rm(path.join(outDir, p), { force: true })));

  const elapsedSeconds = (Date.now() - started) / 1000;
  const verdicts: Partial<Record<Verdict, number>> = {};
  for (const o of outcomes) if (o.summary) verdicts[o.summary.verdict] = (verdicts[o.summary.verdict] ?? 0) + 1;
  const runInfo = {
    schema: RUN_INFO_SCHEMA,
    note: 'When and how this batch ran. It is the only file here that changes between two runs over the same captures.',
    generatedAt: new Date(started).toISOString(),
    elapsedSeconds,
    tool: options.tool,
    jobs: options.jobs,
    arguments: options.args,
    grouping: plan.grouping,
    cases: outcomes.length,
    failed: outcomes.filter((o) => o.failure).length,
    verdicts,
    outputs,
  };
  await writeFile(path.join(outDir, RUN_INFO_FILE), `${JSON.stringify(runInfo, null, 2)}\n`);

  return { outcomes, notAnalyzed, inputProblems: plan.inputs.problems, elapsedSeconds, indexHtml, indexCsv };
}

/** The closing summary: counts by verdict, every failed case with its reason, what was left out. */
export function batchSummaryText(result: BatchResult, options: Pick<BatchOptions, 'outDir' | 'jobs'>): string {
  const { outcomes } = result;
  const lines = [`algscope report: ${outcomes.length} case${outcomes.length === 1 ? '' : 's'} in ${result.elapsedSeconds.toFixed(1)} s (${options.jobs} worker${options.jobs === 1 ? '' : 's'})`];
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.summary) counts.set(o.summary.verdict, (counts.get(o.summary.verdict) ?? 0) + 1);
  const failed = outcomes.filter((o) => o.failure);
  const parts = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([v, n]) => `${v} ${n}`);
  if (failed.length) parts.push(`failed ${failed.length}`);
  lines.push(`  ${parts.join(', ') || 'nothing analyzed'}`);
  for (const o of failed) lines.push(`  FAILED ${o.plan.name}: ${o.failure}`);
  for (const problem of result.inputProblems) lines.push(`  INPUT ${problem.input}: ${problem.reason}`);
  const notCaptures = result.notAnalyzed.length - result.inputProblems.length;
  if (notCaptures > 0) lines.push(`  ${notCaptures} file${notCaptures === 1 ? '' : 's'} in the inputs skipped as not captures (listed in the index)`);
  lines.push(`Index: ${path.join(options.outDir, 'index.html')} (and index.csv); case reports in ${path.join(options.outDir, CASES_FOLDER)}`);
  return `${lines.map(sanitizeForTerminal).join('\n')}\n`;
}
