import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisSession, findingKey } from '../../src/analysis/session.js';
import { readCapture } from '../../src/capture/index.js';
import type { Timestamp } from '../../src/capture/types.js';
import { projectCapture } from '../helpers/paths.js';

const routerCapture = projectCapture('lab/udp-call-alg/router.pcapng');
const sides = { insideFiles: [], outsideFiles: [], insideInterfaces: ['lan0'], outsideInterfaces: ['wan0'] };

async function sessionWithCall(retainFinishedSeconds: number) {
  const session = new AnalysisSession(sides, { retainFinishedSeconds });
  const feed = session.addSource(routerCapture);
  let last: Timestamp = { sec: 0, nsec: 0 };
  await readCapture(routerCapture, {
    ...feed.sink,
    onFrame(frame) {
      last = { ...frame.ts };
      feed.sink.onFrame(frame);
    },
  });
  return { session, last };
}

describe.skipIf(!existsSync(routerCapture))(`AnalysisSession.ageOut on a finished call (${routerCapture})`, () => {
  it('keeps everything while the retention time has not passed', async () => {
    const { session, last } = await sessionWithCall(300);
    const before = session.result(false);
    expect(session.ageOut({ sec: last.sec + 299, nsec: 0 })).toBe(0);
    const after = session.result(false);
    expect(after.messages.size).toBe(before.messages.size);
    expect(after.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
  });

  it('summarizes finished dialogs, forgets their messages, keeps their findings and the verdict', async () => {
    const { session, last } = await sessionWithCall(300);
    const before = session.result(false);
    expect(before.messages.size).toBe(18);
    expect(before.verdict.verdict).toBe('alg-detected');

    // The call, at lan0 and at wan0; the registration (3600 s) is still alive.
    expect(session.ageOut({ sec: last.sec + 301, nsec: 0 })).toBe(2);
    const afterCall = session.result(false);
    expect([...afterCall.messages.values()].every((m) => m.cseq?.method === 'REGISTER')).toBe(true);
    expect(afterCall.messages.size).toBe(4);
    expect(afterCall.dialogs.stats.agedOutDialogs).toBe(2);
    expect(afterCall.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
    expect(afterCall.verdict.verdict).toBe('alg-detected');

    // Idle past idleSeconds (7200): the registration goes too.
    expect(session.ageOut({ sec: last.sec + 7201, nsec: 0 })).toBe(2);
    const after = session.result(false);
    expect(after.messages.size).toBe(0);
    expect(after.dialogs.points.every((p) => p.dialogs.length === 0 && p.summaries.length === 2)).toBe(true);
    expect(after.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
    expect(after.verdict.verdict).toBe('alg-detected');
    expect(after.stats.sipMessages).toBe(18);

    // Still there at the end of the run.
    const final = session.result(true);
    expect(final.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
  });
});
