import { describe, expect, it } from 'vitest';
import { SipFramer } from '../../src/sip/framer.js';
import { spanToFrames } from '../../src/sip/origin.js';
import type { SipFramingProblem, SipKeepalive, SipMessage } from '../../src/sip/types.js';
import type { TcpGap } from '../../src/decode/types.js';
import { at, bytes, crlf, point, tcpChunk, udpPayload } from './helpers.js';

function collect() {
  const messages: SipMessage[] = [];
  const keepalives: SipKeepalive[] = [];
  const problems: SipFramingProblem[] = [];
  return { messages, keepalives, problems, sink: { onMessage: (m: SipMessage) => messages.push(m), onKeepalive: (k: SipKeepalive) => keepalives.push(k), onProblem: (p: SipFramingProblem) => problems.push(p) } };
}

const SDP = crlf('v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n');
const INVITE = crlf(`INVITE sip:bob@10.0.0.2 SIP/2.0
Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1
Call-ID: tcp-1
CSeq: 1 INVITE
Content-Type: application/sdp
Content-Length: ${SDP.length}

`) + SDP;
const OK = crlf(`SIP/2.0 200 OK
Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1
Call-ID: tcp-1
CSeq: 1 INVITE
Content-Length: 0

`);

describe('SipFramer over UDP', () => {
  it('one datagram is one message with its origin', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    expect(framer.onPayload(udpPayload(bytes(OK), 3))).toBe(true);
    expect(framer.onPayload(udpPayload(bytes(INVITE), 4))).toBe(true);
    expect(c.messages.map((m) => [m.id, m.kind, m.origin.frames])).toEqual([[1, 'response', [3]], [2, 'request', [4]]]);
    expect(c.messages[1].origin).toMatchObject({ transport: 'udp', ttl: 64, ts: { sec: 1700000004, nsec: 0 }, src: { ip: '192.0.2.1', port: 5060 } });
    expect(c.messages[1].sdp!.media[0].port).toBe(4000);
  });

  it('message ids can come from an allocator shared between framers', () => {
    const c = collect();
    let next = 100;
    const allocateId = () => next++;
    const lan = new SipFramer(c.sink, { allocateId });
    const wan = new SipFramer(c.sink, { allocateId });
    lan.onPayload(udpPayload(bytes(OK), 1));
    wan.onPayload(udpPayload(bytes(OK), 1));
    lan.onPayload(udpPayload(bytes('\r\n'), 2));
    lan.onPayload(udpPayload(bytes(OK), 3));
    expect(c.messages.map((m) => m.id)).toEqual([100, 101, 102]);
  });

  it('hands back RTP and other non-SIP payloads without touching the sink', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    const rtp = new Uint8Array(172);
    rtp[0] = 0x80;
    expect(framer.onPayload(udpPayload(rtp))).toBe(false);
    expect(framer.onPayload(udpPayload(bytes('HTTP/1.1 200 OK\r\n\r\n')))).toBe(false);
    expect(framer.onPayload(udpPayload(new Uint8Array(0)))).toBe(false);
    expect(framer.onPayload(udpPayload(bytes('\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n')))).toBe(false);
    expect([c.messages.length, c.keepalives.length, c.problems.length]).toEqual([0, 0, 0]);
  });

  it('declines every datagram whose first byte mayTakeDatagram rules out, SIP after it or not', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    const ruledOut: number[] = [];
    for (let first = 0; first < 256; first++) {
      if (framer.mayTakeDatagram(first)) continue;
      ruledOut.push(first);
      for (const rest of [OK, '\r\n', '']) expect(framer.onPayload(udpPayload(Uint8Array.from([first, ...bytes(rest)])))).toBe(false);
    }
    // RTP and RTCP (version 2) start with 0x80-0xbf: every one of those is ruled out.
    expect(ruledOut).toEqual(expect.arrayContaining(Array.from({ length: 64 }, (_, i) => 0x80 + i)));
    expect(framer.mayTakeDatagram(0x49) && framer.mayTakeDatagram(0x0d) && framer.mayTakeDatagram(0x00)).toBe(true);
    expect([c.messages.length, c.keepalives.length, c.problems.length]).toEqual([0, 0, 0]);
  });

  it('keepalives: ping, pong and altered', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    for (const text of ['\r\n\r\n', '\r\n', '\0\0\0\0', '\r\n\r\n\0', ' ', '\n']) expect(framer.onPayload(udpPayload(bytes(text), 9))).toBe(true);
    expect(c.keepalives.map((k) => k.kind)).toEqual(['ping', 'pong', 'altered', 'altered', 'altered', 'altered']);
    expect(Array.from(c.keepalives[2].bytes)).toEqual([0, 0, 0, 0]);
    expect(c.keepalives[0].origin.frames).toEqual([9]);
  });

  it('junk before the start line is still SIP', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    expect(framer.onPayload(udpPayload(bytes(`DB${OK}`)))).toBe(true);
    expect(c.messages[0].defects.map((d) => d.code)).toEqual(['junk-before-start-line']);
  });

  it('keeps bytes after the callback returns (payload data is reused by the reader)', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    const reader = Buffer.from('xx\r\n\r\nINVITE sip:a@b SIP/2.0\r\n\r\n', 'latin1');
    framer.onPayload(udpPayload(reader.subarray(2, 6)));
    framer.onPayload(udpPayload(reader.subarray(6)));
    reader.fill(0x41);
    expect(Array.from(c.keepalives[0].bytes)).toEqual([13, 10, 13, 10]);
    expect(at(c.messages[0].raw, c.messages[0].startLineSpan)).toBe('INVITE sip:a@b SIP/2.0');
  });
});

