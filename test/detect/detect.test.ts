import { describe, expect, it } from 'vitest';
import { AnalysisSession } from '../../src/analysis/session.js';
import type { SideAssignment } from '../../src/correlate/types.js';
import { detect } from '../../src/detect/detect.js';
import type { DetectionContext, Finding, FindingCounter } from '../../src/detect/types.js';
import type { SipMessage } from '../../src/sip/types.js';
import { INSIDE, OUTSIDE, TwoPoints, ack, invite } from '../correlate/helpers.js';

const PHONE = '192.168.10.2:5060';
const NAT = '203.0.113.1:5060';
const PROVIDER = '203.0.113.10:5060';
const NO_SIDES: SideAssignment = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };

function conclude(messages: SipMessage[], sides = NO_SIDES) {
  const session = new AnalysisSession(sides);
  for (const msg of [...messages].sort((a, b) => a.origin.ts.sec - b.origin.ts.sec || a.origin.ts.nsec - b.origin.ts.nsec)) session.onMessage(msg);
  return session.result(true);
}

const rules = (result: ReturnType<typeof conclude>) => [...new Set(result.findings.map((f) => f.rule))].sort();

describe('verdicts from two sides of the NAT', () => {
  it('calls rewritten Via, Contact, From and SDP an ALG, citing both frames of each message', () => {
    const w = new TwoPoints();
    const result = conclude([w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0), w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0.001)]);
    expect(result.verdict.verdict).toBe('alg-detected');
    // The outside copy alone also shows the Linux ALG's trace: Call-ID keeps the private address.
    expect(rules(result)).toEqual(['contact-rewritten', 'from-to-rewritten', 'private-address-leak', 'sdp-connection-rewritten', 'sdp-origin-rewritten', 'via-rewritten']);
    const contact = result.findings.find((f) => f.rule === 'contact-rewritten')!;
    expect(contact.dialog).toBe('a84b4c76e66710@192.168.10.2');
    expect(contact.evidence[0]!.inside).toBe('sip:alice@192.168.10.2:5060');
    expect(contact.evidence[0]!.outside).toBe('sip:alice@203.0.113.1:5060');
    expect(contact.evidence[0]!.at.map((a) => [a.source, a.side, a.frame])).toEqual([
      ['lan.pcap', 'inside', 1],
      ['wan.pcap', 'outside', 1],
    ]);
  });

  it('calls translated packets with identical SIP "nat-without-alg"', () => {
    const w = new TwoPoints();
    const result = conclude([
      w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0),
      w.at(OUTSIDE, invite('192.168.10.2'), NAT, PROVIDER, 0.001),
    ]);
    expect(result.verdict.verdict).toBe('nat-without-alg');
    expect(rules(result)).toContain('nat-payload-intact');
    expect(result.findings.every((f) => f.implies !== 'alg' && f.implies !== 'alg-suspected')).toBe(true);
  });

  it('calls identical packets at both points "no-nat", and a private Call-ID seen on both sides the sender\'s doing', () => {
    const w = new TwoPoints();
    // Both points see only public addresses, so the user names the sides.
    const result = conclude(
      [
        w.at(INSIDE, invite('198.51.100.7'), '198.51.100.7:5060', PROVIDER, 0),
        w.at(OUTSIDE, invite('198.51.100.7'), '198.51.100.7:5060', PROVIDER, 0.001),
      ],
      { ...NO_SIDES, insideFiles: ['lan.pcap'], outsideFiles: ['wan.pcap'] },
    );
    expect(result.verdict.verdict).toBe('no-nat');
    expect(rules(result)).toEqual(['no-address-translation', 'private-address-leak']);
    expect(result.findings.find((f) => f.rule === 'private-address-leak')!.implies).toBe('symptom');
  });

  it('reports an ACK lost in the router as message-dropped', () => {
    const w = new TwoPoints();
    const result = conclude([
      w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0),
      w.at(INSIDE, ack('192.168.10.2'), PHONE, PROVIDER, 0.2),
      w.at(OUTSIDE, invite('192.168.10.2'), NAT, PROVIDER, 0.001),
      w.at(OUTSIDE, invite('192.168.10.2', { cseq: 2, branch: 'z9hG4bKreinvite' }), NAT, PROVIDER, 3),
    ]);
    const dropped = result.findings.find((f) => f.rule === 'message-dropped')!;
    expect(dropped.summary).toContain('ACK');
    expect(dropped.summary).toContain('never reached the outside');
  });

  it('does not blame an ALG for a B2BUA leg: new Call-ID, branch, tags and SDP are a different message', () => {
    const w = new TwoPoints();
    const b2buaLeg = invite('203.0.113.1', { callId: 'b2bua-leg-2', branch: 'z9hG4bKb2bua' }).replace('tag=1928301774', 'tag=b2bua99');
    const result = conclude([w.at(INSIDE, invite('192.168.10.2'), PHONE, PROVIDER, 0), w.at(OUTSIDE, b2buaLeg, NAT, PROVIDER, 0.01)]);
    expect(result.correlation.pairs).toHaveLength(0);
    expect(result.verdict.verdict).not.toBe('alg-detected');
  });
});

