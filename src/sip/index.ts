/**
 * SIP stage entry point: framing, parsing and the small helpers later stages use.
 */
import type { SipMessage } from './types.js';

export type * from './types.js';
export { SipFramer, type SipSink, type SipFramerOptions } from './framer.js';
export { parseSipMessage, parsedAgain, sameBytes, memoSlot, memoized, recall, remember, keepParsedViews, type MemoSlot } from './message.js';
export { looksLikeSip, findStartLine, KNOWN_METHODS } from './detect.js';
export { parseSdp } from './sdp.js';
export { headerValues, canonicalHeaderName } from './headers.js';
export { hostPort, parseUri, parseNameAddr } from './uri.js';
export { spanToFrames, sliceSegments, type FramePosition } from './origin.js';

export function isRequest(msg: SipMessage): msg is SipMessage & { kind: 'request'; method: string; requestUriText: string } {
  return msg.kind === 'request';
}

export function isResponse(msg: SipMessage): msg is SipMessage & { kind: 'response'; status: number; reason: string } {
  return msg.kind === 'response';
}
