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
    const { session } = await sessionWithCall(300);
    const before = session.result(false);
    // The registration is the first dialog to finish (its 200 OK).
    const registration = before.dialogs.points[0]!.dialogs.find((d) => d.kind === 'registration')!;
    expect(session.ageOut({ sec: registration.lastActivity.sec + 299, nsec: 0 })).toBe(0);
    const after = session.result(false);
    expect(after.messages.size).toBe(before.messages.size);
    expect(after.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
  });

  it('summarizes finished dialogs, forgets their messages, keeps their findings, the verdict and the registration binding', async () => {
    const { session, last } = await sessionWithCall(300);
    const before = session.result(false);
    expect(before.messages.size).toBe(18);
    expect(before.verdict.verdict).toBe('alg-detected');

    // The call and the accepted registration, each at lan0 and at wan0.
    expect(session.ageOut({ sec: last.sec + 301, nsec: 0 })).toBe(4);
    const after = session.result(false);
    expect(after.messages.size).toBe(0);
    expect(after.dialogs.stats.agedOutDialogs).toBe(4);
    expect(after.dialogs.points.every((p) => p.dialogs.length === 0 && p.summaries.length === 2)).toBe(true);
    expect(after.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
    expect(after.verdict).toEqual(before.verdict);
    expect(after.stats.sipMessages).toBe(18);
    // The binding (Expires 3600) outlives the registration's messages, for pinhole-expired.
    const refreshes = (result: typeof after) => result.dialogs.points.map((p) => p.concludedRefreshes.map((r) => `${r.src.ip}:${r.src.port} ${r.grantedExpires}`));
    expect(refreshes(after)).toEqual([['192.168.10.2:5060 3600'], ['203.0.113.1:5060 3600']]);

    // Once the registration has expired, its binding goes too.
    const registered = before.dialogs.points[0]!.dialogs.find((d) => d.kind === 'registration')!.registration!.refreshes[0]!.ts;
    expect(session.ageOut({ sec: registered.sec + 3599, nsec: 0 })).toBe(0);
    expect(refreshes(session.result(false))).toEqual([['192.168.10.2:5060 3600'], ['203.0.113.1:5060 3600']]);
    session.ageOut({ sec: registered.sec + 3601, nsec: 0 });
    expect(refreshes(session.result(false))).toEqual([[], []]);

    // Still there at the end of the run.
    const final = session.result(true);
    expect(final.findings.map(findingKey)).toEqual(before.findings.map(findingKey));
  });
});