describe('one-sided evidence', () => {
  it('suspects an ALG when the Call-ID keeps a private address that Via, Contact and SDP lost, and says what to capture', () => {
    const w = new TwoPoints();
    const result = conclude([w.at(OUTSIDE, invite('203.0.113.1'), NAT, PROVIDER, 0)]);
    expect(result.verdict.verdict).toBe('alg-suspected');
    expect(rules(result)).toEqual(['private-address-leak']);
    expect(result.verdict.nextSteps.join(' ')).toMatch(/LAN \(phone\) side/);
  });

  it('reads a private Contact from a public source as NAT without ALG', () => {
    const w = new TwoPoints();
    const result = conclude([w.at(OUTSIDE, invite('192.168.10.2'), NAT, PROVIDER, 0)]);
    expect(result.verdict.verdict).toBe('nat-without-alg');
    expect(rules(result)).toEqual(['private-contact-behind-nat']);
  });

  it('does not call a phone that writes its public address everywhere (STUN) an ALG when the Call-ID has none', () => {
    const w = new TwoPoints();
    const result = conclude([w.at(OUTSIDE, invite('203.0.113.1', { callId: 'f81d4fae7dec11d0a76500a0c91e6bf6' }), NAT, PROVIDER, 0)]);
    expect(result.verdict.verdict).toBe('inconclusive');
  });

  it('treats a Content-Length error present on both sides as the sender\'s, not an ALG\'s', () => {
    const w = new TwoPoints();
    const broken = (host: string) => invite(host).replace('Content-Length: *', 'Content-Length: 120');
    const result = conclude([w.at(INSIDE, broken('192.168.10.2'), PHONE, PROVIDER, 0), w.at(OUTSIDE, broken('192.168.10.2'), NAT, PROVIDER, 0.001)]);
    const mismatch = result.findings.filter((f) => f.rule === 'content-length-mismatch');
    expect(mismatch.length).toBeGreaterThan(0);
    expect(mismatch.every((f) => f.implies === 'symptom')).toBe(true);
    expect(result.verdict.verdict).toBe('nat-without-alg');
  });

  it('suspects an ALG when Content-Length is off by what an address rewrite changes', () => {
    const w = new TwoPoints();
    // The body carries the public address (2 bytes shorter) but the length still counts the private one.
    const text = invite('203.0.113.1', { callId: 'f81d4fae' });
    const bodyLength = Buffer.byteLength(text.split('\n\n')[1]!.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => `${l}\r\n`).join(''));
    const result = conclude([w.at(OUTSIDE, text.replace('Content-Length: *', `Content-Length: ${bodyLength + 2}`), NAT, PROVIDER, 0)]);
    const finding = result.findings.find((f) => f.rule === 'content-length-mismatch')!;
    expect(finding.implies).toBe('alg-suspected');
    expect(finding.evidence[0]!.note).toContain('(-2)');
    expect(result.verdict.verdict).toBe('alg-suspected');
  });

  it('is inconclusive with no SIP at all, and says so', () => {
    const result = conclude([]);
    expect(result.verdict.verdict).toBe('inconclusive');
    expect(result.verdict.reason).toContain('No SIP');
  });
});

