import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { caseView, type CaseView } from '../../src/render/report/case-model.js';
import { ladderSvg } from '../../src/render/report/ladder-svg.js';
import { sipMessage, writeSipPcap } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'algscope-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const headers = (host: string, branch: string, toTag = '') => `
  Via: SIP/2.0/UDP ${host}:5060;branch=${branch};rport
  From: <sip:alice@example.com>;tag=a1
  To: <sip:bob@203.0.113.10>${toTag}
  Call-ID: model-1@example.com`;
const invite = (h: string) => sipMessage(`INVITE sip:bob@203.0.113.10 SIP/2.0${headers(h, 'z9hG4bK-m1')}\nCSeq: 1 INVITE\nContact: <sip:alice@${h}:5060>\nContent-Length: *`);
const ok = (h: string) => sipMessage(`SIP/2.0 200 OK${headers(h, 'z9hG4bK-m1', ';tag=b1')}\nCSeq: 1 INVITE\nContact: <sip:bob@203.0.113.10:5060>\nContent-Length: *`);
const ack = (h: string) => sipMessage(`ACK sip:bob@203.0.113.10:5060 SIP/2.0${headers(h, 'z9hG4bK-m2', ';tag=b1')}\nCSeq: 1 ACK\nContent-Length: *`);

/**
 * One call through a NAT whose ALG rewrites Via and Contact (192.168.10.2 -> 203.0.113.1): the
 * INVITE is sent twice, the 200 OK answers, and the ACK never reaches the outside.
 */
async function droppedAckCall(): Promise<CaseView> {
  const t = 1_700_000_000;
  const inside = path.join(dir, 'lan.pcap');
  const outside = path.join(dir, 'wan.pcap');
  writeSipPcap(inside, [
    { src: '192.168.10.2:5060', dst: '203.0.113.10:5060', t, sip: invite('192.168.10.2') },
    { src: '192.168.10.2:5060', dst: '203.0.113.10:5060', t: t + 0.5, sip: invite('192.168.10.2') },
    { src: '203.0.113.10:5060', dst: '192.168.10.2:5060', t: t + 0.6, sip: ok('192.168.10.2') },
    { src: '192.168.10.2:5060', dst: '203.0.113.10:5060', t: t + 0.7, sip: ack('192.168.10.2') },
  ]);
  // The outside capture's clock is 2 s ahead: the flow puts both sides on the inside clock.
  writeSipPcap(outside, [
    { src: '203.0.113.1:5060', dst: '203.0.113.10:5060', t: t + 2.001, sip: invite('203.0.113.1') },
    { src: '203.0.113.1:5060', dst: '203.0.113.10:5060', t: t + 2.501, sip: invite('203.0.113.1') },
    { src: '203.0.113.10:5060', dst: '203.0.113.1:5060', t: t + 2.599, sip: ok('203.0.113.1') },
  ]);
  return caseView(await analyzeCaptures({ files: [inside, outside], sides: { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] } }));
}

describe('caseView', () => {
  it('draws one call with an inside and an outside lane, the far end on the lanes\' outer columns', async () => {
    const view = await droppedAckCall();
    expect(view.flows).toHaveLength(1);
    const [flow] = view.flows;
    expect(flow!.callIds).toEqual(['model-1@example.com']);
    expect(flow!.lanes).toEqual([
      { side: 'inside', hosts: ['192.168.10.2', '203.0.113.10'] },
      { side: 'outside', hosts: ['203.0.113.1', '203.0.113.10'] },
    ]);
  });

  it('puts each message seen on both sides on one row, on the inside clock, with what the router rewrote', async () => {
    const view = await droppedAckCall();
    const rows = view.flows[0]!.rows.map((row) => ({
      at: row.offsetSeconds.toFixed(3),
      arrows: row.arrows.map((a) => `${a.side} ${a.label}${a.retransmission ? ' (again)' : ''} frame ${a.frame}`),
      rewritten: row.rewrittenFields,
      missingAt: row.missingAt,
    }));
    expect(rows).toEqual([
      { at: '0.000', arrows: ['inside INVITE frame 1', 'outside INVITE frame 1'], rewritten: ['Via[0].sent-by', 'Contact[0]'], missingAt: undefined },
      { at: '0.500', arrows: ['inside INVITE (again) frame 2', 'outside INVITE (again) frame 2'], rewritten: ['Via[0].sent-by', 'Contact[0]'], missingAt: undefined },
      { at: '0.600', arrows: ['inside 200 OK frame 3', 'outside 200 OK frame 3'], rewritten: ['Via[0].sent-by'], missingAt: undefined },
      { at: '0.700', arrows: ['inside ACK frame 4'], rewritten: [], missingAt: 'outside' },
    ]);
  });

  it('shows each distinct rewrite once as a diff, counts the retransmitted copy, and links every copy to it', async () => {
    const view = await droppedAckCall();
    expect(view.diffs.map((d) => [d.inside.origin.frames[0], d.outside.origin.frames[0], d.repeats, d.diffs.map((x) => x.field)])).toEqual([
      [1, 1, 1, ['Via[0].sent-by', 'Contact[0]']],
      [3, 3, 0, ['Via[0].sent-by']],
    ]);
    expect(view.diffs[0]!.transportDiffs.map((d) => [d.field, d.inside?.text, d.outside?.text])).toEqual([['src', '192.168.10.2:5060', '203.0.113.1:5060']]);
    const rows = view.flows[0]!.rows;
    expect(rows.map((r) => r.diffMessageId)).toEqual([view.diffs[0]!.inside.id, view.diffs[0]!.inside.id, view.diffs[1]!.inside.id, undefined]);
    for (const row of rows.slice(0, 3)) for (const arrow of row.arrows) expect(view.diffAnchorOf.get(arrow.messageId)).toBe(row.diffMessageId);
  });

  it('summarizes the case for the index: verdict, rules by severity, calls, duration', async () => {
    const { summary } = await droppedAckCall();
    expect(summary).toMatchObject({ verdict: 'alg-detected', findings: 3, dialogs: 1, files: 2, packets: 7, sipMessages: 7, unreadable: [] });
    expect(summary.topFindings.map((t) => t.rule).sort()).toEqual(['contact-rewritten', 'message-dropped', 'via-rewritten']);
    expect(summary.topFindings.every((t) => t.severity === 'critical' && t.count === 1)).toBe(true);
    // From the first SIP packet to the last on each capture's own clock (0.7 s inside, 0.598 s outside),
    // not across the two clocks (2.599 s).
    expect(summary.durationSeconds).toBeCloseTo(0.7, 6);
  });

  it('draws the flow as an SVG ladder: an arrow per copy, rewritten rows linked to their diff, the lost ACK marked', async () => {
    const view = await droppedAckCall();
    const svg = ladderSvg(view.flows[0]!).value;
    expect(svg.match(/<g class="msg[^"]*"/g)).toEqual([
      '<g class="msg rewritten"',
      '<g class="msg rewritten"',
      '<g class="msg rewritten retrans"',
      '<g class="msg rewritten retrans"',
      '<g class="msg rewritten"',
      '<g class="msg rewritten"',
      '<g class="msg dropped"',
    ]);
    const first = view.diffs[0]!.inside.id;
    const second = view.diffs[1]!.inside.id;
    expect(svg.match(/href="#diff-\d+"/g)).toEqual([`href="#diff-${first}"`, `href="#diff-${first}"`, `href="#diff-${second}"`]);
    expect(svg).toContain('✕ not seen outside');
    expect(svg.match(/class="lane-title"[^>]*>([^<]*)</g)!.map((t) => t.replace(/.*>/, '').replace('<', ''))).toEqual(['INSIDE (LAN side)', 'OUTSIDE (WAN side)', 'ROUTER']);
  });
});
