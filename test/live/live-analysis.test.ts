import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LiveAnalysis } from '../../src/analysis/live.js';
import { findingKey } from '../../src/analysis/session.js';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import type { Timestamp } from '../../src/capture/types.js';
import { projectCapture } from '../helpers/paths.js';
import { ReplayBackend } from './fake-backends.js';

const routerCapture = projectCapture('lab/udp-call-alg/router.pcapng');
const sides = { insideFiles: [], outsideFiles: [], insideInterfaces: ['lan0'], outsideInterfaces: ['wan0'] };

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe.skipIf(!existsSync(routerCapture))('live analysis on a long run', () => {
  it('ages finished calls out after --retain-finished, keeping their findings to the end', async () => {
    const file = await analyzeCaptures({ files: [routerCapture], sides });
    // The last SIP message's second: every message of this capture is in a dialog.
    const lastSecond = Math.max(...file.dialogs.points.flatMap((p) => p.dialogs.map((d) => d.lastActivity.sec)));
    let now: Timestamp = { sec: lastSecond, nsec: 0 };
    const live = await LiveAnalysis.start({
      backend: new ReplayBackend(routerCapture, { holdOpen: true }),
      request: { interfaces: ['lan0', 'wan0'], bufferMiB: 2 },
      sides,
      dialogConfig: { retainFinishedSeconds: 10 },
      refreshMs: 1,
      ageOutMs: 0,
      clock: () => now,
    });
    await until('the whole capture to be read', () => live.current().stats.packets === file.stats.packets);
    expect(live.current().messages.size).toBe(file.messages.size);

    // Ten seconds after the call ended: the call and the accepted registration are summarized at
    // both interfaces; the registration's binding (granted for an hour) is kept without its messages.
    now = { sec: lastSecond + 11, nsec: 0 };
    await until('the call and the registration to be aged out', () => live.current().dialogs.stats.agedOutDialogs === 4);
    const aged = live.current();
    expect(aged.messages.size).toBe(0);
    expect(aged.dialogs.points.map((p) => p.concludedRefreshes.length)).toEqual([1, 1]);
    expect(aged.findings.map(findingKey)).toEqual(file.findings.map(findingKey));

    live.stop();
    const final = await live.done;
    expect(final.findings.map(findingKey)).toEqual(file.findings.map(findingKey));
    expect(final.verdict.verdict).toBe('alg-detected');
    expect(final.dialogs.points.map((p) => p.summaries.length)).toEqual([2, 2]);
  });
});