describe('a conclusion of part of what is held (DetectionContext.concluding)', () => {
  /** Two calls through an ALG, seen at both points, and a later INVITE seen only outside. */
  function held() {
    const w = new TwoPoints();
    const going = invite('192.168.10.2', { callId: 'going@192.168.10.2', branch: 'z9hG4bKgoing' });
    const staying = invite('192.168.10.2', { callId: 'staying@192.168.10.2', branch: 'z9hG4bKstaying' }).replaceAll('tag=1928301774', 'tag=staying1');
    const messages = [
      w.at(INSIDE, going, PHONE, PROVIDER, 0),
      w.at(OUTSIDE, going.replaceAll('192.168.10.2:5060', '203.0.113.1:5060'), NAT, PROVIDER, 0.001),
      w.at(INSIDE, staying, PHONE, PROVIDER, 1),
      w.at(OUTSIDE, staying.replaceAll('192.168.10.2:5060', '203.0.113.1:5060'), NAT, PROVIDER, 1.001),
      // The staying call's ACK never leaves the router, and a later INVITE is seen only outside
      // (message-dropped, a rule over every held message).
      w.at(INSIDE, ack('192.168.10.2').replace('a84b4c76e66710@', 'staying@').replace('tag=1928301774', 'tag=staying1'), PHONE, PROVIDER, 1.2),
      w.at(OUTSIDE, invite('203.0.113.1', { callId: 'later@192.168.10.2', branch: 'z9hG4bKlater' }), NAT, PROVIDER, 3),
    ];
    const result = conclude(messages);
    const context = (concluding?: Set<number>, counter?: FindingCounter): DetectionContext => ({
      correlation: result.correlation,
      points: result.points.map((info) => ({
        key: info.ref.key,
        source: info.ref.source,
        side: info.side,
        messages: messages.filter((m) => m.origin.point.key === info.ref.key),
        keepalives: [],
        framingProblems: [],
        icmpErrors: [],
        forgottenSends: new Map(),
      })),
      dialogs: result.dialogs,
      pointInfo: (key) => ({ side: key === INSIDE.key ? 'inside' : 'outside', source: key }),
      message: (id) => result.messages.get(id),
      concluding,
      counter,
    });
    return { messages, context };
  }
  const dialogsOf = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.dialog).sort();

  it('has per-message and per-pair rules cite only the messages about to be forgotten, and the other rules all', () => {
    const { messages, context } = held();
    const whole = detect(context());
    expect(dialogsOf(whole, 'contact-rewritten')).toEqual(['going@192.168.10.2', 'staying@192.168.10.2']);
    // The private From and SDP arriving from the NAT's public address (per message, one-sided).
    expect(dialogsOf(whole, 'private-contact-behind-nat')).toEqual(['going@192.168.10.2', 'staying@192.168.10.2']);
    expect(dialogsOf(whole, 'message-dropped')).toEqual(['later@192.168.10.2', 'staying@192.168.10.2']);

    const part = detect(context(new Set([messages[0]!.id, messages[1]!.id])));
    expect(dialogsOf(part, 'contact-rewritten')).toEqual(['going@192.168.10.2']);
    expect(dialogsOf(part, 'private-contact-behind-nat')).toEqual(['going@192.168.10.2']);
    expect(part.filter((f) => f.dialog === 'going@192.168.10.2')).toEqual(whole.filter((f) => f.dialog === 'going@192.168.10.2'));
    // The other rules still look at every held message.
    expect(dialogsOf(part, 'message-dropped')).toEqual(['later@192.168.10.2', 'staying@192.168.10.2']);
  });

  it('has per-message and pair rules count, not build, the findings the counter would only count, unless detection may read them as the sender\'s doing', () => {
    const { messages, context } = held();
    const concluding = new Set(messages.map((m) => m.id));
    const asked: string[] = [];
    const counted: { rule: string; dialogs: readonly string[]; pieces: number }[] = [];
    const counter: FindingCounter = {
      countsOnly: (rule, dialog, ts, messageId) => {
        asked.push(`${rule} ${dialog} ${ts.sec} ${messageId}`);
        return dialog === 'going@192.168.10.2' || dialog === 'later@192.168.10.2';
      },
      count: (template, dialogs, pieces) => counted.push({ rule: template.rule, dialogs, pieces }),
    };
    const built = detect(context(concluding));
    const withCounter = detect(context(concluding, counter));

    // The going call's findings: pair rules (Contact and Via rewritten) and a per-message rule.
    const going = built.filter((f) => f.dialog === 'going@192.168.10.2');
    expect(going.map((f) => f.rule).sort()).toEqual(['contact-rewritten', 'private-contact-behind-nat', 'via-rewritten']);
    expect([...counted].sort((a, b) => a.rule.localeCompare(b.rule))).toEqual(
      going.map((f) => ({ rule: f.rule, dialogs: ['going@192.168.10.2'], pieces: f.evidence.length + f.moreEvidence })).sort((a, b) => a.rule.localeCompare(b.rule)),
    );
    expect(withCounter).toEqual(built.filter((f) => f.dialog !== 'going@192.168.10.2'));
    // Asked at each dialog's first evidence: the message and time each built finding cites first.
    for (const finding of going) {
      const first = finding.evidence[0]!.at[0]!;
      expect(asked).toContain(`${finding.rule} going@192.168.10.2 ${first.ts.sec} ${first.messageId}`);
    }
    // private-address-leak suspects an ALG, and pairs are held: always built, the counter not asked.
    expect(dialogsOf(withCounter, 'private-address-leak')).toEqual(['later@192.168.10.2']);
    expect(asked.filter((a) => a.startsWith('private-address-leak'))).toEqual([]);
  });
});
