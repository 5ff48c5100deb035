import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../src/sip/message.js';
import { SipFramer } from '../../src/sip/framer.js';
import { looksLikeSip } from '../../src/sip/detect.js';
import type { ByteSpan, SipMessage } from '../../src/sip/types.js';
import { bytes, crlf, tcpChunk, udpOrigin, udpPayload } from './helpers.js';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDP = crlf('v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000/2 RTP/AVP 0 101\na=rtcp:4001 IN IP4 10.0.0.1\na=sendrecv\na=candidate:1 1 UDP 1 10.0.0.1 4000 typ host\n');
const SEEDS = [
  crlf(`INVITE sip:bob@[2001:db8::2]:5062;transport=udp?X=1 SIP/2.0
v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport, SIP/2.0/TCP [2001:db8::1];received=1.2.3.4;rport=9
From: "A, \\"b\\"" <sip:a:pw@h>;tag=1
t: <tel:+1555;phone-context=x>
i: cid
CSeq: 1 INVITE
m: <sip:a@10.0.0.1;lr>;expires=3, *
Subject: folded
 here
Content-Type: application/sdp
Content-Length: ${SDP.length}

`) + SDP,
  crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1
Content-Type: multipart/mixed;boundary=bb
Content-Length: 10

--bb
Content-Type: application/sdp

${SDP}
--bb--
`),
  '\r\n\r\n',
];

const MUTATION_BYTES = [0x00, 0x0a, 0x0d, 0x20, 0x09, 0x22, 0x3c, 0x3e, 0x3a, 0x3b, 0x2c, 0x5b, 0x5d, 0x40, 0x3d, 0xff, 0x1b, 0x5c];

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const out = Array.from(src);
  const edits = 1 + Math.floor(rand() * 6);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rand() * (out.length + 1));
    const b = rand() < 0.6 ? MUTATION_BYTES[Math.floor(rand() * MUTATION_BYTES.length)] : Math.floor(rand() * 256);
    switch (Math.floor(rand() * 5)) {
      case 0: out[pos] = b; break;
      case 1: out.splice(pos, 0, b); break;
      case 2: out.splice(pos, 1 + Math.floor(rand() * 8)); break;
      case 3: out.length = pos; break;
      default: out.splice(pos, 0, ...out.slice(Math.floor(rand() * out.length), Math.floor(rand() * out.length))); break;
    }
  }
  return Uint8Array.from(out);
}

function inside(msg: SipMessage, span: ByteSpan): boolean {
  return span.offset >= 0 && span.length >= 0 && span.offset + span.length <= msg.raw.length;
}

function checkSpans(msg: SipMessage): void {
  const spans: ByteSpan[] = [msg.startLineSpan, msg.bodySpan];
  for (const h of msg.headers) spans.push(h.span, h.valueSpan);
  for (const v of msg.vias) spans.push(v.span, v.hostPortSpan);
  for (const na of [msg.from, msg.to, ...msg.contacts]) if (na) spans.push(na.span, na.uri.span, na.uri.hostPortSpan);
  if (msg.requestUri) spans.push(msg.requestUri.span, msg.requestUri.hostPortSpan);
  for (const l of msg.sdp?.lines ?? []) spans.push(l.span);
  const bad = spans.filter((s) => !inside(msg, s));
  expect(bad).toEqual([]);
  const badDefects = [...msg.defects, ...(msg.sdp?.defects ?? [])].filter((d) => d.offset < 0 || d.offset > msg.raw.length);
  expect(badDefects).toEqual([]);
  const covered = msg.origin.segments.reduce((n, s) => n + s.length, 0);
  expect(covered).toBe(msg.raw.length);
}

describe('fuzz: the SIP stage never throws and keeps spans inside raw', () => {
  it('random bytes', () => {
    const rand = rng(1);
    for (let i = 0; i < 3000; i++) {
      const data = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      if (rand() < 0.5 && data.length > 0) data[0] = 0x41 + Math.floor(rand() * 26);
      looksLikeSip(data);
      const msg = parseSipMessage(data, udpOrigin(data.length), i);
      if (msg) checkSpans(msg);
    }
  });

  it('mutated messages through the parser and the UDP framer', () => {
    const rand = rng(2);
    let parsed = 0;
    const messages: SipMessage[] = [];
    const framer = new SipFramer({ onMessage: (m) => messages.push(m), onKeepalive: () => {}, onProblem: () => {} });
    for (let i = 0; i < 4000; i++) {
      const data = mutate(bytes(SEEDS[i % SEEDS.length]), rand);
      const msg = parseSipMessage(data, udpOrigin(data.length), i);
      if (msg) {
        parsed++;
        checkSpans(msg);
      }
      framer.onPayload(udpPayload(data, i + 1));
    }
    // Most mutations keep a start line: the fuzzing reached the header and body parsers.
    expect(parsed).toBeGreaterThan(2000);
    for (let i = 1; i < messages.length; i++) expect(messages[i].id).toBeGreaterThan(messages[i - 1].id);
  });

  it('mutated TCP streams cut at random places, with random gaps', () => {
    const rand = rng(3);
    for (let round = 0; round < 300; round++) {
      const messages: SipMessage[] = [];
      const framer = new SipFramer({ onMessage: (m) => messages.push(m), onKeepalive: () => {}, onProblem: () => {} }, { maxStreamBuffer: 4096, maxHeaderBlock: 2048 });
      const parts: Uint8Array[] = [];
      for (let k = 0; k < 4; k++) parts.push(rand() < 0.5 ? bytes(SEEDS[k % SEEDS.length]) : mutate(bytes(SEEDS[k % SEEDS.length]), rand));
      const stream = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
      let pos = 0;
      let frame = 1;
      while (pos < stream.length) {
        const n = 1 + Math.floor(rand() * 200);
        if (rand() < 0.05) {
          framer.gap('s1', { point: udpPayload(stream).point, streamId: 's1', src: { ip: '1.1.1.1', port: 1 }, dst: { ip: '2.2.2.2', port: 2 }, streamOffset: pos, length: n, frameNumber: frame, ts: { sec: 0, nsec: 0 } });
        } else {
          framer.onPayload(tcpChunk(stream.subarray(pos, pos + n), pos, frame++));
        }
        pos += n;
      }
      framer.finish();
      for (const m of messages) checkSpans(m);
    }
  });

  it('large hostile shapes parse to a message (bounded work per value)', () => {
    const shapes = [
      'x\r\n'.repeat(20000),
      `Contact: ${'<a>,'.repeat(12000)}\r\n`,
      `Contact: ${'nocolon,'.repeat(7000)}\r\n`,
      `Via: SIP/2.0/UDP h${';p'.repeat(25000)}\r\n`,
      `From: "${'a'.repeat(50000)}\r\n`,
      `To: ${'<'.repeat(50000)}\r\n`,
      `Route: ${'<sip:[::1'.repeat(6000)}\r\n`,
    ];
    for (const shape of shapes) {
      const data = bytes(`OPTIONS sip:x SIP/2.0\r\n${shape}\r\n`);
      const msg = parseSipMessage(data, udpOrigin(data.length), 1);
      expect(msg?.method).toBe('OPTIONS');
      checkSpans(msg!);
    }
  });
});
