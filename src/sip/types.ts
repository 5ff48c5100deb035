/**
 * SIP stage: frames SIP messages out of transport payloads (one per UDP datagram, Content-Length
 * framing over TCP), parses them tolerantly and keeps the byte offset of everything it parsed.
 */
import type { Timestamp } from '../capture/types.js';
import type { CapturePointRef, Endpoint, PayloadSegment, Transport } from '../decode/types.js';

/** A byte range inside SipMessage.raw. Map to frame bytes with SipOrigin.segments. */
export interface ByteSpan {
  offset: number;
  length: number;
}

export interface SipHeader {
  /** The name exactly as written (may be compact, e.g. "v"). */
  name: string;
  /** Lower-case full name ("v" becomes "via"). */
  canonical: string;
  /** Value with line folding undone (folds replaced by a single space) and outer whitespace trimmed. */
  value: string;
  /** Whole header line(s), from the name to the end of the value, without the line end. */
  span: ByteSpan;
  /** The value as written (continuation lines included). */
  valueSpan: ByteSpan;
  /** 0-based position among all header lines of the message. */
  index: number;
}

export interface SipUri {
  /** Lower-cased scheme. */
  scheme: 'sip' | 'sips' | 'tel' | string;
  /** For tel: URIs, the telephone number. */
  user?: string;
  password?: string;
  /** Host as written, without IPv6 brackets; empty for tel: and other schemes without a host. */
  host: string;
  port?: number;
  params: Record<string, string | null>;
  headers: Record<string, string>;
  /** The whole URI text as written. */
  text: string;
  /** Where the URI text is within SipMessage.raw. */
  span: ByteSpan;
  /** Where host (and port, if any) is within SipMessage.raw: the part an ALG rewrites. */
  hostPortSpan: ByteSpan;
}

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the URI (tag, expires, q, ...). */
  params: Record<string, string | null>;
  span: ByteSpan;
}

export interface ViaValue {
  /** e.g. "SIP/2.0/UDP". */
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  received?: string;
  /** null when rport is present without a value. */
  rport?: number | null;
  maddr?: string;
  params: Record<string, string | null>;
  span: ByteSpan;
  hostPortSpan: ByteSpan;
}

export interface CSeq {
  seq: number;
  method: string;
}

export interface MessageDefect {
  /** Offset inside raw. */
  offset: number;
  /** Stable code, e.g. "junk-before-start-line", "header-without-colon", "content-length-mismatch". */
  code: string;
  message: string;
}

export interface SdpLine {
  /** One-letter type, e.g. "o", "c", "m", "a". */
  type: string;
  value: string;
  /** Span of the whole line (without line end) inside SipMessage.raw. */
  span: ByteSpan;
  /** Index of the media section this line belongs to; -1 for session level. */
  mediaIndex: number;
}

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
  line: SdpLine;
}

export interface SdpMedia {
  type: string;
  /** -1 when the port field did not parse (a defect records it; line.value has it as written). */
  port: number;
  portCount?: number;
  protocol: string;
  formats: string;
  connection?: SdpConnection;
  rtcpPort?: number;
  rtcpAddress?: string;
  rtcpMux: boolean;
  /** Direction attribute of this media section itself (the session-level one is not copied here). */
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** a=candidate values, everything after "candidate:". */
  candidates: string[];
  line: SdpLine;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
  line: SdpLine;
}

export interface SdpSession {
  origin?: SdpOrigin;
  connection?: SdpConnection;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  media: SdpMedia[];
  /** Every line, in order, with offsets (for line-by-line diffs). */
  lines: SdpLine[];
  /** i= lines (FortiGate puts the original o= address there). */
  information: SdpLine[];
  defects: MessageDefect[];
}

export interface SipOrigin {
  point: CapturePointRef;
  transport: Transport;
  src: Endpoint;
  dst: Endpoint;
  ts: Timestamp;
  ttl: number;
  /** Maps raw[0..] back to frame bytes: first segment's frame is "the" frame of the message. */
  segments: PayloadSegment[];
  /** Convenience: the distinct frame numbers the message was carried in, ascending. */
  frames: number[];
}

export interface SipMessage {
  /** Sequence number of this message in the analysis (stable order of arrival). */
  id: number;
  kind: 'request' | 'response';
  method?: string;
  requestUri?: SipUri;
  /** Raw request-URI text, kept even when it did not parse. */
  requestUriText?: string;
  status?: number;
  reason?: string;
  /** "SIP/2.0" normally. */
  version: string;
  startLineSpan: ByteSpan;
  headers: SipHeader[];
  /** Content-Length as declared (undefined when absent or unparseable). */
  declaredContentLength?: number;
  /** The body actually carried (what follows the blank line in the datagram or stream). */
  body: Uint8Array;
  bodySpan: ByteSpan;
  /** Owned copy of the message bytes (start line to end of body as carried). */
  raw: Uint8Array;
  defects: MessageDefect[];
  origin: SipOrigin;

  // Parsed views of the headers that drive dialog grouping and detection.
  callId?: string;
  cseq?: CSeq;
  from?: NameAddr;
  to?: NameAddr;
  vias: ViaValue[];
  contacts: NameAddr[];
  /** true when Contact is "*". */
  contactStar: boolean;
  expires?: number;
  /** Media type of Content-Type, lower-cased, without parameters (e.g. "application/sdp"). */
  contentType?: string;
  /** SDP, from the body directly or from a multipart/mixed part. */
  sdp?: SdpSession;
}

/** A CRLF keepalive (RFC 5626 ping "\r\n\r\n" or pong "\r\n"), or something that was meant to be one. */
export interface SipKeepalive {
  origin: SipOrigin;
  kind: 'ping' | 'pong' | 'altered';
  /** The bytes exactly as seen (for keepalive-mangled). */
  bytes: Uint8Array;
}

/** Payload that looked like SIP but could not be framed or parsed as a message at all. */
export interface SipFramingProblem {
  /** The bytes concerned (segments empty when none were captured, e.g. a TCP gap). */
  origin: SipOrigin;
  /** TCP: stream offset of the first byte concerned. */
  offset: number;
  code: string;
  message: string;
}
