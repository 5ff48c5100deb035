/**
 * One dialog's bookkeeping: legs, state, registration and subscription details, and the media its
 * SDP promises (it is the MediaOwner the MediaTracker hands matching streams to).
 */
import type { Endpoint } from '../decode/types.js';
import type { SipMessage } from '../sip/types.js';
import { appended } from '../util/lists.js';
import type { MediaClaim, MediaOwner, MediaTracker } from './media.js';
import { clockTable, type StreamState } from './rtp.js';
import { mediaEndpoints } from './sdp.js';
import { addSeconds, copyTimestamp, isBefore, secondsBetween } from './time.js';
import { tagOf } from './transactions.js';
import type {
  AnswerInfo,
  Dialog,
  DialogConfig,
  DialogEntry,
  DialogKind,
  DialogLeg,
  DialogState,
  EndpointMismatch,
  MediaSession,
  MediaStream,
  ObservedMessage,
  Party,
  Retransmission,
  SdpMediaEndpoint,
  StreamMatch,
  Termination,
  Transaction,
} from './types.js';

const CALL_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'PRACK', 'UPDATE', 'INFO']);
/** RFC 3261 T2 in units of T1 (4 s with the default T1 of 0.5 s). */
const T2_IN_T1 = 8;

export function kindOfMethod(method: string): DialogKind {
  if (CALL_METHODS.has(method)) return 'call';
  if (method === 'REGISTER') return 'registration';
  if (method === 'SUBSCRIBE' || method === 'NOTIFY') return 'subscription';
  if (method === 'OPTIONS') return 'options';
  if (method === 'MESSAGE') return 'message';
  return 'other';
}

export function other(party: Party): Party {
  return party === 'caller' ? 'callee' : 'caller';
}

function headerValue(msg: SipMessage, canonical: string): string | undefined {
  return msg.headers.find((h) => h.canonical === canonical)?.value;
}

