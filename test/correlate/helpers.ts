/**
 * Two capture points on either side of a NAT, and SIP messages seen at them, built from text with
 * the real parser. Message ids are unique across both points, as in an analysis.
 */
import type { CapturePointRef } from '../../src/decode/types.js';
import type { SipMessage } from '../../src/sip/types.js';
import { MessageIds, Wire } from '../dialog/helpers.js';

export const INSIDE: CapturePointRef = { key: 'lan.pcap#0', source: 'lan.pcap', interfaceId: 0 };
export const OUTSIDE: CapturePointRef = { key: 'wan.pcap#0', source: 'wan.pcap', interfaceId: 0 };

export class TwoPoints {
  readonly #ids = new MessageIds();
  readonly #wires = new Map<string, Wire>();

  at(point: CapturePointRef, text: string, src: string, dst: string, t: number): SipMessage {
    let wire = this.#wires.get(point.key);
    if (!wire) this.#wires.set(point.key, (wire = new Wire(point, this.#ids)));
    return wire.sip(text, src, dst, t);
  }
}

/** An INVITE as a phone at `host` writes it, with SDP. */
export function invite(host: string, options: { callId?: string; branch?: string; cseq?: number; extraVia?: string } = {}): string {
  const callId = options.callId ?? 'a84b4c76e66710@192.168.10.2';
  return `
    INVITE sip:bob@203.0.113.10 SIP/2.0
    ${options.extraVia ? `Via: SIP/2.0/UDP ${options.extraVia};branch=z9hG4bKproxy1\n` : ''}Via: SIP/2.0/UDP ${host}:5060;branch=${options.branch ?? 'z9hG4bK776asdhds'};rport
    Max-Forwards: 70
    From: <sip:alice@${host}>;tag=1928301774
    To: <sip:bob@203.0.113.10>
    Call-ID: ${callId}
    CSeq: ${options.cseq ?? 1} INVITE
    Contact: <sip:alice@${host}:5060>
    Content-Type: application/sdp
    Content-Length: *

    v=0
    o=alice 2890844526 2890844526 IN IP4 ${host}
    s=-
    c=IN IP4 ${host}
    t=0 0
    m=audio 49170 RTP/AVP 0
    a=rtpmap:0 PCMU/8000
  `;
}

export function ack(host: string): string {
  return `
    ACK sip:bob@203.0.113.10 SIP/2.0
    Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bKack1
    From: <sip:alice@${host}>;tag=1928301774
    To: <sip:bob@203.0.113.10>;tag=a6c85cf
    Call-ID: a84b4c76e66710@192.168.10.2
    CSeq: 1 ACK
    Content-Length: 0
  `;
}