function feedChunks(framer: SipFramer, stream: string, cuts: number[], firstFrame = 10): void {
  const all = bytes(stream);
  let prev = 0;
  let frame = firstFrame;
  for (const cut of [...cuts, all.length]) {
    if (cut > prev) framer.onPayload(tcpChunk(all.subarray(prev, cut), prev, frame++));
    prev = cut;
  }
}

describe('SipFramer over TCP', () => {
  it('several messages and keepalives in one chunk', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    expect(framer.onPayload(tcpChunk(bytes(`${INVITE}\r\n\r\n${OK}\r\n${OK}`), 0, 5))).toBe(true);
    expect(c.messages.map((m) => m.kind)).toEqual(['request', 'response', 'response']);
    expect(c.keepalives.map((k) => k.kind)).toEqual(['ping', 'pong']);
    expect(c.problems).toEqual([]);
    expect(c.messages[0].defects).toEqual([]);
    expect(c.messages[1].origin.segments).toEqual([{ frameNumber: 5, frameOffset: 54 + INVITE.length + 4, payloadOffset: 0, length: OK.length }]);
  });

  it('split at every byte position gives the same messages, mapped to the right frames', () => {
    const stream = INVITE + OK;
    for (let cut = 1; cut < stream.length; cut++) {
      const c = collect();
      const framer = new SipFramer(c.sink);
      feedChunks(framer, stream, [cut]);
      framer.finish();
      expect(c.problems).toEqual([]);
      expect(c.messages.map((m) => Buffer.from(m.raw).toString('latin1'))).toEqual([INVITE, OK]);
      expect(c.messages.every((m) => m.defects.length === 0)).toBe(true);
      const [invite, ok] = c.messages;
      if (cut < INVITE.length) {
        expect(invite.origin.frames).toEqual([10, 11]);
        expect(invite.origin.segments).toEqual([
          { frameNumber: 10, frameOffset: 54, payloadOffset: 0, length: cut },
          { frameNumber: 11, frameOffset: 54, payloadOffset: cut, length: INVITE.length - cut },
        ]);
        expect(ok.origin.frames).toEqual([11]);
        expect(ok.origin.ts.sec).toBe(1700000011);
      } else {
        expect(invite.origin.frames).toEqual([10]);
        expect(ok.origin.frames).toEqual(cut === INVITE.length ? [11] : [10, 11]);
      }
    }
  });

  it('split into three chunks at many positions', () => {
    const stream = `${OK}\r\n\r\n${INVITE}${OK}`;
    for (let a = 1; a < stream.length; a += 7) {
      for (let b = a + 1; b < stream.length; b += 11) {
        const c = collect();
        const framer = new SipFramer(c.sink);
        feedChunks(framer, stream, [a, b]);
        framer.finish();
        expect(c.messages.map((m) => m.raw.length)).toEqual([OK.length, INVITE.length, OK.length]);
        expect(c.problems).toEqual([]);
      }
    }
  });

  it('a gap discards the partial message and resyncs at the next start line', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    const first = bytes(INVITE.slice(0, 60));
    framer.onPayload(tcpChunk(first, 0, 1));
    const gap: TcpGap = { point, streamId: 's1', src: { ip: '192.0.2.1', port: 40000 }, dst: { ip: '192.0.2.2', port: 5060 }, streamOffset: 60, length: 100, frameNumber: 2, ts: { sec: 1, nsec: 0 } };
    framer.gap('s1', gap);
    expect(c.problems.map((p) => [p.code, p.origin.frames, p.offset])).toEqual([['tcp-gap-partial-message', [1], 0]]);
    // The stream resumes in the middle of the INVITE body, then a 200 OK follows.
    const rest = bytes(INVITE.slice(160) + OK);
    framer.onPayload(tcpChunk(rest, 160, 3));
    expect(c.messages.map((m) => m.status)).toEqual([200]);
    expect(c.problems.map((p) => p.code)).toEqual(['tcp-gap-partial-message', 'tcp-resync-skipped']);
    expect(c.problems[1].offset).toBe(160);
    expect(c.problems[1].origin.segments[0].length).toBe(INVITE.length - 160);
    expect(c.messages[0].origin.segments[0].frameOffset).toBe(54 + INVITE.length - 160);
  });

  it('a gap between messages is reported and nothing is discarded', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(OK), 0, 1));
    framer.gap('s1', { point, streamId: 's1', src: { ip: '192.0.2.1', port: 40000 }, dst: { ip: '192.0.2.2', port: 5060 }, streamOffset: OK.length, length: 10, frameNumber: 2, ts: { sec: 5, nsec: 0 } });
    framer.onPayload(tcpChunk(bytes(OK), OK.length + 10, 3));
    expect(c.messages).toHaveLength(2);
    expect(c.problems.map((p) => [p.code, p.origin.ts.sec])).toEqual([['tcp-gap', 5]]);
  });

  it('a jump in stream offsets without a gap call is treated like a gap', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(INVITE.slice(0, 50)), 0, 1));
    framer.onPayload(tcpChunk(bytes(OK), 500, 2));
    expect(c.problems.map((p) => p.code)).toEqual(['tcp-discontinuity']);
    expect(c.messages.map((m) => m.status)).toEqual([200]);
  });

  it('streams are kept apart', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    const a = bytes(INVITE);
    const b = bytes(OK);
    framer.onPayload(tcpChunk(a.subarray(0, 100), 0, 1, 'A'));
    framer.onPayload(tcpChunk(b.subarray(0, 30), 0, 2, 'B'));
    framer.onPayload(tcpChunk(a.subarray(100), 100, 3, 'A'));
    framer.onPayload(tcpChunk(b.subarray(30), 30, 4, 'B'));
    expect(c.messages.map((m) => [m.kind, m.origin.frames])).toEqual([['request', [1, 3]], ['response', [2, 4]]]);
  });

  it('a message as large as the stream buffer is still framed', () => {
    const c = collect();
    const framer = new SipFramer(c.sink, { maxStreamBuffer: 300, maxHeaderBlock: 300 });
    const big = crlf(`INVITE sip:x SIP/2.0\nContent-Length: 250\n\n`) + 'x'.repeat(250);
    expect(big.length).toBeLessThanOrEqual(300);
    feedChunks(framer, big + OK, [100, 200, 280]);
    expect(c.problems).toEqual([]);
    expect(c.messages.map((m) => [m.method ?? m.status, m.body.length])).toEqual([['INVITE', 250], [200, 0]]);
  });

  it('a Content-Length beyond the stream buffer is not waited for: problem, then one merged skip', () => {
    const c = collect();
    const framer = new SipFramer(c.sink, { maxStreamBuffer: 300, maxHeaderBlock: 300 });
    const head = crlf(`INVITE sip:x SIP/2.0\nContent-Length: 5000\n\n`);
    feedChunks(framer, head + 'y'.repeat(100), [head.length + 40]);
    for (let k = 0; k < 10; k++) framer.onPayload(tcpChunk(bytes('z'.repeat(490)), head.length + 100 + k * 490, 20 + k));
    framer.onPayload(tcpChunk(bytes(`\r\n${OK}`), head.length + 100 + 4900, 30));
    expect(c.messages.map((m) => [m.method ?? m.status, m.body.length, m.defects.map((d) => d.code)])).toEqual([
      ['INVITE', 40, ['content-length-mismatch']],
      [200, 0, []],
    ]);
    expect(c.problems.map((p) => p.code)).toEqual(['tcp-content-length-too-large', 'tcp-resync-skipped']);
    expect(c.problems[1].message).toBe('4962 stream bytes skipped while looking for the next SIP start line (frames 11-30)');
    expect(c.problems[1].offset).toBe(head.length + 40);
  });

  it('a header block that never ends is dropped', () => {
    const c = collect();
    const framer = new SipFramer(c.sink, { maxHeaderBlock: 200 });
    feedChunks(framer, `OPTIONS sip:x SIP/2.0\r\n${'X-Pad: 0123456789\r\n'.repeat(20)}`, [50, 150]);
    expect(c.problems.map((p) => p.code)).toEqual(['tcp-header-block-too-large']);
    expect(c.messages).toEqual([]);
  });

  it('missing Content-Length: the body runs to the next start line', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(`MESSAGE sip:x SIP/2.0\r\nCall-ID: m\r\n\r\nhello${OK}`), 0, 1));
    expect(c.messages.map((m) => Buffer.from(m.body).toString())).toEqual(['hello', '']);
    expect(c.messages[0].defects.map((d) => d.code)).toEqual(['missing-content-length']);
  });

  it('stream end flushes a message cut short, and reports a cut header', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(INVITE.slice(0, -10)), 0, 1));
    expect(c.messages).toEqual([]);
    framer.endStream('s1');
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0].defects.map((d) => d.code)).toEqual(['content-length-mismatch']);
    expect(c.messages[0].body.length).toBe(SDP.length - 10);

    framer.onPayload(tcpChunk(bytes('OPTIONS sip:x SIP/2.0\r\nCall-'), 0, 2, 's2'));
    framer.finish();
    expect(c.problems.map((p) => p.code)).toEqual(['tcp-incomplete-at-end']);
  });

  it('a stream without SIP is handed back and not tracked', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    expect(framer.onPayload(tcpChunk(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 0, 1, 'http'))).toBe(false);
    expect(framer.onPayload(tcpChunk(Uint8Array.of(0x16, 3, 1, 0, 5), 0, 1, 'tls'))).toBe(false);
    framer.finish();
    expect([c.messages.length, c.keepalives.length, c.problems.length]).toEqual([0, 0, 0]);
  });

  it('a capture that starts mid-stream skips to the first start line', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    expect(framer.onPayload(tcpChunk(bytes(`a=rtpmap:0 PCMU/8000\r\n${OK}`), 1000, 1))).toBe(true);
    expect(c.problems.map((p) => [p.code, p.offset, p.origin.segments[0].length])).toEqual([['tcp-skipped-before-first-message', 1000, 22]]);
    expect(c.messages).toHaveLength(1);
  });

  it('keepalives: before the first message, split pongs, and altered runs', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    feedChunks(framer, `\r\n\r\n${OK}\r\n`, [4]);
    framer.onPayload(tcpChunk(bytes('\r\n'), 4 + OK.length + 2, 20));
    framer.onPayload(tcpChunk(bytes('\r\n\0 '), 4 + OK.length + 4, 21));
    expect(c.keepalives.map((k) => [k.kind, k.origin.frames])).toEqual([['ping', [10]], ['pong', [11]], ['pong', [20]], ['altered', [21]]]);
    expect(c.messages).toHaveLength(1);
  });

  it('a long run of NUL bytes between messages is junk, not a keepalive', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(`${OK}${'\0'.repeat(40)}${OK}`), 0, 1));
    expect(c.messages).toHaveLength(2);
    expect(c.keepalives).toEqual([]);
    expect(c.problems.map((p) => p.message)).toEqual(['40 stream bytes skipped while looking for the next SIP start line']);
  });

  it('junk between messages is skipped and reported', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    framer.onPayload(tcpChunk(bytes(`${OK}garbage here\r\n${OK}`), 0, 1));
    expect(c.messages).toHaveLength(2);
    expect(c.problems.map((p) => [p.code, p.origin.segments[0].length])).toEqual([['tcp-resync-skipped', 14]]);
  });

  it('spanToFrames maps a span that crosses two segments', () => {
    const c = collect();
    const framer = new SipFramer(c.sink);
    feedChunks(framer, OK, [30]);
    const msg = c.messages[0];
    const via = msg.vias[0];
    expect(at(msg.raw, via.span)).toBe('SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1');
    expect(spanToFrames(msg.origin, via.span)).toEqual([
      { frameNumber: 10, frameOffset: 54 + via.span.offset, length: 30 - via.span.offset },
      { frameNumber: 11, frameOffset: 54, length: via.span.length - (30 - via.span.offset) },
    ]);
    expect(spanToFrames(msg.origin, msg.startLineSpan)).toEqual([{ frameNumber: 10, frameOffset: 54, length: 14 }]);
  });
});
