import type { CapturePointRef, PayloadSegment, TransportPayload } from '../../src/decode/types.js';
import type { ByteSpan, SipOrigin } from '../../src/sip/types.js';

export const point: CapturePointRef = { key: 'test.pcap#0', source: 'test.pcap', interfaceId: 0 };

/** Bytes of a message written as text; every char is one byte (Latin-1), \n kept as written. */
export function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** CRLF line ends from a template written with \n. */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Text of a span of raw (Latin-1). */
export function at(raw: Uint8Array, span: ByteSpan): string {
  return Buffer.from(raw.subarray(span.offset, span.offset + span.length)).toString('latin1');
}

/** An origin for bytes carried in one frame at frame offset 42 (Ethernet + IPv4 + UDP). */
export function udpOrigin(length: number, frameNumber = 1): SipOrigin {
  return {
    point,
    transport: 'udp',
    src: { ip: '192.0.2.1', port: 5060 },
    dst: { ip: '192.0.2.2', port: 5060 },
    ts: { sec: 1700000000, nsec: 0 },
    ttl: 64,
    segments: [{ frameNumber, frameOffset: 42, payloadOffset: 0, length }],
    frames: [frameNumber],
  };
}

export function tcpOrigin(length: number): SipOrigin {
  return { ...udpOrigin(length), transport: 'tcp' };
}

export function udpPayload(data: Uint8Array, frameNumber = 1): TransportPayload {
  return {
    transport: 'udp',
    point,
    src: { ip: '192.0.2.1', port: 5060 },
    dst: { ip: '192.0.2.2', port: 5060 },
    ts: { sec: 1700000000 + frameNumber, nsec: 0 },
    data,
    segments: [{ frameNumber, frameOffset: 42, payloadOffset: 0, length: data.length }],
    ttl: 64,
    tunnelled: false,
  };
}

/** One TCP chunk of stream "s1": frame `frameNumber` carries data at frame offset 54. */
export function tcpChunk(data: Uint8Array, streamOffset: number, frameNumber: number, streamId = 's1'): TransportPayload {
  const segments: PayloadSegment[] = [{ frameNumber, frameOffset: 54, payloadOffset: 0, length: data.length }];
  return {
    transport: 'tcp',
    point,
    src: { ip: '192.0.2.1', port: 40000 },
    dst: { ip: '192.0.2.2', port: 5060 },
    ts: { sec: 1700000000 + frameNumber, nsec: 0 },
    data,
    segments,
    streamId,
    streamOffset,
    ttl: 64,
    tunnelled: false,
  };
}

/** The SDP offer of the RFC 3665-style INVITE the message tests parse (Alice at 192.168.1.2). */
export const ALICE_SDP = crlf(`v=0
o=alice 2890844526 2890844526 IN IP4 192.168.1.2
s=-
c=IN IP4 192.168.1.2
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
`);