function parseExpires(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim().replace(/^"|"$/g, '');
  return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

function mismatch(actual: Endpoint, expected: Endpoint | undefined): EndpointMismatch {
  if (expected === undefined) return 'unknown';
  if (actual.ip !== expected.ip) return 'address';
  return actual.port === expected.port ? 'none' : 'port';
}

function frameOf(msg: SipMessage): number {
  return msg.origin.frames[0] ?? msg.origin.segments[0]?.frameNumber ?? 0;
}

/** The previous expectation of one party on one session, restored if a re-INVITE/UPDATE fails. */
interface Revert {
  session: MediaSession;
  party: Party;
  previous: SdpMediaEndpoint | undefined;
}

export class DialogRecord implements MediaOwner {
  readonly dialog: Dialog;
  readonly #config: DialogConfig;
  readonly #media: MediaTracker;
  /** Latest caller SDP per m= line (shared by every leg, and by legs created later). */
  #callerMedia: SdpMediaEndpoint[] = [];
  /** Offer made by a re-INVITE/UPDATE transaction, undone if it fails (made at the first: most dialogs have none). */
  #reverts: Map<string, Revert[]> | undefined;
  #lastRegisterFromTag: string | undefined;
  /**
   * Requests of this dialog that carried SDP: whether a response's SDP answers or offers, without
   * parsing the request's headers again (a large analysis drops the parse of older messages). A
   * list, made at the first: a dialog has one or two, and a WeakSet per dialog cost more heap.
   */
  #requestsWithSdp: ObservedMessage[] | undefined;
  /** Keys this dialog is filed under in the point's dialog index. */
  indexKeys: string[] = [];

  constructor(dialog: Dialog, config: DialogConfig, media: MediaTracker) {
    this.dialog = dialog;
    this.#config = config;
    this.#media = media;
  }

  get id(): string {
    return this.dialog.id;
  }

  /** The sending party of a message in this dialog, from its tags (or From URI for tagless RFC 2543 peers). */
  partyOf(msg: SipMessage): Party {
    const d = this.dialog;
    const fromTag = tagOf(msg.from?.params);
    const fromIsCaller = d.fromTag !== '' || fromTag !== '' ? fromTag === d.fromTag : (msg.from?.uri.text ?? '') === (d.fromUri ?? '');
    const fromSide: Party = fromIsCaller || d.kind === 'registration' ? 'caller' : 'callee';
    return msg.kind === 'request' ? fromSide : other(fromSide);
  }

  /** The callee's tag as carried by a message (To tag when the From side is the caller). */
  legTagOf(msg: SipMessage, party: Party): string {
    const fromSideIsCaller = msg.kind === 'request' ? party === 'caller' : party === 'callee';
    return fromSideIsCaller ? tagOf(msg.to?.params) : tagOf(msg.from?.params);
  }

  leg(toTag: string): DialogLeg {
    let leg = this.dialog.legs.find((l) => l.toTag === toTag);
    if (!leg) {
      leg = { toTag, state: 'trying' };
      this.dialog.legs = appended(this.dialog.legs, leg);
    }
    return leg;
  }

  addEntry(observed: ObservedMessage, transactionKey: string): void {
    const d = this.dialog;
    d.messageCount++;
    d.lastActivity = observed.message.origin.ts;
    this.#push({ kind: 'message', observed, transactionKey });
  }

  addRetransmission(retransmission: Retransmission, party: Party, transactionKey: string, kept: boolean): void {
    const d = this.dialog;
    d.retransmissionCount++;
    d.lastActivity = retransmission.ts;
    if (kept) this.#push({ kind: 'retransmission', retransmission, party, transactionKey });
    else d.entriesDropped++;
  }

  /** The timeline keeps the latest maxEntriesPerDialog entries. */
  #push(entry: DialogEntry): void {
    const d = this.dialog;
    if (d.entries.length >= this.#config.maxEntriesPerDialog) {
      d.entries.shift();
      d.entriesDropped++;
    }
    d.entries = appended(d.entries, entry);
  }

  // -------------------------------------------------------------------------------------------
  // Requests and responses (first sendings only; repeats go through onResponseRetransmission)

  onRequest(tx: Transaction, observed: ObservedMessage): void {
    const msg = observed.message;
    const party = observed.party;
    if (msg.sdp) (this.#requestsWithSdp ??= []).push(observed);
    const method = msg.method ?? '';
    const d = this.dialog;
    const legTag = this.legTagOf(msg, party);
    if (d.kind === 'call') {
      if (!tx.initial && legTag !== '') {
        const leg = this.leg(legTag);
        // An in-dialog request for a dialog whose start the capture missed: it was established.
        if (leg.state === 'trying' && !this.#sawInitialInvite()) leg.state = 'confirmed';
      }
      if (method === 'BYE') this.#onBye(msg, party, legTag);
      else if (method === 'CANCEL') this.#onCancel(msg, party);
      if (msg.sdp && (method === 'INVITE' || method === 'UPDATE' || method === 'PRACK')) {
        this.#applySdp(observed, tx, method, method === 'PRACK' && this.#hasOfferFrom(other(party)) ? 'answer' : 'offer', legTag);
      }
    } else if (d.kind === 'registration' && method === 'REGISTER') {
      this.#onRegister(msg);
    } else if (d.kind === 'subscription') {
      this.#onSubscriptionRequest(msg, party);
    }
    this.refreshState();
  }

  onResponse(tx: Transaction, observed: ObservedMessage): void {
    const msg = observed.message;
    const status = msg.status ?? 0;
    const d = this.dialog;
    const legTag = this.legTagOf(msg, observed.party);
    if (d.kind === 'call') {
      if (tx.method === 'INVITE' && tx.initial) this.#onInitialInviteResponse(msg, status, legTag);
      if (tx.method === 'INVITE' && !tx.initial && status >= 300) this.#revertOffer(tx);
      if (tx.method === 'UPDATE' && status >= 300) this.#revertOffer(tx);
      if (msg.sdp && (tx.method === 'INVITE' || tx.method === 'UPDATE' || tx.method === 'PRACK') && (status < 300 && status > 100)) {
        const answers = tx.request !== undefined && this.#requestsWithSdp !== undefined && this.#requestsWithSdp.includes(tx.request);
        this.#applySdp(observed, tx, `${status} ${tx.method}`, answers ? 'answer' : 'offer', legTag);
      }
      if (tx.method === 'BYE' || tx.method === 'CANCEL') this.#terminationStatus(tx, status);
    } else if (d.kind === 'registration' && tx.method === 'REGISTER') {
      this.#onRegisterResponse(tx, msg, status);
    } else if (d.kind === 'subscription') {
      if (tx.method === 'SUBSCRIBE' && status >= 200 && status < 300) {
        const expires = parseExpires(headerValue(msg, 'expires')) ?? parseExpires(tx.request ? headerValue(tx.request.message, 'expires') : undefined);
        if (expires === 0 && tx.request) d.termination = this.#termination(tx.request.message, 'caller');
      }
    }
    this.refreshState();
  }

  /** An ACK: for a 2xx it confirms the leg; with SDP it answers a 2xx's offer. */
  onAck(tx: Transaction | undefined, observed: ObservedMessage): void {
    const msg = observed.message;
    const legTag = this.legTagOf(msg, observed.party);
    const leg = this.dialog.legs.find((l) => l.toTag === legTag);
    const forAnswer = tx === undefined || (tx.initial && tx.finalStatus !== undefined && tx.finalStatus < 300);
    if (leg && forAnswer && leg.answer && !leg.answer.ackSeen) {
      leg.answer.ackSeen = true;
      leg.answer.ackTs = msg.origin.ts;
      leg.answer.ackDelaySeconds = secondsBetween(leg.answer.ts, msg.origin.ts);
      if (leg.state === 'answered') leg.state = 'confirmed';
    }
    if (msg.sdp) this.#applySdp(observed, tx, 'ACK', 'answer', legTag);
    this.refreshState();
  }

  /** A retransmitted 2xx to an INVITE: counted on its leg's answer (Timer H evidence). */
  onResponseRetransmission(tx: Transaction, original: ObservedMessage, retransmission: Retransmission): void {
    const msg = original.message;
    const status = msg.status ?? 0;
    if (tx.method !== 'INVITE' || status < 200 || status >= 300) return;
    const leg = this.dialog.legs.find((l) => l.toTag === this.legTagOf(msg, original.party));
    const answer = leg?.answer;
    if (!answer || answer.messageId !== msg.id) return;
    answer.retransmissions = original.retransmissionCount;
    answer.retransmissionSpanSeconds = secondsBetween(answer.ts, retransmission.ts);
    answer.reachedTimerH = answer.retransmissionSpanSeconds >= (64 - T2_IN_T1) * this.#config.t1Seconds;
  }

  #sawInitialInvite(): boolean {
    return this.dialog.transactions.some((t) => t.method === 'INVITE' && t.initial);
  }

  #onInitialInviteResponse(msg: SipMessage, status: number, legTag: string): void {
    const d = this.dialog;
    if (status > 100 && status < 200 && legTag !== '') {
      const leg = this.#calleeLeg(msg, legTag);
      if (status >= 180 && status < 190) {
        leg.ringingTs ??= msg.origin.ts;
        if (leg.state === 'trying') leg.state = 'ringing';
      }
    } else if (status >= 200 && status < 300) {
      const leg = this.#calleeLeg(msg, legTag);
      if (!leg.answer) {
        const answer: AnswerInfo = {
          messageId: msg.id,
          ts: msg.origin.ts,
          frame: frameOf(msg),
          retransmissions: 0,
          retransmissionSpanSeconds: 0,
          reachedTimerH: false,
          ackSeen: false,
        };
        leg.answer = answer;
        if (leg.state === 'trying' || leg.state === 'ringing' || leg.state === 'failed') leg.state = 'answered';
      }
      if (!d.answerTs) {
        d.answerTs = msg.origin.ts;
        d.setupSeconds = secondsBetween(d.start, msg.origin.ts);
      }
    } else if (status >= 300) {
      // A final non-2xx ends every early dialog of the INVITE (RFC 3261 12.1).
      for (const leg of d.legs) {
        if (leg.state !== 'trying' && leg.state !== 'ringing') continue;
        leg.state = d.termination?.method === 'CANCEL' ? 'terminated' : 'failed';
        leg.finalStatus = status;
      }
    }
  }

  #calleeLeg(msg: SipMessage, legTag: string): DialogLeg {
    const leg = this.leg(legTag);
    leg.calleeEndpoint ??= { ip: msg.origin.src.ip, port: msg.origin.src.port };
    if (leg.calleeContact === undefined && msg.contacts[0]) leg.calleeContact = msg.contacts[0].uri.text;
    return leg;
  }

  #termination(msg: SipMessage, by: Party): Termination {
    return {
      method: msg.method ?? '',
      by,
      from: { ip: msg.origin.src.ip, port: msg.origin.src.port },
      ts: msg.origin.ts,
      frame: frameOf(msg),
      messageId: msg.id,
    };
  }

  #onBye(msg: SipMessage, party: Party, legTag: string): void {
    const d = this.dialog;
    const termination = this.#termination(msg, party);
    const leg = this.leg(legTag);
    if (!leg.termination) {
      leg.termination = termination;
      const answer = leg.answer;
      if (answer && !answer.ackSeen && !answer.byeWithoutAck) {
        const lastSend = answer.retransmissions > 0 ? addSeconds(answer.ts, answer.retransmissionSpanSeconds) : answer.ts;
        answer.byeWithoutAck = {
          by: party,
          ts: termination.ts,
          messageId: msg.id,
          secondsAfterAnswer: secondsBetween(answer.ts, msg.origin.ts),
          secondsAfterLastRetransmission: secondsBetween(lastSend, msg.origin.ts),
        };
      }
    }
    leg.state = 'terminated';
    d.termination ??= termination;
  }

  #onCancel(msg: SipMessage, party: Party): void {
    const d = this.dialog;
    // A CANCEL that crosses the 2xx has no effect on the answered call.
    if (d.legs.some((l) => l.answer) || d.termination) return;
    d.termination = this.#termination(msg, party);
  }

  #terminationStatus(tx: Transaction, status: number): void {
    if (status < 200 || !tx.request) return;
    const id = tx.request.message.id;
    const d = this.dialog;
    if (d.termination?.messageId === id) d.termination.status ??= status;
    for (const leg of d.legs) if (leg.termination?.messageId === id) leg.termination.status ??= status;
  }

  // -------------------------------------------------------------------------------------------
  // Registrations and subscriptions

  #onRegister(msg: SipMessage): void {
    const d = this.dialog;
    const reg = (d.registration ??= {
      aor: msg.to?.uri.text ?? '',
      requestedContacts: [],
      granted: [],
      sources: [],
      refreshes: [],
      refreshesDropped: 0,
      challenges: 0,
      fromTags: 0,
    });
    reg.requestedContacts = msg.contactStar ? ['*'] : msg.contacts.map((c) => c.uri.text);
    const requested = parseExpires(msg.contacts[0]?.params['expires']) ?? msg.expires;
    reg.requestedExpires = requested;
    const src = msg.origin.src;
    if (!reg.sources.some((s) => s.ip === src.ip && s.port === src.port) && reg.sources.length < 64) reg.sources.push({ ip: src.ip, port: src.port });
    const fromTag = tagOf(msg.from?.params);
    if (fromTag !== this.#lastRegisterFromTag) {
      reg.fromTags++;
      this.#lastRegisterFromTag = fromTag;
    }
  }

  #onRegisterResponse(tx: Transaction, msg: SipMessage, status: number): void {
    const d = this.dialog;
    const reg = d.registration;
    if (!reg) return; // responses whose REGISTER was not captured carry no binding to refresh
    if (status === 401 || status === 407) reg.challenges++;
    if (status < 200 || status >= 300) return;
    reg.granted = msg.contacts.map((c) => {
      const expires = parseExpires(c.params['expires']);
      return expires === undefined ? { contact: c.uri.text } : { contact: c.uri.text, expires };
    });
    const request = tx.request?.message;
    const ours = request?.contacts[0];
    const match =
      (ours && msg.contacts.find((c) => c.uri.text === ours.uri.text)) ??
      (ours && msg.contacts.find((c) => c.uri.host.toLowerCase() === ours.uri.host.toLowerCase() && c.uri.port === ours.uri.port && c.uri.user === ours.uri.user)) ??
      (msg.contacts.length === 1 ? msg.contacts[0] : undefined);
    const granted = parseExpires(match?.params['expires']) ?? msg.expires;
    reg.grantedExpires = granted;
    const via = msg.vias[0];
    if (via && (via.received !== undefined || typeof via.rport === 'number')) {
      reg.reflected = {};
      if (via.received !== undefined) reg.reflected.received = via.received;
      if (typeof via.rport === 'number') reg.reflected.rport = via.rport;
    }
    if (reg.refreshes.length >= this.#config.maxRefreshesKept) {
      reg.refreshes.shift();
      reg.refreshesDropped++;
    }
    const src = request?.origin.src ?? msg.origin.dst;
    reg.refreshes.push({
      ts: msg.origin.ts,
      requestId: request?.id ?? -1,
      responseId: msg.id,
      frame: frameOf(msg),
      src: { ip: src.ip, port: src.port },
      transport: msg.origin.transport,
      ...(granted === undefined ? {} : { grantedExpires: granted }),
    });
    const removal = request !== undefined && (request.contactStar || (parseExpires(request.contacts[0]?.params['expires']) ?? request.expires) === 0);
    if (removal) d.termination = this.#termination(request, 'caller');
    else d.termination = undefined;
  }

  #onSubscriptionRequest(msg: SipMessage, party: Party): void {
    const d = this.dialog;
    const sub = (d.subscription ??= {});
    const event = headerValue(msg, 'event');
    if (event !== undefined) sub.event ??= event;
    if (msg.method === 'NOTIFY') {
      const state = headerValue(msg, 'subscription-state');
      if (state !== undefined) {
        sub.subscriptionState = state;
        if (state.trim().toLowerCase().startsWith('terminated')) d.termination ??= this.#termination(msg, party);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // State

  /** Recomputes the dialog's state, final status and end from its legs, transactions and termination. */
  refreshState(): void {
    const d = this.dialog;
    let state: DialogState;
    let finalStatus: number | undefined;
    let endTs = d.termination?.ts;
    if (d.kind === 'call') {
      // The answered leg; for a dialog whose start was not captured, a leg seen in-dialog.
      const established = d.legs.find((l) => l.answer) ?? d.legs.find((l) => l.state === 'confirmed' || l.termination);
      const attempt = this.#latest((t) => t.method === 'INVITE' && t.initial);
      if (established) {
        state = established.state;
        endTs = established.termination?.ts;
      } else if (d.termination) {
        state = 'terminated';
        if (attempt?.finalStatus !== undefined && attempt.finalStatus >= 300) finalStatus = attempt.finalStatus;
      } else if (attempt) {
        state = this.#outcome(attempt);
        if (state === 'trying' && d.legs.some((l) => l.state === 'ringing')) state = 'ringing';
        if (state === 'failed') finalStatus = attempt.finalStatus;
        endTs = this.#endOf(attempt, state);
      } else {
        state = 'trying';
      }
    } else if (d.termination && (d.kind === 'subscription' || d.kind === 'registration')) {
      state = 'terminated';
    } else {
      const primary = d.kind === 'registration' ? 'REGISTER' : d.kind === 'subscription' ? 'SUBSCRIBE' : undefined;
      const tx = (primary && this.#latest((t) => t.method === primary)) || this.#latest(() => true);
      state = tx ? this.#outcome(tx) : 'trying';
      if (state === 'failed') finalStatus = tx!.finalStatus;
      endTs = tx && (state !== 'answered' || d.kind === 'options' || d.kind === 'message' || d.kind === 'other') ? this.#endOf(tx, state) : undefined;
    }
    d.state = state;
    // Assigned even when undefined, never deleted: a delete turns the dialog into a slow
    // dictionary-mode object.
    d.finalStatus = finalStatus;
    d.endTs = endTs === undefined ? undefined : copyTimestamp(endTs);
  }

  #latest(pick: (t: Transaction) => boolean): Transaction | undefined {
    const list = this.dialog.transactions;
    for (let i = list.length - 1; i >= 0; i--) if (pick(list[i]!)) return list[i];
    return undefined;
  }

  #outcome(tx: Transaction): DialogState {
    if (tx.state === 'timed-out') return 'timed-out';
    if (tx.finalStatus !== undefined) return tx.finalStatus < 300 ? 'answered' : 'failed';
    return tx.responses.some((r) => (r.message.status ?? 0) >= 180 && (r.message.status ?? 0) < 190) ? 'ringing' : 'trying';
  }

  #endOf(tx: Transaction, state: DialogState): Dialog['endTs'] {
    if (state === 'timed-out') return addSeconds(tx.firstTs, 64 * this.#config.t1Seconds);
    if (state === 'failed' || state === 'answered') return tx.finalTs;
    return undefined;
  }

  /**
   * Finished dialogs may be summarized by ageOut once idle long enough. An accepted registration
   * is finished too: its binding outlives the dialog in the tracker (concludedRefreshes), and
   * holding every REGISTER exchange until its registration expires held most of a large capture.
   */
  get finished(): boolean {
    const d = this.dialog;
    if (d.state === 'terminated' || d.state === 'failed' || d.state === 'timed-out') return true;
    return d.state === 'answered' && (d.kind === 'registration' || d.kind === 'options' || d.kind === 'message' || d.kind === 'other');
  }

  /** Last SIP or media activity. */
  lastActivity(): Dialog['lastActivity'] {
    let last = this.dialog.lastActivity;
    for (const session of this.dialog.media) for (const s of session.streams) if (isBefore(last, s.lastTs)) last = s.lastTs;
    return last;
  }

  // -------------------------------------------------------------------------------------------
  // Media

  #hasOfferFrom(party: Party): boolean {
    const last = this.dialog.sdp[this.dialog.sdp.length - 1];
    return last !== undefined && last.role === 'offer' && last.party === party;
  }

  #applySdp(observed: ObservedMessage, tx: Transaction | undefined, carriedBy: string, role: 'offer' | 'answer', legTag: string): void {
    const msg = observed.message;
    const party = observed.party;
    const endpoints = mediaEndpoints(msg.sdp!, { party, messageId: msg.id, frame: frameOf(msg), ts: msg.origin.ts });
    const d = this.dialog;
    d.sdp.push({ messageId: msg.id, ts: msg.origin.ts, frame: frameOf(msg), party, carriedBy, role, toTag: legTag, media: endpoints });
    const reverts: Revert[] = [];
    const touched: MediaSession[] = [];
    for (const ep of endpoints) {
      const sessions = party === 'caller' ? this.#callerSessions(ep, legTag) : [this.#calleeSession(ep, legTag)];
      for (const session of sessions) {
        reverts.push({ session, party, previous: session[party] });
        session[party] = ep;
        touched.push(session);
      }
      if (party === 'caller') this.#callerMedia[ep.mediaIndex] = ep;
      this.#claim(ep, party === 'caller' ? undefined : legTag);
    }
    if (role === 'offer' && tx && !tx.initial) (this.#reverts ??= new Map()).set(tx.key, reverts);
    for (const session of touched) this.#reevaluate(session);
  }

  /** Sessions the caller's SDP applies to: the leg's (in-dialog) or every leg's (initial offer). */
  #callerSessions(ep: SdpMediaEndpoint, legTag: string): MediaSession[] {
    const d = this.dialog;
    const own = d.media.filter((s) => s.mediaIndex === ep.mediaIndex && (legTag === '' || s.toTag === legTag || s.toTag === ''));
    if (own.length > 0) return own;
    const session: MediaSession = { toTag: legTag, mediaIndex: ep.mediaIndex, mediaType: ep.mediaType, streams: [] };
    d.media.push(session);
    return [session];
  }

  /** The leg's session for this m= line: its own, the leg-less one the offer created, or a new one. */
  #calleeSession(ep: SdpMediaEndpoint, legTag: string): MediaSession {
    const d = this.dialog;
    let session = d.media.find((s) => s.mediaIndex === ep.mediaIndex && s.toTag === legTag);
    if (!session) {
      session = d.media.find((s) => s.mediaIndex === ep.mediaIndex && s.toTag === '' && s.callee === undefined);
      if (session) {
        session.toTag = legTag;
        for (const stream of session.streams) if (stream.match) stream.match.toTag = legTag;
      }
    }
    if (!session) {
      session = { toTag: legTag, mediaIndex: ep.mediaIndex, mediaType: ep.mediaType, streams: [] };
      const caller = this.#callerMedia[ep.mediaIndex];
      if (caller) session.caller = caller;
      d.media.push(session);
    }
    return session;
  }

  #claim(ep: SdpMediaEndpoint, toTag: string | undefined): void {
    if (ep.disabled) return;
    const claim = (role: MediaClaim['role']): MediaClaim => {
      const made: MediaClaim = { owner: this, party: ep.party, role, mediaIndex: ep.mediaIndex };
      if (toTag !== undefined) made.toTag = toTag;
      return made;
    };
    this.#media.claim(this.dialog.point, ep.rtp, claim('rtp'));
    if (!ep.rtcpMux && ep.rtcp.port > 0) this.#media.claim(this.dialog.point, ep.rtcp, claim('rtcp'));
  }

  #revertOffer(tx: Transaction): void {
    const reverts = this.#reverts?.get(tx.key);
    if (!reverts) return;
    this.#reverts!.delete(tx.key);
    for (const { session, party, previous } of reverts.reverse()) {
      if (previous) session[party] = previous;
      else delete session[party];
      if (party === 'caller' && previous) this.#callerMedia[previous.mediaIndex] = previous;
    }
  }

  /** Streams matched before the other party's SDP was known get their source/destination check now. */
  #reevaluate(session: MediaSession): void {
    for (const stream of session.streams) {
      const match = stream.match;
      if (!match || (match.srcMismatch !== 'unknown' && match.dstMismatch !== 'unknown')) continue;
      this.#check(match, stream, session);
    }
  }

  #check(match: StreamMatch, stream: MediaStream, session: MediaSession): void {
    const sender = session[match.sender];
    const receiver = session[other(match.sender)];
    const expectedSrc = sender?.[match.role];
    const expectedDst = receiver?.[match.role];
    if (expectedSrc) match.expectedSrc = expectedSrc;
    if (expectedDst) match.expectedDst = expectedDst;
    match.srcMismatch = match.by === 'source' ? 'none' : mismatch(stream.src, expectedSrc);
    match.dstMismatch = match.by === 'destination' ? 'none' : mismatch(stream.dst, expectedDst);
  }

  /** MediaOwner: a stream hit one of this dialog's SDP endpoints. */
  attach(stream: StreamState, claim: MediaClaim, by: 'destination' | 'source'): { match: StreamMatch; clocks: Float64Array } {
    const session = this.#sessionFor(stream, claim, by);
    const sender = by === 'destination' ? other(claim.party) : claim.party;
    const match: StreamMatch = {
      dialogId: this.dialog.id,
      toTag: session.toTag,
      mediaIndex: claim.mediaIndex,
      sender,
      role: claim.role,
      by,
      srcMismatch: 'unknown',
      dstMismatch: 'unknown',
    };
    this.#check(match, stream, session);
    session.streams.push(stream);
    const receiverPts = session[other(sender)]?.payloadTypes ?? [];
    const senderPts = session[sender]?.payloadTypes ?? [];
    return { match, clocks: clockTable([receiverPts, senderPts]) };
  }

  /**
   * The caller's SDP is shared by every leg: pick the leg whose callee SDP is the stream's far end,
   * else the answered leg, else the first. A callee claim names its leg.
   */
  #sessionFor(stream: StreamState, claim: MediaClaim, by: 'destination' | 'source'): MediaSession {
    const d = this.dialog;
    const candidates = d.media.filter((s) => s.mediaIndex === claim.mediaIndex && (claim.toTag === undefined || s.toTag === claim.toTag));
    if (candidates.length === 1) return candidates[0]!;
    const far = by === 'destination' ? stream.src : stream.dst;
    const byFarEnd = candidates.find((s) => {
      const ep = s[other(claim.party)];
      return ep !== undefined && ((ep.rtp.ip === far.ip && ep.rtp.port === far.port) || (ep.rtcp.ip === far.ip && ep.rtcp.port === far.port));
    });
    const answered = d.legs.find((l) => l.answer)?.toTag;
    // Claims are made after their sessions, which are never removed: there is always a candidate.
    return byFarEnd ?? candidates.find((s) => s.toTag === answered) ?? candidates[0]!;
  }
}
