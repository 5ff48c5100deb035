/**
 * Transaction identity (RFC 3261 17.1.3 / 17.2.3) and retransmission recognition.
 */
import type { Timestamp } from '../capture/types.js';
import type { SipMessage } from '../sip/types.js';
import { sameBytes } from '../sip/index.js';
import { secondsBetween } from './time.js';
import type { Transaction, TransactionTimeout } from './types.js';

const MAGIC_COOKIE = 'z9hg4bk';

export interface TransactionId {
  /** Server-side key: branch + sent-by (host:port, default port filled in) + method (RFC 3261), or the RFC 2543 fallback. */
  key: string;
  /** Client-side key (branch + method), RFC 3261 only: matches a response whose Via sent-by changed. */
  clientKey?: string;
  branch?: string;
  rfc3261: boolean;
  sentBy: string;
}

/** Whether a branch starts with the RFC 3261 magic cookie, in any case (without lower-casing a copy per message). */
function hasMagicCookie(branch: string): boolean {
  if (branch.length < MAGIC_COOKIE.length) return false;
  for (let i = 0; i < MAGIC_COOKIE.length; i++) {
    const c = branch.charCodeAt(i);
    const lower = MAGIC_COOKIE.charCodeAt(i);
    // The cookie's letters in either case; its digits as they are.
    if (c !== lower && !(lower >= 0x61 && lower <= 0x7a && c === lower - 0x20)) return false;
  }
  return true;
}

/**
 * The transaction a message belongs to, for the given method (INVITE for an ACK to a non-2xx,
 * the CSeq method for a response). RFC 2543 peers (no magic cookie) are keyed by Call-ID, CSeq,
 * From tag and the top Via; their Request-URI takes part through the retransmission check.
 */
export function transactionId(msg: SipMessage, method: string): TransactionId {
  const via = msg.vias[0];
  const branch = via?.branch ?? undefined;
  // An absent port is the transport's default (RFC 3261 18.2.1): "host" and "host:5060" are one sent-by.
  const sentBy = via ? `${via.host.toLowerCase()}:${via.port ?? (via.transport.toUpperCase() === 'TLS' ? 5061 : 5060)}` : '';
  if (branch !== undefined && hasMagicCookie(branch)) {
    return { key: `${branch}|${sentBy}|${method}`, clientKey: `${branch}|${method}`, branch, rfc3261: true, sentBy };
  }
  const fromTag = tagOf(msg.from?.params);
  const key = `2543|${msg.callId ?? ''}|${msg.cseq?.seq ?? ''}|${method}|${fromTag}|${sentBy};branch=${branch ?? ''}`;
  return branch === undefined ? { key, rfc3261: false, sentBy } : { key, branch, rfc3261: false, sentBy };
}

/** The tag parameter of a From or To header ("" when absent). */
export function tagOf(params: Record<string, string | null> | undefined): string {
  return params?.['tag'] ?? '';
}

/**
 * Whether `copy` repeats `original`: the same bytes, or the same source, start line, CSeq, top Via
 * branch and To tag. Returns undefined when it is a different message.
 */
export function retransmissionOf(original: SipMessage, copy: SipMessage): { identical: boolean } | undefined {
  if (sameBytes(original, copy)) return { identical: true };
  const a = original.origin.src;
  const b = copy.origin.src;
  if (a.ip !== b.ip || a.port !== b.port) return undefined;
  const sameStartLine =
    original.kind === 'request'
      ? original.method === copy.method && original.requestUriText === copy.requestUriText
      : original.status === copy.status && original.reason === copy.reason;
  if (!sameStartLine) return undefined;
  if (original.cseq?.seq !== copy.cseq?.seq || original.cseq?.method !== copy.cseq?.method) return undefined;
  if (original.vias[0]?.branch !== copy.vias[0]?.branch) return undefined;
  if (tagOf(original.to?.params) !== tagOf(copy.to?.params)) return undefined;
  return { identical: false };
}

/**
 * Settles a transaction with no final response at time `now` (end of capture, or ageOut):
 * timed out once 64*T1 has passed since the first sending (Timer B for INVITE, F otherwise; an
 * INVITE that got a provisional response has no Timer B any more), else pending.
 */
export function settleTransaction(tx: Transaction, now: Timestamp, t1Seconds: number): void {
  if (tx.state === 'completed' || tx.state === 'ack-only') return;
  const elapsed = Math.max(0, secondsBetween(tx.firstTs, now));
  const timerSeconds = 64 * t1Seconds;
  const invite = tx.method === 'INVITE';
  const timerRunning = tx.request !== undefined && !(invite && tx.responses.length > 0);
  if (timerRunning && elapsed >= timerSeconds) {
    const request = tx.request!;
    const timeout: TransactionTimeout = {
      timer: invite ? 'B' : 'F',
      timerSeconds,
      retransmissions: request.retransmissionCount,
      firstToLastSendSeconds: request.retransmissionSpanSeconds,
      observedSeconds: elapsed,
    };
    tx.state = 'timed-out';
    tx.timeout = timeout;
    tx.pendingSeconds = undefined;
  } else {
    tx.state = 'pending';
    tx.pendingSeconds = elapsed;
  }
}
