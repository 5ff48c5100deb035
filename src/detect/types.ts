/**
 * Detection stage: one rule module per ALG signature (ids from the shared catalogue, stable: they are
 * the tool's interface), each producing findings that cite their evidence; then one verdict.
 */
import type { Timestamp } from '../capture/types.js';
import type { Correlation, Side } from '../correlate/types.js';
import type { IcmpError } from '../decode/types.js';
import type { DialogAnalysis } from '../dialog/types.js';
import type { ByteSpan, SipFramingProblem, SipKeepalive, SipMessage } from '../sip/types.js';

export type RuleId =
  | 'request-uri-rewritten'
  | 'via-rewritten'
  | 'contact-rewritten'
  | 'from-to-rewritten'
  | 'callid-rewritten'
  | 'header-rewritten'
  | 'header-added'
  | 'header-removed'
  | 'sdp-origin-rewritten'
  | 'sdp-connection-rewritten'
  | 'sdp-media-port-rewritten'
  | 'sdp-attribute-rewritten'
  | 'sdp-line-added'
  | 'sdp-line-removed'
  | 'message-dropped'
  | 'nat-payload-intact'
  | 'no-address-translation'
  | 'content-length-mismatch'
  | 'private-address-leak'
  | 'sdp-origin-connection-mismatch'
  | 'signalling-address-mismatch'
  | 'private-contact-behind-nat'
  | 'pinhole-expired'
  | 'ack-timeout'
  | 'transaction-timeout'
  | 'one-way-media'
  | 'media-address-mismatch'
  | 'keepalive-mangled'
  | 'malformed-sip';

export type Verdict = 'alg-detected' | 'alg-suspected' | 'nat-without-alg' | 'no-nat' | 'inconclusive';

/**
 * What a finding says about the verdict: "alg" (proof of rewriting), "alg-suspected" (points to an
 * ALG but could have another cause), "nat" (NAT present, payload not rewritten), "no-nat", or
 * "symptom" (a failure worth showing that does not by itself say whether an ALG is to blame).
 */
export type Implication = 'alg' | 'alg-suspected' | 'nat' | 'no-nat' | 'symptom';

export type Severity = 'critical' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';

/** One place in the capture a finding points at. */
export interface EvidenceLocation {
  /** Capture point key ("file#interface"). */
  point: string;
  /** Capture file the frame is in (for the Wireshark filter). */
  source: string;
  side: Side;
  frame: number;
  ts: Timestamp;
  /** The SIP message (SipMessage.id) and the byte span of the cited field within it. */
  messageId?: number;
  span?: ByteSpan;
}

export interface Evidence {
  /** e.g. "INVITE sip:bob@203.0.113.10 (CSeq 1 INVITE)". */
  message?: string;
  callId?: string;
  /** The field, as the correlator names it ("Contact[0]", "sdp c=", "Content-Length"). */
  field?: string;
  /** Value at the inside and outside point (two-sided), or the single value seen (one-sided). */
  inside?: string;
  outside?: string;
  value?: string;
  /** Plain-language detail, e.g. "declared 312, body carries 318 bytes". */
  note?: string;
  at: EvidenceLocation[];
}

export interface Finding {
  rule: RuleId;
  title: string;
  severity: Severity;
  confidence: Confidence;
  implies: Implication;
  /** Call-ID of the dialog (as seen on the inside when two-sided); undefined for capture-wide findings. */
  dialog?: string;
  /** One line: what was found. */
  summary: string;
  /** What it means, in plain words. */
  explanation: string;
  advice: string;
  evidence: Evidence[];
  /** Evidence items left out to keep the finding readable (all counted). */
  moreEvidence: number;
}

export interface PointObservations {
  key: string;
  source: string;
  side: Side;
  messages: SipMessage[];
  keepalives: SipKeepalive[];
  framingProblems: SipFramingProblem[];
  icmpErrors: IcmpError[];
  /**
   * Of the messages an analysis of a long capture forgot, the latest each transport endpoint sent,
   * by formatEndpoint text: when a phone last kept its NAT mapping alive, after the message is gone.
   */
  forgottenSends: ReadonlyMap<string, ForgottenSend>;
}

export interface ForgottenSend {
  ts: Timestamp;
  frame: number;
  messageId: number;
}

/** Everything the rules may look at. Rules read; they never change it. */
export interface DetectionContext {
  correlation: Correlation;
  points: PointObservations[];
  dialogs: DialogAnalysis;
  /** Look up a capture point's side and source by key. */
  pointInfo(key: string): { side: Side; source: string };
  /** Any SIP message of the analysis by SipMessage.id (retransmitted copies included). */
  message(id: number): SipMessage | undefined;
  /**
   * Set when an analysis concludes part of what it holds: the ids of the messages it is about to
   * forget. Only findings citing them are kept from such a run, so rules that judge each message
   * or each matched pair on its own visit only these (a pair's two copies are forgotten together).
   */
  concluding?: ReadonlySet<number>;
  /**
   * Set with `concluding`: what the analysis will only count of what is concluded, so a rule may
   * count a dialog's finding rather than build it (see FindingCounter).
   */
  counter?: FindingCounter;
}

/**
 * An analysis lists, per rule, the findings of its earliest dialogs (by first evidence) and counts
 * the rest. A rule that judges each message or matched pair on its own asks at a dialog's first
 * evidence whether its finding would only be counted; if so, it counts the evidence instead of
 * citing it.
 */
export interface FindingCounter {
  /** Whether the finding of `rule` for the dialog with Call-ID `dialog`, first citing message `messageId` sent at `ts`, would only be counted. */
  countsOnly(rule: RuleId, dialog: string, ts: Timestamp, messageId: number): boolean;
  /**
   * Counts such findings of one template: one for each of `dialogs` (Call-IDs), citing `pieces` of
   * evidence between them.
   */
  count(template: FindingTemplate, dialogs: readonly string[], pieces: number): void;
}

/** What every finding of one kind says, whatever it cites. */
export interface FindingTemplate {
  rule: RuleId;
  title: string;
  severity: Finding['severity'];
  confidence: Finding['confidence'];
  implies: Finding['implies'];
  explanation: string;
  advice: string;
}

export interface Rule {
  id: RuleId;
  title: string;
  scope: 'two-sided' | 'one-sided' | 'timing' | 'media';
  detect(ctx: DetectionContext): Finding[];
}

export interface VerdictResult {
  verdict: Verdict;
  /** Plain-language reason, naming the findings behind it. */
  reason: string;
  /** What to capture or check next (always set for inconclusive and alg-suspected). */
  nextSteps: string[];
}
