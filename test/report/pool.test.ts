import { describe, expect, it } from 'vitest';
import type { CaseJob } from '../../src/report/render-case.js';
import { runCaseJobs, type PoolEvent } from '../../src/report/worker-pool.js';

const FLAKY_WORKER = new URL('./fixtures/flaky-worker.ts', import.meta.url).href;
const REAL_WORKER = new URL('../../src/report/batch.ts', import.meta.url).href;

function job(name: string, files: string[] = []): CaseJob {
  return { name, files, sides: { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] }, grouping: [], tool: { name: 'algscope', version: 'test' }, indexHref: '../index.html' };
}

async function run(jobs: CaseJob[], workers: number, module = FLAKY_WORKER): Promise<PoolEvent[]> {
  const events: PoolEvent[] = [];
  await runCaseJobs(jobs, workers, module, (e) => events.push(e));
  return events;
}

describe('runCaseJobs', () => {
  it('gives every job exactly one outcome even when workers die or throw, and goes on with new workers', async () => {
    const names = ['ok-1', 'die-2', 'ok-3', 'throw-4', 'fail-5', 'ok-6', 'die-7', 'ok-8'];
    const events = await run(names.map((n) => job(n)), 2);
    const outcomes = events.filter((e) => e.type !== 'progress');
    expect(outcomes.map((e) => e.index).sort((a, b) => a - b)).toEqual(names.map((_, i) => i));
    const byIndex = new Map(outcomes.map((e) => [e.index, e] as const));
    for (const [i, name] of names.entries()) {
      const outcome = byIndex.get(i)!;
      if (name.startsWith('ok')) expect(outcome).toMatchObject({ type: 'done', output: { html: name } });
      if (name.startsWith('die')) expect(outcome).toEqual({ type: 'failed', index: i, error: 'the worker analyzing this case stopped: exit code 7' });
      if (name.startsWith('throw')) expect(outcome).toEqual({ type: 'failed', index: i, error: `the worker analyzing this case stopped: uncaught in ${name}` });
      if (name.startsWith('fail')) expect(outcome).toEqual({ type: 'failed', index: i, error: `cannot do ${name}` });
    }
    expect(events.filter((e) => e.type === 'progress').length).toBe(4);
  });

  it('runs with more workers than jobs, and with no job at all', async () => {
    expect((await run([job('ok-a')], 8)).filter((e) => e.type === 'done')).toHaveLength(1);
    expect(await run([], 4)).toEqual([]);
  });

  it('runs the real report worker: a missing capture fails its case in the report, not the pool', async () => {
    const events = await run([job('missing', ['/nonexistent/capture.pcap'])], 1, REAL_WORKER);
    expect(events).toHaveLength(1);
    const [done] = events;
    expect(done!.type).toBe('done');
    if (done!.type !== 'done') return;
    expect(done!.output.summary.unreadable).toEqual([expect.stringContaining('/nonexistent/capture.pcap')]);
    expect(done!.output.html).toContain('NOT ANALYZED');
    expect(JSON.parse(done!.output.json)).toMatchObject({ schema: 'algscope.analysis/1', files: [{ path: '/nonexistent/capture.pcap' }] });
  });
});
