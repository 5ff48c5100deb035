/**
 * What an SDP body promises about media: for each m= line, where its sender wants RTP and RTCP,
 * in which direction, with which payload types and clock rates.
 */
import type { Timestamp } from '../capture/types.js';
import { formatIPv6 } from '../decode/addresses.js';
import type { Endpoint } from '../decode/types.js';
import type { SdpSession } from '../sip/types.js';
import type { Party, PayloadTypeInfo, SdpMediaEndpoint } from './types.js';

/** RFC 3551 static payload types: encoding name and RTP clock rate. */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { encoding: string; clockRate: number }> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000 }],
  [2, { encoding: 'G721', clockRate: 8000 }],
  [3, { encoding: 'GSM', clockRate: 8000 }],
  [4, { encoding: 'G723', clockRate: 8000 }],
  [5, { encoding: 'DVI4', clockRate: 8000 }],
  [6, { encoding: 'DVI4', clockRate: 16000 }],
  [7, { encoding: 'LPC', clockRate: 8000 }],
  [8, { encoding: 'PCMA', clockRate: 8000 }],
  // G.722 samples at 16 kHz but its RTP clock is 8000 (RFC 3551 4.5.2).
  [9, { encoding: 'G722', clockRate: 8000 }],
  [10, { encoding: 'L16', clockRate: 44100 }],
  [11, { encoding: 'L16', clockRate: 44100 }],
  [12, { encoding: 'QCELP', clockRate: 8000 }],
  [13, { encoding: 'CN', clockRate: 8000 }],
  [14, { encoding: 'MPA', clockRate: 90000 }],
  [15, { encoding: 'G728', clockRate: 8000 }],
  [16, { encoding: 'DVI4', clockRate: 11025 }],
  [17, { encoding: 'DVI4', clockRate: 22050 }],
  [18, { encoding: 'G729', clockRate: 8000 }],
  [25, { encoding: 'CelB', clockRate: 90000 }],
  [26, { encoding: 'JPEG', clockRate: 90000 }],
  [28, { encoding: 'nv', clockRate: 90000 }],
  [31, { encoding: 'H261', clockRate: 90000 }],
  [32, { encoding: 'MPV', clockRate: 90000 }],
  [33, { encoding: 'MP2T', clockRate: 90000 }],
  [34, { encoding: 'H263', clockRate: 90000 }],
]);

/** Clock rate of a static payload type, if it has one. */
export function staticClockRate(pt: number): number | undefined {
  return STATIC_PAYLOAD_TYPES.get(pt)?.clockRate;
}

/** Where a message carrying SDP sits in the dialog, for SdpMediaEndpoint provenance. */
export interface SdpSource {
  party: Party;
  messageId: number;
  frame: number;
  ts: Timestamp;
}

/** m= lines considered per SDP: a hostile body must not make every dialog claim thousands of ports. */
const MAX_MEDIA_LINES = 64;

/** One SdpMediaEndpoint per m= line of the session (index = m= line index), the first MAX_MEDIA_LINES. */
export function mediaEndpoints(sdp: SdpSession, source: SdpSource): SdpMediaEndpoint[] {
  const rtpmaps = rtpmapsByMedia(sdp);
  return sdp.media.slice(0, MAX_MEDIA_LINES).map((m, index) => {
    const connection = m.connection ?? sdp.connection;
    const ip = connection ? normalizeAddress(connection.address) : '';
    const port = m.port;
    const rtp: Endpoint = { ip, port: Math.max(port, 0) };
    const rtcp: Endpoint = m.rtcpMux
      ? rtp
      : { ip: m.rtcpAddress !== undefined ? normalizeAddress(m.rtcpAddress) : ip, port: m.rtcpPort ?? (port > 0 ? port + 1 : 0) };
    return {
      party: source.party,
      mediaIndex: index,
      mediaType: m.type,
      protocol: m.protocol,
      rtp,
      rtcp,
      rtcpMux: m.rtcpMux,
      direction: m.direction ?? sdp.direction ?? 'sendrecv',
      disabled: port <= 0 || ip === '' || isUnspecified(ip),
      payloadTypes: payloadTypes(m.formats, rtpmaps.get(index)),
      messageId: source.messageId,
      frame: source.frame,
      ts: source.ts,
    };
  });
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/** a=rtpmap:<pt> <encoding>/<clock>[/<channels>] per m= line index. */
function rtpmapsByMedia(sdp: SdpSession): Map<number, Map<number, { encoding: string; clockRate?: number }>> {
  const out = new Map<number, Map<number, { encoding: string; clockRate?: number }>>();
  for (const line of sdp.lines) {
    if (line.type !== 'a' || line.mediaIndex < 0 || line.mediaIndex >= MAX_MEDIA_LINES || !line.value.startsWith('rtpmap:')) continue;
    const match = /^rtpmap:(\d{1,3})\s+([^/\s]+)(?:\/(\d{1,9}))?/.exec(line.value);
    if (!match) continue;
    let map = out.get(line.mediaIndex);
    if (!map) out.set(line.mediaIndex, (map = new Map()));
    const clockRate = match[3] === undefined ? undefined : Number(match[3]);
    map.set(Number(match[1]), { encoding: match[2]!, clockRate: clockRate && clockRate > 0 ? clockRate : undefined });
  }
  return out;
}

function payloadTypes(formats: string, rtpmap: Map<number, { encoding: string; clockRate?: number }> | undefined): PayloadTypeInfo[] {
  const out: PayloadTypeInfo[] = [];
  for (const token of formats.split(/\s+/)) {
    if (!/^\d{1,3}$/.test(token)) continue; // non-RTP formats (t38, *) have no payload type
    const pt = Number(token);
    if (pt > 127) continue;
    const mapped = rtpmap?.get(pt);
    const known = STATIC_PAYLOAD_TYPES.get(pt);
    const info: PayloadTypeInfo = { pt };
    const encoding = mapped?.encoding ?? known?.encoding;
    const clockRate = mapped?.clockRate ?? known?.clockRate;
    if (encoding !== undefined) info.encoding = encoding;
    if (clockRate !== undefined) info.clockRate = clockRate;
    out.push(info);
  }
  return out;
}

/**
 * Address text as the decode stage writes it, so SDP and packet addresses compare as strings:
 * IPv6 in RFC 5952 form, IPv4 without a multicast TTL suffix. Host names are kept (lower case).
 */
export function normalizeAddress(text: string): string {
  let address = text.trim().replace(/(\/\d+){1,2}$/, '');
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  if (address.includes(':')) {
    const bytes = parseIPv6(address);
    return bytes ? formatIPv6(bytes, 0) : address.toLowerCase();
  }
  return address.toLowerCase();
}

/** The 16 bytes of an IPv6 address in text form (with "::" and a trailing dotted quad), or undefined. */
function parseIPv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const quad = piece.split('.');
        if (quad.length !== 4 || !quad.every((q) => /^\d{1,3}$/.test(q) && Number(q) <= 255)) return undefined;
        out.push((Number(quad[0]) << 8) | Number(quad[1]), (Number(quad[2]) << 8) | Number(quad[3]));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}
