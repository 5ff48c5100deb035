/**
 * Dialog stage: groups the SIP messages of each capture point into transactions and dialogs,
 * derives the media each dialog's SDP promises, and ties the RTP/RTCP actually seen to it.
 *
 * Everything here is per capture point: a message seen at two capture points is two observations
 * and belongs to two transactions and two dialogs (one per point). Cross-point matching is the
 * correlation stage's job; it finds a point's results with DialogAnalysis.point(key) and a
 * message's transaction and dialog with PointDialogs.transactionOf / dialogOf (by SipMessage.id).
 *
 * The stage is a DialogTracker (tracker.ts): onMessage(SipMessage) for every SIP message,
 * onRtpCandidate(TransportPayload) for every other UDP datagram, finish(end) at the end of a
 * capture, ageOut(now) in long live runs, then analysis(): DialogAnalysis.
 *
 * Times are capture timestamps ({sec, nsec}); durations and intervals are seconds as numbers.
 * "Party" is always relative to the dialog: the caller sent the request that created it (its From
 * tag is the dialog's fromTag), the callee is the other end.
 */
import type { Timestamp } from '../capture/types.js';
import type { CapturePointRef, Endpoint, Transport } from '../decode/types.js';
import type { SipMessage } from '../sip/types.js';

// ---------------------------------------------------------------------------------------------
// Configuration

export interface DialogConfig {
  /** RFC 3261 T1 (round-trip estimate), seconds. Timers B, F and H are 64*T1. Default 0.5. */
  t1Seconds: number;
  /** ageOut() summarizes finished dialogs whose last activity is older than this. Default 300. */
  retainFinishedSeconds: number;
  /** ageOut() also summarizes any dialog (and drops any orphan stream) idle this long. Default 7200. */
  idleSeconds: number;
  /** Retransmissions kept with times per message; more are only counted. Default 64. */
  maxRetransmissionsKept: number;
  /** Timeline entries kept per dialog (the latest; older ones are dropped and counted). Default 5000. */
  maxEntriesPerDialog: number;
  /**
   * Transactions kept per dialog: beyond this the oldest finished one is dropped and counted (a
   * registration refreshed for days must not grow without bound). Default 1000.
   */
  maxTransactionsPerDialog: number;
  /** Successful registration refreshes kept per registration (oldest dropped first). Default 1000. */
  maxRefreshesKept: number;
  /** Compact summaries kept after ageOut (oldest dropped first, counted). Default 100000. */
  maxSummaries: number;
  /** Streams that match no dialog tracked per capture point; beyond this new ones are only counted. Default 10000. */
  maxOrphanStreamsPerPoint: number;
  /** SSRCs tracked per 5-tuple stream; packets of further SSRCs are only counted. Default 16. */
  maxSsrcsPerStream: number;
  /**
   * Consecutive RTP packets (same SSRC, each sequence number one more than the last) an orphan
   * stream needs before it counts as RTP (or two RTCP packets). Streams that match a dialog's SDP
   * need none. Default 4.
   */
  rtpProbationPackets: number;
}

// ---------------------------------------------------------------------------------------------
// Messages and retransmissions

/**
 * One more sending of a message already seen: counted and timed, never stored as a new message.
 * A copy is a retransmission when its bytes are identical to the original, or when it comes
 * from the same source with the same start line, CSeq and top Via branch (and, for a response,
 * the same To tag).
 */
export interface Retransmission {
  /** SipMessage.id of the copy (the copy itself is not kept). */
  messageId: number;
  /** SipMessage.id of the original it repeats. */
  originalId: number;
  ts: Timestamp;
  /** Frame numbers that carried the copy (SipOrigin.frames). */
  frames: number[];
  /** Seconds since the previous sending of the same message (the original or a retransmission). */
  intervalSeconds: number;
  /** Byte-for-byte identical to the original; false when only start line, CSeq, branch (and To tag) matched. */
  identical: boolean;
  /** For a request: sent after its transaction already had a final response (that response was lost on the way or the sender is slow). */
  afterFinal: boolean;
}

