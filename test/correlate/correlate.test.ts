import { describe, expect, it } from 'vitest';
import { correlate, matchKey } from '../../src/correlate/correlate.js';
import type { SideAssignment } from '../../src/correlate/types.js';
import type { SipMessage } from '../../src/sip/types.js';
import { toSeconds } from '../../src/util/time.js';
import { INSIDE, OUTSIDE, TwoPoints, ack, invite } from './helpers.js';

const PHONE = '192.168.10.2:5060';
const NAT = '203.0.113.1:5060';
const PROVIDER = '203.0.113.10:5060';
const NO_SIDES: SideAssignment = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };

function run(inside: SipMessage[], outside: SipMessage[], sides = NO_SIDES) {
  return correlate(
    [
      { ref: INSIDE, messages: inside },
      { ref: OUTSIDE, messages: outside },
    ],
    sides,
  );
}

describe('sides', () => {
  it('infers inside from private-to-public SIP and outside from public-only SIP, saying why', () => {
    const w = new TwoPoints();
    const result = run([w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0)], [w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0.001)]);
    const [inside, outside] = result.points;
    expect(inside!.side).toBe('inside');
    expect(inside!.sideSource).toBe('inferred');
    expect(inside!.sideReason).toContain('192.168.10.2');
    expect(outside!.side).toBe('outside');
    expect(outside!.sideReason).toContain('only between public');
  });

  it('lets the user override the inference by file name', () => {
    const w = new TwoPoints();
    const result = run([w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0)], [], {
      ...NO_SIDES,
      outsideFiles: ['lan.pcap'],
    });
    expect(result.points[0]!.side).toBe('outside');
    expect(result.points[0]!.sideSource).toBe('user-file');
  });

  it('names the first three addresses in sort order, whatever order they came in, and counts the rest', () => {
    const w = new TwoPoints();
    const phones = ['192.168.10.9', '192.168.10.30', '192.168.10.2', '192.168.10.5', '192.168.10.12'];
    const result = run(phones.map((host, i) => w.at(INSIDE, invite(host), `${host}:5060`, PROVIDER, i)), []);
    expect(result.points[0]!.sideReason).toContain('private 192.168.10.12, 192.168.10.2, 192.168.10.30 and 2 more and public 203.0.113.10');
  });

  it('gives each point the span of its messages\' times, whatever order they came in, or the span its caller kept', () => {
    const w = new TwoPoints();
    const messages = [5, 2, 9, 3].map((t) => w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, t));
    const [earliest, latest] = [messages[1]!, messages[2]!].map((m) => toSeconds(m.origin.ts));
    const worked = run(messages, []).points[0]!;
    expect([worked.firstSeen, worked.lastSeen]).toEqual([earliest, latest]);
    // A session keeps the span of every message it saw, forgotten ones included.
    const kept = correlate([{ ref: INSIDE, messages, seenSpan: { firstSeen: 1, lastSeen: 2e9 } }], NO_SIDES).points[0]!;
    expect([kept.firstSeen, kept.lastSeen]).toEqual([1, 2e9]);
  });

  it('leaves a LAN-only capture point unknown', () => {
    const w = new TwoPoints();
    const result = run([w.at(INSIDE, invite('192.168.10.2'), PHONE, '192.168.10.20:5060', 0)], []);
    expect(result.points[0]!.side).toBe('unknown');
    expect(result.points[0]!.sideReason).toContain('only between private');
  });
});

