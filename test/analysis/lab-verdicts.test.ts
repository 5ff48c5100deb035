/**
 * The analyzer over real kernel SIP ALG traffic from the namespace lab (captures/lab/, made by
 * captures/lab/make-captures.sh): what the Linux ALG did, and what a user must be told.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import type { SideAssignment } from '../../src/correlate/types.js';
import { projectCapture } from '../helpers/paths.js';

const NO_SIDES: SideAssignment = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };
const lab = (scenario: string, file: string) => projectCapture(`lab/${scenario}/${file}`);

async function both(scenario: string, sides = NO_SIDES) {
  return analyzeCaptures({ files: [lab(scenario, 'inside.pcap'), lab(scenario, 'outside.pcap')], sides });
}

const rulesOf = (findings: { rule: string; implies: string }[], implies?: string) =>
  [...new Set(findings.filter((f) => !implies || f.implies === implies).map((f) => f.rule))].sort();

/** A copy of a classic little-endian pcap with every timestamp moved by `seconds` (a capture box with a wrong clock). */
function shiftedCopy(file: string, seconds: number): string {
  const bytes = Buffer.from(readFileSync(file));
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  for (let pos = 24; pos + 16 <= bytes.length; pos += 16 + bytes.readUInt32LE(pos + 8)) {
    bytes.writeUInt32LE(bytes.readUInt32LE(pos) + seconds, pos);
  }
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'algscope-')), `shifted-${path.basename(file)}`);
  writeFileSync(out, bytes);
  return out;
}

describe('UDP call through the kernel SIP ALG', () => {
  it('is alg-detected with every field the kernel rewrote, and the Call-ID it left private', async () => {
    const result = await both('udp-call-alg');
    expect(result.verdict.verdict).toBe('alg-detected');
    expect(rulesOf(result.findings, 'alg')).toEqual(['contact-rewritten', 'from-to-rewritten', 'sdp-connection-rewritten', 'sdp-origin-rewritten', 'via-rewritten']);
    expect(rulesOf(result.findings, 'alg-suspected')).toEqual(['private-address-leak']);
    const sdp = result.findings.find((f) => f.rule === 'sdp-connection-rewritten')!;
    expect(sdp.evidence[0]).toMatchObject({ inside: 'c=IN IP4 192.168.10.2', outside: 'c=IN IP4 203.0.113.1' });
    expect(result.points.map((p) => p.side)).toEqual(['inside', 'outside']);
    expect(result.correlation.dropped).toEqual([]);
  });

  it('finds the same in the two-interface router capture, sides named by interface', async () => {
    const result = await analyzeCaptures({
      files: [lab('udp-call-alg', 'router.pcapng')],
      sides: { ...NO_SIDES, insideInterfaces: ['lan0'], outsideInterfaces: ['wan0'] },
    });
    expect(result.verdict.verdict).toBe('alg-detected');
    expect(result.points.map((p) => [p.interfaceName, p.side, p.sideSource])).toEqual([
      ['lan0', 'inside', 'user-interface'],
      ['wan0', 'outside', 'user-interface'],
    ]);
  });

  it('matches messages across two captures whose clocks differ by 7 s and reports the offset', async () => {
    const outside = shiftedCopy(lab('udp-call-alg', 'outside.pcap'), 7);
    const result = await analyzeCaptures({ files: [lab('udp-call-alg', 'inside.pcap'), outside], sides: NO_SIDES });
    expect(result.verdict.verdict).toBe('alg-detected');
    const [offset] = result.correlation.clockOffsets;
    expect(offset!.offsetSeconds).toBeGreaterThan(6.99);
    expect(offset!.offsetSeconds).toBeLessThan(7.01);
    expect(result.correlation.pairs.length).toBe(result.stats.sipMessages / 2);
  });

  it('from the outside alone, suspects the ALG from the private Call-ID and asks for the inside capture', async () => {
    const result = await analyzeCaptures({ files: [lab('udp-call-alg', 'outside.pcap')], sides: NO_SIDES });
    expect(result.verdict.verdict).toBe('alg-suspected');
    expect(result.verdict.nextSteps.join(' ')).toContain('LAN (phone) side');
  });
});

