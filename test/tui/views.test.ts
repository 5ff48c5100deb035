/**
 * What the TUI screens compute from an analysis, without a terminal: the dialog rows and their
 * filters, the ladder with both capture points, the message diff and raw highlights, the findings.
 */
import { describe, expect, it } from 'vitest';
import { findingDetail, verdictLines } from '../../src/render/tui/findings-lines.js';
import { buildCallFlow, drawLadder, ladderLayout, lanesThatFit, mediaLines, relativeTime } from '../../src/render/tui/flow.js';
import { listRowLine } from '../../src/render/tui/list-lines.js';
import { messageLines, rawLines } from '../../src/render/tui/message-lines.js';
import { NO_FILTER, buildModel, cycle, visibleRows } from '../../src/render/tui/model.js';
import { Canvas, lineText, wrap, wrapLine, wrapValue } from '../../src/render/tui/text.js';
import { themeFor } from '../../src/render/tui/theme.js';
import { HOSTILE_HEADER, algCall, haveLabCapture, labCall, noLabCaptureReason } from './fixtures.js';

const model = buildModel(algCall());
const inviteRow = model.rows.find((r) => r.method === 'INVITE')!;
const text = (lines: { text: string }[][]) => lines.map((l) => l.map((s) => s.text).join(''));

describe('dialog list rows', () => {
  it('has one row per call with the capture points it was seen at and a badge from its findings', () => {
    expect(model.rows.map((r) => [r.method, r.seenAt, r.messages, r.badge?.label])).toEqual([
      ['REGISTER', 'in', [1], undefined],
      ['INVITE', 'in+out', [3, 2], 'ALG'],
    ]);
    expect(inviteRow.from).toBe('alice@192.168.10.2');
    expect(inviteRow.findings.map((f) => f.rule)).toContain('contact-rewritten');
  });

  it('filters by text, method, state and findings, and sorts stably both ways', () => {
    expect(visibleRows(model.rows, { ...NO_FILTER, onlyFindings: true }).map((r) => r.method)).toEqual(['INVITE']);
    expect(visibleRows(model.rows, { ...NO_FILTER, search: 'CAROL' }).map((r) => r.method)).toEqual(['REGISTER']);
    expect(visibleRows(model.rows, { ...NO_FILTER, search: 'contact-rewritten' }).map((r) => r.method)).toEqual(['INVITE']);
    expect(visibleRows(model.rows, { ...NO_FILTER, method: 'REGISTER' })).toHaveLength(1);
    expect(visibleRows(model.rows, { ...NO_FILTER, state: 'confirmed' }).map((r) => r.method)).toEqual(['INVITE']);
    expect(visibleRows(model.rows, { ...NO_FILTER, sort: 'time', descending: true }).map((r) => r.method)).toEqual(['INVITE', 'REGISTER']);
    expect(visibleRows(model.rows, { ...NO_FILTER, sort: 'findings' }).map((r) => r.method)).toEqual(['INVITE', 'REGISTER']);
    expect(cycle(['A', 'B'], undefined)).toBe('A');
    expect(cycle(['A', 'B'], 'A')).toBe('B');
    expect(cycle(['A', 'B'], 'B')).toBeUndefined();
  });

  it('fits a row in 80 columns', () => {
    for (const row of model.rows) expect(lineText(listRowLine(row, 80)).length).toBeLessThanOrEqual(80);
    expect(lineText(listRowLine(inviteRow, 80))).toMatch(/INVITE .* in\+out +ALG 7/);
  });
});

