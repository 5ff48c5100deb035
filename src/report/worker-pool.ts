/**
 * Runs case jobs on a pool of worker threads, one case per worker at a time, so a batch uses every
 * core. A case that throws, or whose worker dies, fails alone: the worker is replaced and the batch
 * goes on. Each worker imports a module given by URL that exports caseWorkerMain: batch.ts passes
 * its own URL, which is right both for the TypeScript sources and for the built bundle (where
 * batch.ts and this file are one chunk, loaded only by `algscope report`, never the CLI entry).
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { renderCase, type CaseJob, type RenderedCase } from './render-case.js';

/** How often a worker reports how far it has read into its case. */
const PROGRESS_INTERVAL_MS = 200;

type ToWorker = { index: number; job: CaseJob };
type FromWorker =
  | { type: 'progress'; index: number; fraction: number }
  | { type: 'done'; index: number; output: RenderedCase }
  | { type: 'failed'; index: number; error: string };

export type PoolEvent = FromWorker;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Worker side: analyze and render each case the pool sends. Called by the bootstrap below. */
export function caseWorkerMain(): void {
  const port = parentPort;
  if (!port) throw new Error('caseWorkerMain runs in a worker thread only');
  port.on('message', ({ index, job }: ToWorker) => {
    let last = 0;
    const onProgress = (fraction: number) => {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      port.postMessage({ type: 'progress', index, fraction } satisfies FromWorker);
    };
    renderCase(job, onProgress).then(
      (output) => port.postMessage({ type: 'done', index, output } satisfies FromWorker),
      (err: unknown) => port.postMessage({ type: 'failed', index, error: errorText(err) } satisfies FromWorker),
    );
  });
}

/**
 * The worker's entry (CommonJS, evaluated): import this module and start. Under TypeScript sources
 * (tsx, vitest) the module is a .ts file, and Node 20 does not pass the parent's loader hooks to
 * worker threads, so the worker registers tsx's loader itself first.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
  (await import(workerData.moduleUrl)).caseWorkerMain();
})().catch((err) => { process.nextTick(() => { throw err; }); });
`;

function workerData(moduleUrl: string): { moduleUrl: string; tsxApi?: string } {
  if (!moduleUrl.endsWith('.ts')) return { moduleUrl };
  return { moduleUrl, tsxApi: import.meta.resolve('tsx/esm/api') };
}

/**
 * Runs every job on up to `workers` threads and reports each case's progress and outcome through
 * `onEvent` (in completion order). Resolves when every job has an outcome. `workerModule`: URL of a
 * module that exports caseWorkerMain (never the CLI entry, which would run the command again).
 */
export function runCaseJobs(jobs: CaseJob[], workers: number, workerModule: string, onEvent: (event: PoolEvent) => void): Promise<void> {
  if (!isMainThread) return Promise.reject(new Error('report workers cannot start workers of their own'));
  const data = workerData(workerModule);
  let next = 0;
  let finished = 0;
  return new Promise((resolve) => {
    if (jobs.length === 0) return resolve();
    const start = () => {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
      let current: number | undefined;
      const give = () => {
        if (next >= jobs.length) {
          current = undefined;
          void worker.terminate();
          return;
        }
        current = next++;
        worker.postMessage({ index: current, job: jobs[current]! } satisfies ToWorker);
      };
      const settle = (event: FromWorker) => {
        onEvent(event);
        if (++finished === jobs.length) resolve();
      };
      worker.on('message', (event: FromWorker) => {
        if (event.type === 'progress') return onEvent(event);
        settle(event);
        give();
      });
      // An uncaught error or a crash takes the worker down: its case fails, a new worker takes over.
      let crash: string | undefined;
      worker.on('error', (err) => {
        crash = errorText(err);
      });
      worker.on('exit', (code) => {
        if (current === undefined) return;
        const index = current;
        current = undefined;
        settle({ type: 'failed', index, error: `the worker analyzing this case stopped: ${crash ?? `exit code ${code}`}` });
        if (next < jobs.length) start();
      });
      give();
    };
    for (let i = 0; i < Math.min(workers, jobs.length); i++) start();
  });
}