describe('SIP over TCP through the kernel SIP ALG', () => {
  it('is alg-detected from reassembled TCP streams', async () => {
    const result = await both('tcp-call-alg');
    expect(result.verdict.verdict).toBe('alg-detected');
    expect(rulesOf(result.findings, 'alg')).toEqual(expect.arrayContaining(['contact-rewritten', 'via-rewritten', 'sdp-connection-rewritten']));
    expect(result.dialogs.points.flatMap((p) => p.transactions).every((t) => t.transport === 'tcp')).toBe(true);
  });
});

describe('the same call with the ALG off', () => {
  it('is nat-without-alg: translated packets, identical SIP, private SDP reaching the provider', async () => {
    const result = await both('udp-call-noalg');
    expect(result.verdict.verdict).toBe('nat-without-alg');
    expect(rulesOf(result.findings)).toEqual(expect.arrayContaining(['nat-payload-intact', 'private-contact-behind-nat']));
    expect(result.findings.some((f) => f.implies === 'alg' || f.implies === 'alg-suspected')).toBe(false);
    expect(result.correlation.pairs.every((p) => p.translated && p.diffs.every((d) => d.area === 'transport'))).toBe(true);
  });
});

describe('inbound call after the NAT binding expired (ALG off, short UDP timeout)', () => {
  it('reports pinhole-expired with the idle time and the ICMP answer from the NAT', async () => {
    const result = await both('inbound-after-expiry-noalg');
    expect(result.verdict.verdict).toBe('nat-without-alg');
    const pinhole = result.findings.find((f) => f.rule === 'pinhole-expired')!;
    expect(pinhole.summary).toMatch(/^INVITE to registered binding 203\.0\.113\.1:5060: answered by ICMP port-unreachable from 203\.0\.113\.1; the binding had been idle \d+\.\d+ s$/);
    expect(pinhole.evidence[0]!.note).toMatch(/keepalives every \d+ s or less/);
    expect(pinhole.evidence[0]!.at.every((a) => a.side === 'outside')).toBe(true);
  });
});

describe('inbound call while the NAT binding is alive (ALG off)', () => {
  it('has no pinhole finding: the INVITE was answered', async () => {
    const result = await both('inbound-binding-alive-noalg');
    expect(result.verdict.verdict).toBe('nat-without-alg');
    expect(rulesOf(result.findings)).not.toContain('pinhole-expired');
    expect(rulesOf(result.findings)).not.toContain('transaction-timeout');
  });
});

describe('inbound call through the kernel SIP ALG', () => {
  it('shows the Request-URI rewritten from the public binding to the phone', async () => {
    const result = await both('udp-call-alg-inbound');
    expect(result.verdict.verdict).toBe('alg-detected');
    const uri = result.findings.find((f) => f.rule === 'request-uri-rewritten')!;
    expect(uri.evidence[0]).toMatchObject({
      inside: 'sip:alice@192.168.10.2:5060;transport=UDP',
      outside: 'sip:alice@203.0.113.1:5060;transport=UDP',
    });
  });
});

describe('ACKs lost at the router', () => {
  it('reports the dropped ACKs and the 32-second Timer H teardown', async () => {
    const result = await both('ack-dropped-alg');
    expect(result.verdict.verdict).toBe('alg-detected');
    const dropped = result.findings.find((f) => f.rule === 'message-dropped')!;
    expect(dropped.summary).toMatch(/^ACK .* left the phone side but never reached the outside \(10 messages\)$/);
    const ack = result.findings.filter((f) => f.rule === 'ack-timeout');
    expect(ack.length).toBeGreaterThan(0);
    expect(ack[0]!.summary).toMatch(/200 OK retransmitted \d+ times over \d+\.\d+ s without an ACK, then BYE from the callee 3\d\.\d+ s after the answer/);
  });
});

describe('two phones on one NAT, same RTP port (kernel ALG)', () => {
  it('reports the second phone\'s INVITE dropped by the ALG', async () => {
    const result = await both('two-phones-alg');
    expect(result.verdict.verdict).toBe('alg-detected');
    const dropped = result.findings.find((f) => f.rule === 'message-dropped')!;
    expect(dropped.summary).toMatch(/^INVITE .* left the phone side but never reached the outside/);
    expect(dropped.dialog).toContain('@192.168.10.3');
  });
});