describe('call flow', () => {
  const flow = buildCallFlow(model, inviteRow, lanesThatFit(80));
  const ladder = drawLadder(flow, ladderLayout(flow, 80));
  const rows = text(ladder.rows);

  it('draws the inside and outside copies of each message on one row, the NAT between them', () => {
    expect(flow.lanes.map((l) => [l.side, l.endpoints])).toEqual([
      ['inside', ['192.168.10.2:5060', '203.0.113.10:5060']],
      ['outside', ['203.0.113.1:5060', '203.0.113.10:5060']],
    ]);
    expect(text(ladder.header)[0]).toMatch(/inside lan\.pcap +NAT +outside wan\.pcap/);
    // INVITE, its retransmission, 200 OK, ACK
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/│─+INVITE \(SDP\)─+▶│ +≠6 +│─+INVITE \(SDP\)─+▶│ +!$/);
    expect(rows[1]).toContain('↻ INVITE (SDP)');
    expect(rows[2]).toMatch(/│◀─+200 OK─+│ +≠\d +│◀─+200 OK─+│/);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
  });

  it('marks a message that never reached the other side', () => {
    expect(rows[3]).toMatch(/│─+ACK─+▶│ +✗ +│ +│ +!$/);
    expect(flow.rows[3]!.dropped?.direction).toBe('outbound');
  });

  it('puts rows on one clock and in time order', () => {
    const seconds = flow.rows.map((r) => r.seconds);
    expect([...seconds].sort((a, b) => a - b)).toEqual(seconds);
    expect(rows.map((r) => r.slice(2, 10).trim())).toEqual(['+0.000', '+0.500', '+0.801', '+0.900']);
  });

  it('writes long times since the first message in minutes, hours and days', () => {
    expect([0.0004, 999.9994, 1500, 7200, 20_111_854].map(relativeTime)).toEqual(['+0.000', '+999.999', '+25.0m', '+2.0h', '+232.8d']);
  });

  it('keeps one lane when the terminal is too narrow for two', () => {
    const narrow = buildCallFlow(model, inviteRow, 1);
    expect(narrow.lanes.map((l) => l.side)).toEqual(['inside']);
    expect(narrow.hiddenLanes).toBe(1);
  });
});

describe('message view', () => {
  const flow = buildCallFlow(model, inviteRow, 2);
  const invite = flow.rows[0]!;

  it('shows the field-by-field diff of the two copies side by side', () => {
    const view = messageLines(model, invite.messageId, undefined, 100)!;
    const lines = text(view.lines);
    expect(lines.find((l) => l.startsWith('Contact[0]'))).toMatch(/^Contact\[0\] +sip:alice@192\.168\.10\.2:5060 +sip:alice@203\.0\.113\.1:5060/);
    expect(lines.find((l) => l.startsWith('Via[0].sent-by'))).toMatch(/192\.168\.10\.2:5060 +203\.0\.113\.1:5060/);
    expect(lines.find((l) => l.startsWith('Changed by the router'))).toMatch(/^Changed by the router: 6 fields · transit /);
    expect(view.shownSide).toBe('inside');
    expect(view.canSwitch).toBe(true);
  });

  it('highlights exactly the changed bytes of the raw copy shown, for each side', () => {
    for (const side of ['inside', 'outside'] as const) {
      const view = messageLines(model, invite.messageId, side, 100)!;
      const contact = view.lines.find((l) => lineText(l).startsWith('Contact: '))!;
      const changed = contact.filter((s) => s.style === 'changed').map((s) => s.text);
      expect(changed).toEqual([side === 'inside' ? 'sip:alice@192.168.10.2:5060' : 'sip:alice@203.0.113.1:5060']);
    }
  });

  it('never passes terminal control sequences from a captured header', () => {
    const view = messageLines(model, invite.messageId, undefined, 100)!;
    const all = text(view.lines).join('\n');
    expect(HOSTILE_HEADER).toContain('\u001b');
    expect(all).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(all).toContain('X-Note: red\\x07');
  });

  it('says when a message was seen at one side only', () => {
    const lines = text(messageLines(model, flow.rows[3]!.messageId, undefined, 100)!.lines);
    expect(lines.some((l) => /Seen at the inside .*never at the outside/.test(l))).toBe(true);
  });

  it('wraps raw lines at the width without losing a byte', () => {
    const msg = model.result.messages.get(invite.messageId)!;
    const lines = rawLines(msg, [], 20);
    expect(lines.every((l) => lineText(l).length <= 20)).toBe(true);
    expect(lines.map(lineText).join('')).toBe(Buffer.from(msg.raw).toString('latin1').replace(/\r\n/g, '').replace(/\u001b\][^\u0007]*\u0007|\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/\u0007/g, '\\x07'));
  });
});

