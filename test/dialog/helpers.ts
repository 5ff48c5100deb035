/**
 * Builders for dialog-stage tests: SIP messages from hand-written text (through the real parser)
 * and RTP/RTCP datagrams from field values.
 */
import type { Timestamp } from '../../src/capture/types.js';
import type { CapturePointRef, Endpoint, TransportPayload } from '../../src/decode/types.js';
import { parseSipMessage } from '../../src/sip/index.js';
import type { SipMessage } from '../../src/sip/types.js';

export const POINT: CapturePointRef = { key: 'test.pcap#0', source: 'test.pcap', interfaceId: 0 };
/** Capture start for hand-built messages: t seconds in the helpers are relative to this. */
const EPOCH = 1_700_000_000;

export function ts(t: number): Timestamp {
  const sec = Math.floor(t);
  return { sec: EPOCH + sec, nsec: Math.round((t - sec) * 1e9) };
}

export function endpoint(text: string): Endpoint {
  const colon = text.lastIndexOf(':');
  return { ip: text.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(text.slice(colon + 1)) };
}

/** Message ids unique in one analysis, shared by every capture point's Wire. */
export class MessageIds {
  #last = 0;
  next(): number {
    return ++this.#last;
  }
}

/** Frames and message ids handed out in order, like a capture would. */
export class Wire {
  #frame = 0;
  readonly point: CapturePointRef;
  readonly #ids: MessageIds;
  constructor(point: CapturePointRef = POINT, ids = new MessageIds()) {
    this.point = point;
    this.#ids = ids;
  }

  nextFrame(): number {
    return ++this.#frame;
  }

  /**
   * A SIP message from text (lines joined with CRLF, leading indentation removed, Content-Length
   * filled in when written as "Content-Length: *"), sent from src to dst at time t.
   */
  sip(text: string, src: string, dst: string, t: number, transport: 'udp' | 'tcp' = 'udp'): SipMessage {
    const bytes = Buffer.from(sipText(text), 'latin1');
    const frame = this.nextFrame();
    const msg = parseSipMessage(
      bytes,
      {
        point: this.point,
        transport,
        src: endpoint(src),
        dst: endpoint(dst),
        ts: ts(t),
        ttl: 64,
        segments: [{ frameNumber: frame, frameOffset: 42, payloadOffset: 0, length: bytes.length }],
        frames: [frame],
      },
      this.#ids.next(),
    );
    if (!msg) throw new Error(`test message did not parse:\n${text}`);
    return msg;
  }

  /** A UDP datagram carrying `data`. */
  udp(data: Uint8Array, src: string, dst: string, t: number): TransportPayload {
    const frame = this.nextFrame();
    return {
      transport: 'udp',
      point: this.point,
      src: endpoint(src),
      dst: endpoint(dst),
      ts: ts(t),
      data,
      segments: [{ frameNumber: frame, frameOffset: 42, payloadOffset: 0, length: data.length }],
      ttl: 64,
      tunnelled: false,
    };
  }
}

/** CRLF line ends, indentation stripped, "Content-Length: *" replaced by the body's length. */
export function sipText(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n').map((l) => l.replace(/^\s+/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const body = blank < 0 ? '' : lines.slice(blank + 1).map((l) => l + '\r\n').join('');
  const headers = head.map((l) => (/^content-length:\s*\*$/i.test(l) ? `Content-Length: ${Buffer.byteLength(body, 'latin1')}` : l));
  return headers.join('\r\n') + '\r\n\r\n' + body;
}

export interface RtpFields {
  seq: number;
  timestamp: number;
  ssrc: number;
  pt?: number;
  marker?: boolean;
  payloadBytes?: number;
}

export function rtpPacket(f: RtpFields): Uint8Array {
  const data = new Uint8Array(12 + (f.payloadBytes ?? 160));
  data[0] = 0x80;
  data[1] = (f.marker ? 0x80 : 0) | (f.pt ?? 0);
  data[2] = (f.seq >> 8) & 0xff;
  data[3] = f.seq & 0xff;
  new DataView(data.buffer).setUint32(4, f.timestamp >>> 0);
  new DataView(data.buffer).setUint32(8, f.ssrc >>> 0);
  return data;
}

/** An RTCP receiver report with one report block (fraction lost as a 0..255 count). */
export function rtcpReceiverReport(reporter: number, source: number, fractionLost: number, cumulativeLost: number, jitter: number): Uint8Array {
  const data = new Uint8Array(32);
  const view = new DataView(data.buffer);
  data[0] = 0x81; // V=2, RC=1
  data[1] = 201;
  view.setUint16(2, 32 / 4 - 1);
  view.setUint32(4, reporter);
  view.setUint32(8, source);
  view.setUint32(12, (fractionLost << 24) | (cumulativeLost & 0xffffff));
  view.setUint32(16, 0); // extended highest sequence
  view.setUint32(20, jitter);
  return data;
}

/** Header values shared by a request and its responses. */
export interface SipParams {
  method: string;
  callId: string;
  fromTag?: string;
  toTag?: string;
  branch?: string;
  cseq: number;
  /** CSeq method when it differs from method (never needed except for odd tests). */
  cseqMethod?: string;
  ruri?: string;
  /** Top Via sent-by. */
  via?: string;
  from?: string;
  to?: string;
  contact?: string;
  /** Extra header lines. */
  headers?: string[];
  /** SDP body lines (see sdp()). */
  body?: string;
}

function commonHeaders(p: SipParams): string[] {
  const branch = p.branch === undefined ? '' : `;branch=${p.branch}`;
  const lines = [
    `Via: SIP/2.0/UDP ${p.via ?? '192.168.1.10:5060'}${branch}`,
    `From: <${p.from ?? 'sip:alice@example.com'}>${p.fromTag === undefined ? '' : `;tag=${p.fromTag}`}`,
    `To: <${p.to ?? 'sip:bob@example.com'}>${p.toTag === undefined ? '' : `;tag=${p.toTag}`}`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq} ${p.cseqMethod ?? p.method}`,
  ];
  if (p.contact) lines.push(`Contact: ${p.contact}`);
  lines.push(...(p.headers ?? []));
  if (p.body) lines.push('Content-Type: application/sdp');
  lines.push('Content-Length: *');
  return lines;
}

export function request(p: SipParams): string {
  const lines = [`${p.method} ${p.ruri ?? 'sip:bob@example.com'} SIP/2.0`, 'Max-Forwards: 70', ...commonHeaders(p)];
  return lines.join('\n') + '\n\n' + (p.body ?? '');
}

export function response(status: number, reason: string, p: SipParams): string {
  const lines = [`SIP/2.0 ${status} ${reason}`, ...commonHeaders(p)];
  return lines.join('\n') + '\n\n' + (p.body ?? '');
}

export interface SdpOptions {
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Payload types on the m= line; default "0 8 101". */
  formats?: string;
  /** Extra a= lines (without "a="). */
  attributes?: string[];
  media?: string;
}

export function sdp(ip: string, port: number, o: SdpOptions = {}): string {
  const lines = [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=${o.media ?? 'audio'} ${port} RTP/AVP ${o.formats ?? '0 8 101'}`,
    'a=rtpmap:101 telephone-event/8000',
    ...(o.attributes ?? []).map((a) => `a=${a}`),
  ];
  if (o.direction) lines.push(`a=${o.direction}`);
  return lines.join('\n') + '\n';
}
