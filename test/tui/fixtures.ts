/**
 * Analysis results for TUI tests: a call seen at both sides of a rewriting NAT, built from text
 * through the real parser, session, correlator and rules; and the real lab capture when present.
 */
import { existsSync } from 'node:fs';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { AnalysisSession } from '../../src/analysis/session.js';
import type { AnalysisResult } from '../../src/analysis/types.js';
import type { SipMessage } from '../../src/sip/types.js';
import { INSIDE, OUTSIDE, TwoPoints, ack, invite } from '../correlate/helpers.js';
import { projectCapture } from '../helpers/paths.js';

export const PHONE = '192.168.10.2:5060';
export const NAT = '203.0.113.1:5060';
export const PROVIDER = '203.0.113.10:5060';
const NO_SIDES = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };

/** A crafted header: retitles the window, clears the screen and rings the bell on a naive terminal. */
export const HOSTILE_HEADER = 'X-Note: \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u0007';

function withHeader(text: string, header: string): string {
  return text.replace('Max-Forwards: 70', `Max-Forwards: 70\n${header}`);
}

function ok(host: string): string {
  return `
    SIP/2.0 200 OK
    Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK776asdhds;rport
    From: <sip:alice@${host}>;tag=1928301774
    To: <sip:bob@203.0.113.10>;tag=a6c85cf
    Call-ID: a84b4c76e66710@192.168.10.2
    CSeq: 1 INVITE
    Contact: <sip:bob@203.0.113.10:5060>
    Content-Length: 0
  `;
}

function register(host: string): string {
  return `
    REGISTER sip:203.0.113.10 SIP/2.0
    Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bKreg1;rport
    Max-Forwards: 70
    From: <sip:carol@203.0.113.10>;tag=reg77
    To: <sip:carol@203.0.113.10>
    Call-ID: reg-1@phone
    CSeq: 1 REGISTER
    Contact: <sip:carol@${host}:5060>
    Expires: 3600
    Content-Length: 0
  `;
}

function conclude(messages: SipMessage[]): AnalysisResult {
  const session = new AnalysisSession(NO_SIDES);
  const ordered = [...messages].sort((a, b) => a.origin.ts.sec - b.origin.ts.sec || a.origin.ts.nsec - b.origin.ts.nsec);
  for (const msg of ordered) session.onMessage(msg);
  return session.result(true);
}

/**
 * A REGISTER seen inside only, then a call through an ALG: INVITE (sent twice), 200 OK, and an ACK
 * that never reached the outside. Every INVITE carries HOSTILE_HEADER.
 */
export function algCall(): AnalysisResult {
  const w = new TwoPoints();
  const inviteInside = withHeader(invite('192.168.10.2'), HOSTILE_HEADER);
  const inviteOutside = withHeader(invite('203.0.113.1'), HOSTILE_HEADER);
  return conclude([
    w.at(INSIDE, register('192.168.10.2'), PHONE, PROVIDER, 0),
    w.at(INSIDE, inviteInside, PHONE, PROVIDER, 1),
    w.at(OUTSIDE, inviteOutside, NAT, PROVIDER, 1.001),
    w.at(INSIDE, inviteInside, PHONE, PROVIDER, 1.5),
    w.at(OUTSIDE, inviteOutside, NAT, PROVIDER, 1.501),
    w.at(OUTSIDE, ok('203.0.113.1'), PROVIDER, NAT, 1.8),
    w.at(INSIDE, ok('192.168.10.2'), PROVIDER, PHONE, 1.801),
    w.at(INSIDE, ack('192.168.10.2'), PHONE, PROVIDER, 1.9),
  ]);
}

export const LAB_INSIDE = projectCapture('lab/udp-call-alg/inside.pcap');
export const LAB_OUTSIDE = projectCapture('lab/udp-call-alg/outside.pcap');
export const haveLabCapture = existsSync(LAB_INSIDE) && existsSync(LAB_OUTSIDE);
export const noLabCaptureReason = `lab capture not found at ${LAB_INSIDE} (captures/lab/lab.sh makes it)`;

export function labCall(): Promise<AnalysisResult> {
  return analyzeCaptures({ files: [LAB_INSIDE, LAB_OUTSIDE], sides: { ...NO_SIDES, insideFiles: [LAB_INSIDE], outsideFiles: [LAB_OUTSIDE] } });
}
