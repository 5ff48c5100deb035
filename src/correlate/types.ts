/**
 * Correlation stage: decides which side of the NAT each capture point is on, finds the same SIP
 * message at an inside and an outside point (without trusting Call-ID), estimates the clock offset
 * between capture files, and diffs each matched pair field by field.
 */
import type { AddressProfile } from './sides.js';
import type { CapturePointRef } from '../decode/types.js';
import type { ByteSpan, SipMessage } from '../sip/types.js';

export type Side = 'inside' | 'outside' | 'unknown';

/** How a capture point's side was decided. */
export type SideSource = 'user-file' | 'user-interface' | 'inferred' | 'unknown';

export interface SideAssignment {
  /** Capture point keys or capture file names the user put on each side. */
  insideFiles: string[];
  outsideFiles: string[];
  /** Interface names (pcapng if_name, or "ifN" for a Linux "any" capture's interface index). */
  insideInterfaces: string[];
  outsideInterfaces: string[];
}

export interface CapturePointInfo {
  ref: CapturePointRef;
  /** Interface name from the capture (pcapng if_name), when known. */
  interfaceName?: string;
  side: Side;
  sideSource: SideSource;
  /** Plain-language reason, e.g. "inferred: SIP packets come from 192.168.10.2 (private)". */
  sideReason: string;
  sipMessages: number;
  /** Capture time covered by this point's SIP messages, in seconds since the epoch. */
  firstSeen?: number;
  lastSeen?: number;
}

export type DiffArea = 'request-line' | 'header' | 'sdp' | 'transport';

export interface DiffValue {
  text: string;
  /** Where the value sits in SipMessage.raw of that side (absent for transport fields). */
  span?: ByteSpan;
}

export interface FieldDiff {
  area: DiffArea;
  /**
   * Stable field name: "Request-URI", "Via[0].sent-by", "Via[0].received", "Contact[0]", "From", "To",
   * "Call-ID", "Content-Length", any other header name with its occurrence ("X-Foo[1]"),
   * "sdp o=", "sdp c=" / "sdp m=audio c=", "sdp m=audio port", "sdp a=rtcp", "sdp i=", "src", "dst".
   */
  field: string;
  /** Canonical header name for header diffs (lower case), SDP line type for sdp diffs. */
  key: string;
  change: 'changed' | 'added' | 'removed';
  inside?: DiffValue;
  outside?: DiffValue;
}

export interface MessagePair {
  inside: SipMessage;
  outside: SipMessage;
  /** Outside time minus inside time, after the clock offset between the two points is removed. */
  transitSeconds: number;
  /** Every field that differs, payload and transport. */
  diffs: FieldDiff[];
  /** The packet addresses or ports changed between the two points: a NAT sits between them. */
  translated: boolean;
  /**
   * The outside copy went through a SIP proxy or B2BUA between the points rather than only a NAT
   * (an extra Via hop): payload differences are then expected and are not ALG evidence.
   */
  proxied: boolean;
  /** The pair's key occurs once at each point (no retransmission to confuse): a clock offset sample. */
  soleCopies: boolean;
}

export interface DroppedMessage {
  message: SipMessage;
  seenAt: CapturePointInfo;
  missingAt: CapturePointInfo;
  /** "outbound" when it was seen inside and never outside. */
  direction: 'outbound' | 'inbound';
}

export interface ClockOffset {
  insideKey: string;
  outsideKey: string;
  /** Add to an inside timestamp to get the outside clock's time. */
  offsetSeconds: number;
  /** Matched messages the estimate is based on, and the spread (max - min) of their transit times. */
  samples: number;
  spreadSeconds: number;
}

export interface Correlation {
  points: CapturePointInfo[];
  pairs: MessagePair[];
  dropped: DroppedMessage[];
  clockOffsets: ClockOffset[];
}

/** What the correlation stage is given: every SIP message, grouped by capture point. */
export interface PointMessages {
  ref: CapturePointRef;
  interfaceName?: string;
  messages: SipMessage[];
  /**
   * Messages of this point an analysis of a large capture already concluded and no longer holds:
   * they still count for the point's message total (and, through seenAddresses and seenSpan, for
   * its side and time span).
   */
  forgotten?: PointHistory;
  /**
   * The packet addresses of every message the point has seen, held or forgotten, when the caller
   * keeps them as messages arrive (an analysis that correlates again and again); otherwise they are
   * worked out from `messages`.
   */
  seenAddresses?: AddressProfile;
  /**
   * Likewise the capture time every message the point has seen covers, held or forgotten, when the
   * caller keeps it; otherwise worked out from `messages`.
   */
  seenSpan?: TimeSpan;
}

/** From the first to the last of some times, in seconds since the epoch. */
export interface TimeSpan {
  firstSeen: number;
  lastSeen: number;
}

/** What is kept of a capture point's messages once they are forgotten. */
export interface PointHistory {
  messages: number;
}