describe('matching the same message across the NAT', () => {
  it('pairs the inside and outside copy and names every rewritten field', () => {
    const w = new TwoPoints();
    const a = w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0);
    const b = w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0.0004);
    const result = run([a], [b]);
    expect(result.pairs).toHaveLength(1);
    const pair = result.pairs[0]!;
    expect(pair.inside).toBe(a);
    expect(pair.outside).toBe(b);
    expect(pair.translated).toBe(true);
    expect(pair.proxied).toBe(false);
    const fields = pair.diffs.map((d) => d.field).sort();
    // The SDP is 2 bytes shorter outside, so the (correctly recomputed) Content-Length differs too.
    expect(fields).toEqual(['Contact[0]', 'Content-Length', 'From', 'Via[0].sent-by', 'sdp c=', 'sdp o=', 'src'].sort());
    const contact = pair.diffs.find((d) => d.field === 'Contact[0]')!;
    expect(contact.inside!.text).toBe('sip:alice@192.168.10.2:5060');
    expect(contact.outside!.text).toBe('sip:alice@203.0.113.1:5060');
    // The span points at the URI inside each side's own bytes.
    const text = (m: SipMessage, span: { offset: number; length: number }) => Buffer.from(m.raw.subarray(span.offset, span.offset + span.length)).toString('latin1');
    expect(text(b, contact.outside!.span!)).toBe('sip:alice@203.0.113.1:5060');
    // Same Call-ID on both sides: no Call-ID difference reported.
    expect(pair.diffs.some((d) => d.key === 'call-id')).toBe(false);
  });

  it('still matches when an ALG rewrote the Call-ID, and reports the change', () => {
    const w = new TwoPoints();
    const a = w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0);
    const b = w.at(OUTSIDE, invite('192.168.10.2', { callId: 'fgt-0001-rewritten' }), NAT, PROVIDER, 0.001);
    const result = run([a], [b]);
    expect(result.pairs).toHaveLength(1);
    const callId = result.pairs[0]!.diffs.find((d) => d.key === 'call-id')!;
    expect(callId.inside!.text).toBe('a84b4c76e66710@192.168.10.2');
    expect(callId.outside!.text).toBe('fgt-0001-rewritten');
  });

  it('estimates the clock offset between two capture files and matches across it', () => {
    const w = new TwoPoints();
    const inside = [
      w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 10),
      w.at(INSIDE, ack('192.168.10.2'), PHONE, PROVIDER, 10.2),
    ];
    // The outside machine's clock runs 3.5 s ahead.
    const outside = [
      w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 13.5003),
      w.at(OUTSIDE, ack('203.0.113.1'), NAT, PROVIDER, 13.7005),
    ];
    const result = run(inside, outside);
    expect(result.pairs).toHaveLength(2);
    expect(result.clockOffsets).toHaveLength(1);
    expect(result.clockOffsets[0]!.offsetSeconds).toBeCloseTo(3.5004, 4);
    expect(result.clockOffsets[0]!.samples).toBe(2);
    for (const pair of result.pairs) expect(Math.abs(pair.transitSeconds)).toBeLessThan(0.001);
  });

  it('pairs retransmissions with the nearest copy, not all with the first', () => {
    const w = new TwoPoints();
    const inside = [0, 0.5, 1.5].map((t) => w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, t));
    const outside = [0.001, 0.501, 1.501].map((t) => w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, t));
    const result = run(inside, outside);
    expect(result.pairs.map((p) => [p.inside.id, p.outside.id])).toEqual(inside.map((m, i) => [m.id, outside[i]!.id]));
    expect(matchKey(inside[0]!)).toBe(matchKey(outside[2]!));
  });

  it('marks a pair that crossed a proxy (extra Via) as proxied', () => {
    const w = new TwoPoints();
    const a = w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0);
    const b = w.at(OUTSIDE, invite('192.168.10.2', { extraVia: '203.0.113.5:5060' }), '203.0.113.5:5060', PROVIDER, 0.002);
    // The proxy's own Via is on top, so the top branch differs: not the same hop's message.
    expect(run([a], [b]).pairs).toHaveLength(0);
  });

  it('reports a message of a crossing dialog that never reached the other side as dropped', () => {
    const w = new TwoPoints();
    const inside = [
      w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0),
      w.at(INSIDE, ack('192.168.10.2'), PHONE, PROVIDER, 0.3),
    ];
    const outside = [w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0.001), w.at(OUTSIDE, invite('203.0.113.1', { cseq: 2, branch: 'z9hG4bKlater' }), NAT, PROVIDER, 5)];
    const result = run(inside, outside);
    expect(result.dropped.map((d) => [d.message.method, d.direction])).toEqual([['ACK', 'outbound']]);
  });

  it('does not call a message dropped when the other capture had not started or had ended', () => {
    const w = new TwoPoints();
    const inside = [w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0), w.at(INSIDE, ack('192.168.10.2'), PHONE, PROVIDER, 30)];
    const outside = [w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0.001)];
    expect(run(inside, outside).dropped).toEqual([]);
  });
});
