import { describe, expect, it } from 'vitest';
import { ConcludedDialogs } from '../../src/analysis/concluded.js';
import type { DialogGroupSummary } from '../../src/analysis/types.js';

/** A call seen at both sides of a router that rewrote its Call-ID outside. */
const call: DialogGroupSummary = {
  callId: 'a84b4c76e66710@10.0.0.5',
  method: 'INVITE',
  kind: 'call',
  state: 'terminated',
  fromUri: 'sip:alice@example.com',
  toUri: 'sip:bob@example.com',
  findings: 3,
  points: [
    {
      pointKey: 'inside.pcap#0', side: 'inside', callId: 'a84b4c76e66710@10.0.0.5', state: 'terminated', finalStatus: 200,
      start: { sec: 1700000000, nsec: 5 }, answerTs: { sec: 1700000002, nsec: 999999999 }, endTs: { sec: 1700000030, nsec: 0 },
      messages: 7, retransmissions: 1,
    },
    {
      pointKey: 'outside.pcap#0', side: 'outside', callId: 'rewritten@198.51.100.1', state: 'terminated', finalStatus: 200,
      start: { sec: 1700000000, nsec: 9 }, answerTs: { sec: 1700000003, nsec: 0 }, endTs: { sec: 1700000030, nsec: 4 },
      messages: 7, retransmissions: 0,
    },
  ],
};

/** A registration without From/To URIs, final status or times beyond its start. */
const registration: DialogGroupSummary = {
  callId: 'reg-1',
  method: 'REGISTER',
  kind: 'registration',
  state: 'trying',
  findings: 0,
  points: [{ pointKey: 'inside.pcap#0', side: 'unknown', callId: 'reg-1', state: 'trying', start: { sec: 1700000100, nsec: 0 }, messages: 1, retransmissions: 0 }],
};

describe('concluded dialog groups kept by column', () => {
  it('gives back every group as it was added, in order, absent fields absent', () => {
    const kept = new ConcludedDialogs();
    kept.add(call);
    kept.add(registration);
    kept.add(call);
    expect(kept.length).toBe(3);
    const out = [...kept];
    expect(out).toStrictEqual([call, registration, call]);
    expect(Object.keys(out[1]!)).not.toContain('fromUri');
    expect(Object.keys(out[1]!.points[0]!)).not.toContain('answerTs');
  });

  it('keeps what it was given, not the objects: changing them later changes nothing', () => {
    const kept = new ConcludedDialogs();
    const given = structuredClone(call);
    kept.add(given);
    given.points[0]!.start.sec = 0;
    given.points[1]!.callId = 'changed';
    given.findings = 99;
    expect([...kept]).toStrictEqual([call]);
  });

  it('gives back many groups across storage chunks, and strings longer than a chunk', () => {
    const kept = new ConcludedDialogs();
    const groups: DialogGroupSummary[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Call-IDs of every length up to 300 bytes, some not ASCII, and one of 300 KB.
      const callId = i === 7_777 ? 'x'.repeat(300_000) : `${'é'.repeat(i % 150)}${i}@10.0.0.5`;
      const group = structuredClone(i % 2 === 0 ? call : registration);
      group.callId = callId;
      group.points[0]!.callId = callId;
      group.points[0]!.start.sec = i;
      groups.push(group);
      kept.add(group);
    }
    expect([...kept]).toStrictEqual(groups);
  });

  it('is empty when nothing was added', () => {
    const kept = new ConcludedDialogs();
    expect(kept.length).toBe(0);
    expect([...kept]).toEqual([]);
  });
});

describe('concluded dialog groups where no temporary file can be made', () => {
  it('keeps them in memory and gives every one back the same', () => {
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/algscope-test';
    try {
      const kept = new ConcludedDialogs();
      const groups: DialogGroupSummary[] = [];
      for (let i = 0; i < 6_000; i++) {
        const group = structuredClone(i % 3 === 0 ? call : registration);
        group.callId = `${i}@10.0.0.9`;
        group.points[0]!.messages = i;
        groups.push(group);
        kept.add(group);
      }
      expect([...kept]).toStrictEqual(groups);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
  });
});