describe('findings', () => {
  it('shows the verdict and every evidence item of a finding with where it is and what to do', () => {
    expect(text(verdictLines(model.result, 80, 3))[0]).toMatch(/^ALG DETECTED · SIP was rewritten/);
    const contact = model.result.findings.find((f) => f.rule === 'contact-rewritten')!;
    const detail = findingDetail(contact, 0, 80);
    const lines = text(detail.lines);
    expect(lines[0]).toBe('contact-rewritten · Contact header rewritten in transit');
    expect(lines).toContain('    Contact[0] inside:  sip:alice@192.168.10.2:5060');
    expect(lines).toContain('    Contact[0] outside: sip:alice@203.0.113.1:5060');
    expect(lines.some((l) => l.startsWith('    at frame 2 of lan.pcap (inside), '))).toBe(true);
    expect(lines.some((l) => l.startsWith('Wireshark (lan.pcap): frame.number in {'))).toBe(true);
    expect(lines).toContain('Where the SIP ALG setting lives');
    expect(detail.evidenceStarts[0]).toBeGreaterThan(0);
  });
});

describe('colour', () => {
  it('uses no colour without it, and keeps a visible mark for every style that had only a colour', () => {
    const coloured = themeFor(true);
    const mono = themeFor(false);
    for (const [name, style] of Object.entries(mono)) {
      expect(style.color, name).toBeUndefined();
      const had = coloured[name as keyof typeof coloured];
      if (had.color) expect(style.bold || style.inverse || style.underline || style.dimColor, name).toBe(true);
    }
    expect(mono.changed.inverse).toBe(true);
  });
});

describe('text helpers', () => {
  it('wraps words, values at separators, and styled lines at the width', () => {
    expect(wrap('one two three', 7)).toEqual(['one two', 'three']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapValue('sip:alice@192.168.10.2:5060;transport=UDP', 30)).toEqual(['sip:alice@192.168.10.2:5060;', 'transport=UDP']);
    expect(wrapLine([{ text: 'abcdef', style: 'bold' }], 4).map(lineText)).toEqual(['abcd', 'ef']);
    const canvas = new Canvas(5);
    canvas.put(3, 'xyz', 'alg');
    expect(canvas.toLine()).toEqual([{ text: '   ', style: 'plain' }, { text: 'xy', style: 'alg' }]);
  });
});

describe.skipIf(!haveLabCapture)(`a real kernel ALG capture (lab udp-call-alg)${haveLabCapture ? '' : `: skipped, ${noLabCaptureReason}`}`, () => {
  it('shows the call at both points, the rewrite counts and the RTP under the ladder', async () => {
    const lab = buildModel(await labCall());
    const row = lab.rows.find((r) => r.method === 'INVITE')!;
    expect(row.seenAt).toBe('in+out');
    const flow = buildCallFlow(lab, row, 2);
    const rows = text(drawLadder(flow, ladderLayout(flow, 120)).rows);
    expect(rows[0]).toMatch(/INVITE \(SDP\).*≠\d+.*INVITE \(SDP\)/);
    const media = text(mediaLines(flow));
    expect(media.filter((l) => l.startsWith('in ')).length).toBeGreaterThanOrEqual(2);
    expect(media.filter((l) => l.startsWith('out ')).length).toBeGreaterThanOrEqual(2);
    expect(media.join('\n')).toMatch(/203\.0\.113\.1:\d+ → 203\.0\.113\.10:\d+ +\d+ pkts +loss 0\.0%/);
  });
});