/** A message stored once, with every later sending of it. */
export interface ObservedMessage {
  message: SipMessage;
  /** The party that sent it (see the module comment). */
  party: Party;
  /** Retransmissions in order; at most DialogConfig.maxRetransmissionsKept. */
  retransmissions: Retransmission[];
  /** All retransmissions, including any beyond the kept list. */
  retransmissionCount: number;
  /** Seconds from the original to the last retransmission; 0 when never retransmitted. */
  retransmissionSpanSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// Transactions

/**
 * completed: a final response was seen.
 * timed-out: no final response (for INVITE: no response at all) although the capture went on for
 *   Timer B/F (64*T1) after the first sending.
 * pending: no final response yet, and the capture (or the live run) has not covered 64*T1 since the
 *   first sending, or an INVITE got a provisional response (Timer B stops) and nothing final.
 * ack-only: an ACK for a 2xx whose INVITE transaction is not in the capture (an ACK is never answered).
 */
export type TransactionState = 'pending' | 'completed' | 'timed-out' | 'ack-only';

/** Why a transaction timed out: what the sender did before giving up. */
export interface TransactionTimeout {
  /** "B" for INVITE, "F" for any other method (RFC 3261 17.1). */
  timer: 'B' | 'F';
  /** 64*T1: when the client transaction gives up. */
  timerSeconds: number;
  /** Retransmissions of the request (their times and intervals are in request.retransmissions). */
  retransmissions: number;
  /** Seconds from the first sending to the last retransmission. */
  firstToLastSendSeconds: number;
  /** Seconds from the first sending to the end of the capture (or the ageOut time). */
  observedSeconds: number;
}

/**
 * A SIP transaction at one capture point.
 *
 * Key (RFC 3261 17.1.3/17.2.3): top Via branch (magic cookie "z9hG4bK") + sent-by + method, where
 * an ACK for a non-2xx final response belongs to the INVITE transaction and CANCEL is a separate
 * transaction with the same branch. Fallback for RFC 2543 peers (no magic cookie): Call-ID + CSeq +
 * From tag + top Via + Request-URI. An ACK for a 2xx (new branch) is attached to the INVITE
 * transaction of its dialog with the same CSeq number.
 */
export interface Transaction {
  /** Unique within the capture point (a reused branch gets a "#n" suffix). */
  key: string;
  point: CapturePointRef;
  /** Method of the request (from CSeq when only responses were seen). Never "ACK" unless state is ack-only. */
  method: string;
  cseq: number;
  callId: string;
  /** Top Via branch parameter, when present. */
  branch?: string;
  /** True when keyed by an RFC 3261 branch; false for the RFC 2543 fallback key. */
  rfc3261: boolean;
  /** Top Via sent-by of the request (or first response): host in lower case, ":port" (the default when absent). */
  sentBy: string;
  transport: Transport;
  /** The Dialog.id this transaction belongs to. */
  dialogId: string;
  /** False for requests carrying a To tag (in-dialog: re-INVITE, BYE, ...). */
  initial: boolean;
  /** The request; undefined when the capture holds only responses of this transaction. */
  request?: ObservedMessage;
  /** Distinct responses (by status, reason and To tag) in arrival order; repeats are retransmissions. */
  responses: ObservedMessage[];
  /** INVITE only: the ACKs (the one for a non-2xx final in this transaction, one per acknowledged 2xx). */
  acks: ObservedMessage[];
  /** INVITE: key of the CANCEL transaction that cancelled it. */
  cancelledBy?: string;
  /** CANCEL: key of the INVITE transaction it cancels, when seen. */
  cancels?: string;
  /** Requests with this key that were neither retransmissions nor a new CSeq (e.g. from another source), counted. */
  conflictingRequests: number;
  /** Responses matched only by branch and method because their Via sent-by differed from the request's. */
  sentByMismatches: number;
  state: TransactionState;
  /** First sending of the request (or the first response when the request was not seen). */
  firstTs: Timestamp;
  /** First final response. */
  finalStatus?: number;
  finalTs?: Timestamp;
  /** Seconds from the first sending of the request to the first final response. */
  responseSeconds?: number;
  /** Set when state is timed-out. */
  timeout?: TransactionTimeout;
  /** Set when state is pending after finish() or ageOut(): seconds since the first sending. */
  pendingSeconds?: number;
}

// ---------------------------------------------------------------------------------------------
// Dialogs

/** Who sent something, relative to the dialog: the caller sent the dialog-creating request. */
export type Party = 'caller' | 'callee';

export type DialogKind = 'call' | 'registration' | 'subscription' | 'options' | 'message' | 'other';

/**
 * trying: request sent, nothing beyond 100. ringing: 18x seen. answered: 2xx seen.
 * confirmed: ACK for the 2xx seen. terminated: BYE or CANCEL (or an unregistration / terminated
 * subscription). failed: final status >= 300 (Dialog.finalStatus). timed-out: the request got no
 * final response within 64*T1 (see Transaction.timeout).
 * Registrations, subscriptions and single requests (options, message, other) follow their latest
 * transaction: trying, answered (2xx), failed, timed-out, terminated.
 */
export type DialogState = 'trying' | 'ringing' | 'answered' | 'confirmed' | 'terminated' | 'failed' | 'timed-out';

/** The request that ended a dialog: BYE, CANCEL, REGISTER with expiry 0, SUBSCRIBE expiry 0, NOTIFY terminated. */
export interface Termination {
  method: string;
  by: Party;
  /** Transport source of the request at this capture point. */
  from: Endpoint;
  ts: Timestamp;
  frame: number;
  messageId: number;
  /** Final status the terminating request got (200, 481, ...), when seen. */
  status?: number;
}

/**
 * The 2xx that answered an INVITE on one leg, and what happened while it waited for its ACK.
 * A UAS retransmits the 2xx (T1 doubling up to T2) until the ACK arrives or Timer H (64*T1)
 * expires; then it usually sends BYE. A SIP ALG that breaks the ACK's routing shows exactly this.
 */
export interface AnswerInfo {
  /** SipMessage.id of the (first) 2xx. */
  messageId: number;
  ts: Timestamp;
  frame: number;
  /** Retransmissions of this 2xx (times in the transaction's response ObservedMessage). */
  retransmissions: number;
  /** Seconds from the 2xx to its last retransmission. */
  retransmissionSpanSeconds: number;
  /** The retransmissions went on for at least 64*T1 minus one T2 interval: the UAS ran Timer H out. */
  reachedTimerH: boolean;
  ackSeen: boolean;
  ackTs?: Timestamp;
  /** Seconds from the 2xx to the ACK. */
  ackDelaySeconds?: number;
  /** The first BYE of this leg when it came before any ACK was seen. */
  byeWithoutAck?: {
    by: Party;
    ts: Timestamp;
    messageId: number;
    /** Seconds from the 2xx to the BYE (about 64*T1 when the UAS gave up on the ACK). */
    secondsAfterAnswer: number;
    /** Seconds from the last 2xx retransmission to the BYE. */
    secondsAfterLastRetransmission: number;
  };
}

/** One To tag under a dialog-creating request: an early or confirmed dialog (forking gives several). */
export interface DialogLeg {
  /** The callee's tag ("" when the capture never showed one, e.g. RFC 2543 peers). */
  toTag: string;
  state: DialogState;
  /** Final status >= 300 that ended this leg's early dialog. */
  finalStatus?: number;
  /** Where the first message from the callee on this leg came from. */
  calleeEndpoint?: Endpoint;
  /** First Contact URI the callee sent on this leg (text as written). */
  calleeContact?: string;
  /** First 18x on this leg. */
  ringingTs?: Timestamp;
  answer?: AnswerInfo;
  termination?: Termination;
}

/** The payload types one SDP m= line offers, with the clock rate used for jitter. */
export interface PayloadTypeInfo {
  pt: number;
  /** Encoding name from a=rtpmap, or the RFC 3551 name for a static type. */
  encoding?: string;
  /** RTP clock rate in Hz; undefined when neither rtpmap nor the static table gives one. */
  clockRate?: number;
}

/** What one party's SDP says about one m= line: where it wants to receive, and what. */
export interface SdpMediaEndpoint {
  party: Party;
  /** m= line index within the SDP. */
  mediaIndex: number;
  /** "audio", "video", "image", ... */
  mediaType: string;
  /** "RTP/AVP", "RTP/SAVP", "udptl", ... */
  protocol: string;
  /** c= address (media level, else session level) + m= port. */
  rtp: Endpoint;
  /** a=rtcp port (and address), else RTP port + 1; the RTP endpoint itself with rtcp-mux. */
  rtcp: Endpoint;
  rtcpMux: boolean;
  /** a=sendrecv/sendonly/recvonly/inactive (media level, else session level, else sendrecv). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Port 0 (stream refused or removed) or c= 0.0.0.0 / :: (RFC 2543 hold): no media expected to it. */
  disabled: boolean;
  payloadTypes: PayloadTypeInfo[];
  /** The message that carried this SDP. */
  messageId: number;
  frame: number;
  ts: Timestamp;
}

/** One SDP body seen in a dialog (offer/answer history, including re-INVITE holds). */
export interface SdpExchange {
  messageId: number;
  ts: Timestamp;
  frame: number;
  party: Party;
  /** What carried it: "INVITE", "ACK", "UPDATE", "PRACK", or a response like "183 INVITE", "200 UPDATE". */
  carriedBy: string;
  /** Offer unless it answered an outstanding offer from the other party. */
  role: 'offer' | 'answer';
  /** The leg it belongs to: the callee's tag ("" before any tag was seen). */
  toTag: string;
  media: SdpMediaEndpoint[];
}

/**
 * One m= line of one leg: each party's current expectation and the streams matched to it.
 * Each direction's RTP goes to the receiving party's rtp endpoint; with symmetric RTP it comes
 * from the sending party's rtp endpoint.
 */
export interface MediaSession {
  /** The leg (callee's To tag); "" while no callee SDP has been seen. */
  toTag: string;
  mediaIndex: number;
  mediaType: string;
  /** Latest SDP of each party for this m= line (a re-INVITE replaces it; a failed re-INVITE restores it). */
  caller?: SdpMediaEndpoint;
  callee?: SdpMediaEndpoint;
  /** Streams (5-tuples) matched to this m= line, in order of first packet. */
  streams: MediaStream[];
}

/** Registration binding: REGISTERs with one Call-ID for one address of record. */
export interface RegistrationInfo {
  /** To URI of the REGISTER (the address of record), as written. */
  aor: string;
  /** Contact URIs of the latest REGISTER, as written ("*" for a remove-all). */
  requestedContacts: string[];
  /** Expiry the latest REGISTER asked for (Contact expires param, else Expires header). */
  requestedExpires?: number;
  /** Bindings listed in the latest 2xx: contact URI and the expiry the registrar granted. */
  granted: { contact: string; expires?: number }[];
  /**
   * Expiry granted to this UA: the expires param of the 2xx Contact that matches the REGISTER's
   * Contact (or the only Contact), else the 2xx Expires header.
   */
  grantedExpires?: number;
  /** Transport source addresses of the REGISTERs at this capture point, distinct, in order. */
  sources: Endpoint[];
  /** Via received / rport of the latest 2xx: the UA's address as the registrar saw it. */
  reflected?: { received?: string; rport?: number };
  /** Every successful (2xx) REGISTER, oldest dropped beyond DialogConfig.maxRefreshesKept. */
  refreshes: RegistrationRefresh[];
  refreshesDropped: number;
  /** 401/407 challenges received. */
  challenges: number;
  /**
   * 1 + how many times the From tag changed from one REGISTER to the next (many UAs pick a new one
   * for every REGISTER: that is why the From tag is not part of a registration's key).
   */
  fromTags: number;
}

export interface RegistrationRefresh {
  /** Time of the 2xx. */
  ts: Timestamp;
  /** The REGISTER and its 2xx. */
  requestId: number;
  responseId: number;
  frame: number;
  /** Transport source of the REGISTER. */
  src: Endpoint;
  transport: Transport;
  grantedExpires?: number;
}

export interface SubscriptionInfo {
  /** Event header of the SUBSCRIBE (or first NOTIFY). */
  event?: string;
  /** Latest Subscription-State header value of a NOTIFY. */
  subscriptionState?: string;
}

/** A timeline entry: a message (stored once) or a retransmission of one (a reference). */
export type DialogEntry =
  | { kind: 'message'; observed: ObservedMessage; transactionKey: string }
  | { kind: 'retransmission'; retransmission: Retransmission; party: Party; transactionKey: string };

/**
 * A dialog at one capture point, keyed by Call-ID + the caller's From tag. For calls, each callee
 * To tag seen in a provisional or 2xx response (or an in-dialog request) is a DialogLeg: forking
 * and early dialogs give several. A re-attempt after 401/407 (same Call-ID and From tag, no To tag)
 * is another INVITE transaction of the same dialog. Registrations are keyed by Call-ID + address
 * of record instead (see RegistrationInfo.fromTags).
 */
export interface Dialog {
  /** Unique in the analysis: "<point key>/<n>". */
  id: string;
  point: CapturePointRef;
  kind: DialogKind;
  /** Method of the first request seen (CSeq method when the first message was a response). */
  method: string;
  callId: string;
  /** The caller's From tag ("" for RFC 2543 peers). For registrations: the first REGISTER's tag. */
  fromTag: string;
  /** From / To URI text of the first message, caller's view. */
  fromUri?: string;
  toUri?: string;
  /** Transport source of the caller's first request (or destination of the first response). */
  callerEndpoint: Endpoint;
  /** False when the capture started inside the dialog (first message in-dialog or a response). */
  startedInCapture: boolean;
  state: DialogState;
  /** Latest final status >= 300 of a dialog-creating request (failed dialogs; 487 after CANCEL). */
  finalStatus?: number;
  start: Timestamp;
  /** First 2xx to a dialog-creating request. */
  answerTs?: Timestamp;
  /** When the dialog ended (termination, final failure, timeout), if it did. */
  endTs?: Timestamp;
  /** Seconds from start to answer. */
  setupSeconds?: number;
  termination?: Termination;
  /** Time of the last SIP message (media activity is in the streams). */
  lastActivity: Timestamp;
  /** Calls only (empty for other kinds). */
  legs: DialogLeg[];
  /** The dialog's transactions in order of first message (the latest DialogConfig.maxTransactionsPerDialog). */
  transactions: Transaction[];
  transactionsDropped: number;
  /**
   * Messages and retransmissions in arrival order (the latest DialogConfig.maxEntriesPerDialog;
   * retransmissions beyond maxRetransmissionsKept are only counted).
   */
  entries: DialogEntry[];
  entriesDropped: number;
  messageCount: number;
  retransmissionCount: number;
  /** SDP bodies in order. */
  sdp: SdpExchange[];
  media: MediaSession[];
  registration?: RegistrationInfo;
  subscription?: SubscriptionInfo;
}

// ---------------------------------------------------------------------------------------------
// Media

/** RFC 3550 statistics of one SSRC in one 5-tuple stream. */
export interface RtpSsrcStats {
  ssrc: number;
  packets: number;
  /** UDP payload bytes. */
  bytes: number;
  firstTs: Timestamp;
  lastTs: Timestamp;
  firstFrame: number;
  lastFrame: number;
  /** Distinct payload types in order of first use. */
  payloadTypes: number[];
  /** Clock rate (Hz) of the last payload type; null when unknown (dynamic type without rtpmap): no jitter then. */
  clockRate: number | null;
  /** First and highest extended sequence number (RFC 3550 A.1: 16-bit wrap counted in cycles). */
  baseSeq: number;
  maxExtendedSeq: number;
  /** Packets expected from the sequence numbers, summed over restarts. */
  expected: number;
  /** expected minus received; negative with duplicates, as in RFC 3550 and Wireshark. */
  lost: number;
  /** Forward sequence jumps by more than one (each a loss event, or the start of a reordering). */
  gaps: number;
  /** Packets older than the highest sequence number seen (late / reordered). */
  reordered: number;
  /** Packets repeating the highest sequence number seen. */
  duplicates: number;
  /** Jumps too large to be loss, confirmed by the next packet: the sender restarted its sequence. */
  sequenceRestarts: number;
  /** Interarrival jitter (RFC 3550 6.4.1) at the last packet, in ms; undefined when never computed. */
  jitterMs?: number;
  maxJitterMs?: number;
  meanJitterMs?: number;
  /** Largest gap between consecutive packets, in ms. */
  maxDeltaMs: number;
}

/** RTCP seen in one 5-tuple stream. */
export interface RtcpStats {
  packets: number;
  bytes: number;
  senderReports: number;
  receiverReports: number;
  /** Compound packets with BYE. */
  byes: number;
  /** SSRCs of the reporters (first packet of each compound), distinct. */
  ssrcs: number[];
  /** First report block of the latest SR/RR that had one. */
  lastReport?: {
    ts: Timestamp;
    reporterSsrc: number;
    sourceSsrc: number;
    /** Fraction lost, 0..1. */
    fractionLost: number;
    cumulativeLost: number;
    /** Interarrival jitter the reporter computed, in RTP timestamp units. */
    jitter: number;
  };
}

/** How a stream was tied to a dialog. */
export interface StreamMatch {
  dialogId: string;
  /** Leg (callee To tag) and m= line. */
  toTag: string;
  mediaIndex: number;
  /** The party that sends this stream. */
  sender: Party;
  /** Which SDP endpoint the stream hit: the RTP or the RTCP one. */
  role: 'rtp' | 'rtcp';
  /**
   * destination: the stream's destination is the receiving party's SDP endpoint.
   * source: its source is the sending party's SDP endpoint (symmetric RTP), its destination is not
   * the receiver's SDP endpoint.
   */
  by: 'destination' | 'source';
  /** The sending party's SDP endpoint (where symmetric RTP comes from); undefined if its SDP was not seen. */
  expectedSrc?: Endpoint;
  /** The receiving party's SDP endpoint. */
  expectedDst?: Endpoint;
  /**
   * Actual source vs expectedSrc: "none" (as SDP says), "port" or "address" (differs: NAT or an
   * SDP the ALG did not or wrongly rewrote), "unknown" (no SDP from the sender yet).
   */
  srcMismatch: EndpointMismatch;
  /** Actual destination vs expectedDst (set when matched by source). */
  dstMismatch: EndpointMismatch;
}

export type EndpointMismatch = 'none' | 'port' | 'address' | 'unknown';

/** Datagrams of one UDP 5-tuple at one capture point that carry RTP and/or RTCP (the first one did). */
export interface MediaStream {
  /** Unique in the analysis. */
  id: number;
  point: CapturePointRef;
  /** Actual transport addresses of the datagrams. */
  src: Endpoint;
  dst: Endpoint;
  firstTs: Timestamp;
  lastTs: Timestamp;
  firstFrame: number;
  lastFrame: number;
  /** All datagrams and UDP payload bytes of the 5-tuple. */
  packets: number;
  bytes: number;
  /** Per SSRC, in order of first packet (at most DialogConfig.maxSsrcsPerStream). */
  rtp: RtpSsrcStats[];
  /** RTP packets of SSRCs beyond the tracked ones. */
  rtpUntracked: number;
  rtcp: RtcpStats;
  /** Datagrams that are neither RTP nor RTCP (STUN, ZRTP, DTLS, keepalives) on this 5-tuple. */
  otherPackets: number;
  /** Tied to a dialog; undefined for an orphan. */
  match?: StreamMatch;
  /** Orphans only: passed DialogConfig.rtpProbationPackets (or two RTCP compounds); matched streams are always confirmed. */
  confirmed: boolean;
}

// ---------------------------------------------------------------------------------------------
// Results

/** What ageOut() keeps of a dialog it removes. */
export interface DialogSummary {
  id: string;
  pointKey: string;
  kind: DialogKind;
  method: string;
  callId: string;
  state: DialogState;
  finalStatus?: number;
  start: Timestamp;
  answerTs?: Timestamp;
  endTs?: Timestamp;
  termination?: { method: string; by: Party };
  firstFrame: number;
  lastFrame: number;
  messages: number;
  retransmissions: number;
  transactions: number;
  /** Any leg's 2xx went unacknowledged until Timer H. */
  answerTimedOut: boolean;
  media: {
    streams: number;
    rtpPackets: number;
    lost: number;
    maxJitterMs?: number;
    /** Streams whose source or destination differed from the SDP (NAT evidence). */
    mismatchedStreams: number;
  };
}

export interface MediaStats {
  /** UDP datagrams given to onRtpCandidate. */
  candidates: number;
  /** RTP / RTCP packets in streams matched to a dialog or in confirmed orphan streams. */
  rtpPackets: number;
  rtcpPackets: number;
  /** Datagrams to or from an SDP endpoint (or in a matched stream) that were neither RTP nor RTCP. */
  otherOnMediaPorts: number;
  /** RTP+RTCP packets in streams matched to a dialog / in confirmed orphan streams. */
  matchedPackets: number;
  orphanPackets: number;
  /** 5-tuples tracked (matched, orphan, or on probation). */
  streams: number;
  matchedStreams: number;
  /** Confirmed orphan streams (live and aged out). */
  orphanStreams: number;
  /** UDP datagrams that were not RTP or RTCP (incl. orphan streams that never passed probation). */
  nonRtpDatagrams: number;
  /** RTP-shaped datagrams not tracked because maxOrphanStreamsPerPoint was reached. */
  untrackedDatagrams: number;
  /** Orphan streams dropped by ageOut. */
  agedOutOrphanStreams: number;
}

export interface DialogStats {
  /** SIP messages given to onMessage (retransmissions included). */
  messages: number;
  retransmissions: number;
  /** Messages not grouped, by reason ("no-call-id", "no-cseq"). */
  skipped: Record<string, number>;
  transactions: number;
  transactionsByState: Record<TransactionState, number>;
  dialogs: number;
  dialogsByKind: Record<DialogKind, number>;
  dialogsByState: Record<DialogState, number>;
  agedOutDialogs: number;
  /** Summaries dropped beyond DialogConfig.maxSummaries. */
  summariesDropped: number;
  media: MediaStats;
}

/** Everything the stage found at one capture point. */
export interface PointDialogs {
  point: CapturePointRef;
  /** Live dialogs in order of first message. */
  dialogs: Dialog[];
  /** Transactions of the live dialogs in order of first message. */
  transactions: Transaction[];
  /** Transaction of a message (SipMessage.id), retransmitted copies included. */
  transactionOf(messageId: number): Transaction | undefined;
  /** Dialog of a message (SipMessage.id), retransmitted copies included. */
  dialogOf(messageId: number): Dialog | undefined;
  /** Confirmed streams that match no dialog. */
  orphanStreams: MediaStream[];
  /** Dialogs removed by ageOut(), in order of removal. */
  summaries: DialogSummary[];
  /**
   * The accepted registrations (2xx to REGISTER) of dialogs ageOut() removed, while they are still
   * valid: a request to such a binding can still show a NAT pinhole that closed early.
   */
  concludedRefreshes: RegistrationRefresh[];
  /** concludedRefreshes, then the accepted registrations of the live dialogs. */
  acceptedRegistrations(): RegistrationRefresh[];
}

/** The stage's result, read by correlation, detection and renderers. Read-only for them. */
export interface DialogAnalysis {
  points: PointDialogs[];
  point(key: string): PointDialogs | undefined;
  stats: DialogStats;
}
