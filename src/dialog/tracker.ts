/**
 * DialogTracker: the dialog stage. Feed it every SIP message (onMessage) and every non-SIP UDP
 * datagram (onRtpCandidate) in capture order; call finish() at the end of the capture (or ageOut()
 * now and then in a live run); read analysis().
 *
 * All state is partitioned by capture point (SipOrigin.point.key): the same message seen at two
 * points is two observations in two transactions of two dialogs.
 */
import type { Timestamp } from '../capture/types.js';
import type { CapturePointRef, TransportPayload, UdpDatagramView } from '../decode/types.js';
import type { SipMessage } from '../sip/types.js';
import { appended, indexOfId, placeOfId } from '../util/lists.js';
import { DialogRecord, kindOfMethod } from './dialog.js';
import { MediaTracker } from './media.js';
import { copyTimestamp, isBefore, secondsBetween } from './time.js';
import { retransmissionOf, settleTransaction, tagOf, transactionId, type TransactionId } from './transactions.js';
import type {
  Dialog,
  DialogAnalysis,
  DialogConfig,
  DialogKind,
  DialogState,
  DialogStats,
  DialogSummary,
  ObservedMessage,
  Party,
  PointDialogs,
  RegistrationRefresh,
  Retransmission,
  Transaction,
  TransactionState,
} from './types.js';

export const DEFAULT_DIALOG_CONFIG: Readonly<DialogConfig> = {
  t1Seconds: 0.5,
  retainFinishedSeconds: 300,
  idleSeconds: 7200,
  maxRetransmissionsKept: 64,
  maxEntriesPerDialog: 5000,
  maxTransactionsPerDialog: 1000,
  maxRefreshesKept: 1000,
  maxSummaries: 100_000,
  maxOrphanStreamsPerPoint: 10_000,
  maxSsrcsPerStream: 16,
  rtpProbationPackets: 4,
};

/** The retransmissions of a message sent once (most): one shared list until one comes (see appended). */
const NO_RETRANSMISSIONS = Object.freeze([]) as unknown as Retransmission[];

const TRANSACTION_STATES: TransactionState[] = ['pending', 'completed', 'timed-out', 'ack-only'];
const DIALOG_KINDS: DialogKind[] = ['call', 'registration', 'subscription', 'options', 'message', 'other'];
const DIALOG_STATES: DialogState[] = ['trying', 'ringing', 'answered', 'confirmed', 'terminated', 'failed', 'timed-out'];

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

interface TxRecord {
  tx: Transaction;
  dialog: DialogRecord;
  /** Every key the transaction is filed under (its own, the client key, its 2xx ACKs' keys). */
  lookupKeys: string[];
  /** Unindexed: the message index no longer leads to it (see MessageIndex). */
  unindexed: boolean;
}

/**
 * The transaction of each message a point took, by SipMessage.id. Ids come in increasing order, so
 * the index is two lists in id order, searched by bisection; an unindexed transaction's entries go
 * when the lists are next compacted (after dialogs are removed). A Map did the same with a hash
 * table entry per message, set, looked up and deleted one by one.
 */
class MessageIndex {
  #ids: number[] = [];
  #records: TxRecord[] = [];

  add(messageId: number, rec: TxRecord): void {
    const ids = this.#ids;
    const at = placeOfId(ids.length, (index) => ids[index]!, messageId);
    if (at > 0 && ids[at - 1] === messageId) {
      this.#records[at - 1] = rec;
    } else if (at === ids.length) {
      ids.push(messageId);
      this.#records.push(rec);
    } else {
      // Out of order (not seen so far): inserted in its place.
      ids.splice(at, 0, messageId);
      this.#records.splice(at, 0, rec);
    }
  }

  get(messageId: number): TxRecord | undefined {
    const ids = this.#ids;
    const at = indexOfId(ids.length, (index) => ids[index]!, messageId);
    const rec = at < 0 ? undefined : this.#records[at]!;
    return rec === undefined || rec.unindexed ? undefined : rec;
  }

  /** Drops the entries of unindexed transactions. */
  compact(): void {
    let kept = 0;
    for (let i = 0; i < this.#ids.length; i++) {
      const rec = this.#records[i]!;
      if (rec.unindexed) continue;
      this.#ids[kept] = this.#ids[i]!;
      this.#records[kept] = rec;
      kept++;
    }
    this.#ids.length = kept;
    this.#records.length = kept;
  }
}

class PointState {
  readonly dialogs: DialogRecord[] = [];
  /** "D|callId|callerTag" (calls and the rest) or "R|callId|aor" (registrations). */
  readonly dialogIndex = new Map<string, DialogRecord>();
  /** Transactions by every lookup key (see TxRecord.lookupKeys). */
  readonly transactions = new Map<string, TxRecord>();
  readonly records = new Map<Transaction, TxRecord>();
  readonly byMessage = new MessageIndex();
  readonly summaries: DialogSummary[] = [];
  /** Accepted registrations of removed dialogs, while still valid (see PointDialogs.concludedRefreshes). */
  concludedRefreshes: RegistrationRefresh[] = [];
  lastSeen: Timestamp | undefined;
  /** SIP messages taken at this point (settling again with no new one and the same time changes nothing). */
  messagesTaken = 0;
  /** When #settle last ran, and how many messages the point had taken then. */
  settled: { now: Timestamp; messagesTaken: number } | undefined;
  dialogCount = 0;
  constructor(readonly ref: CapturePointRef) {}

  see(ts: Timestamp): void {
    if (!this.lastSeen || isBefore(this.lastSeen, ts)) this.lastSeen = ts;
  }

  /** Live transactions in order of creation. */
  transactionList(): Transaction[] {
    // A Map iterates in the order its keys were first set: records are set once, as created.
    return Array.from(this.records.values(), (r) => r.tx);
  }
}

export class DialogTracker {
  readonly config: Readonly<DialogConfig>;
  readonly #media: MediaTracker;
  readonly #points = new Map<string, PointState>();
  readonly #skipped: Record<string, number> = Object.create(null) as Record<string, number>;
  #messages = 0;
  #retransmissions = 0;
  #dialogsCreated = 0;
  #transactionsCreated = 0;
  #agedOut = 0;
  #summariesDropped = 0;
  readonly #agedTransactionStates = zeroCounts(TRANSACTION_STATES);
  readonly #agedKinds = zeroCounts(DIALOG_KINDS);
  readonly #agedStates = zeroCounts(DIALOG_STATES);
  /**
   * Last sending time of each retransmitted message (the kept retransmission list may be capped);
   * a message sent once was last sent at its own time.
   */
  readonly #lastSent = new WeakMap<ObservedMessage, Timestamp>();

  constructor(config: Partial<DialogConfig> = {}) {
    this.config = { ...DEFAULT_DIALOG_CONFIG, ...config };
    this.#media = new MediaTracker(this.config);
  }

  #point(ref: CapturePointRef): PointState {
    let point = this.#points.get(ref.key);
    if (!point) this.#points.set(ref.key, (point = new PointState(ref)));
    return point;
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** One SIP message (every copy, retransmissions included), in capture order per capture point. */
  onMessage(msg: SipMessage): void {
    this.#messages++;
    if (msg.callId === undefined || msg.callId === '') return this.#skip('no-call-id');
    if (!msg.cseq) return this.#skip('no-cseq');
    if (msg.kind === 'request' && !msg.method) return this.#skip('no-method');
    const point = this.#point(msg.origin.point);
    point.messagesTaken++;
    point.see(msg.origin.ts);
    if (msg.kind === 'response') this.#onResponse(point, msg);
    else if (msg.method === 'ACK') this.#onAck(point, msg);
    else this.#onRequest(point, msg);
  }

  /**
   * One UDP datagram that is not SIP. Returns true when it was attributed to a media stream (see
   * MediaTracker.onPayload); false for anything else, which is only counted.
   */
  onRtpCandidate(payload: TransportPayload): boolean {
    return this.#media.onPayload(payload);
  }

  /**
   * A non-SIP IPv4 UDP datagram offered before its TransportPayload is built: true when it belongs
   * to a media stream already open, and was folded into it. Otherwise nothing happened, and it
   * comes back through onRtpCandidate.
   */
  onKnownStreamDatagram(datagram: UdpDatagramView): boolean {
    return this.#media.onKnownStreamDatagram(datagram);
  }

  #skip(reason: string): void {
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
  }

  #onRequest(point: PointState, msg: SipMessage): void {
    const method = msg.method!;
    const id = transactionId(msg, method);
    let rec = point.transactions.get(id.key);
    if (rec?.tx.request) {
      const original = rec.tx.request;
      const repeat = retransmissionOf(original.message, msg);
      if (repeat) return this.#retransmission(point, rec, original, msg, repeat.identical);
      // RFC 2543 matching includes the Request-URI (RFC 3261 17.2.3): another one is another transaction.
      const sameRequestUri = rec.tx.rfc3261 || original.message.requestUriText === msg.requestUriText;
      if (msg.cseq!.seq === rec.tx.cseq && sameRequestUri) {
        // Same transaction id and CSeq but another source and other bytes: kept, not interpreted.
        rec.tx.conflictingRequests++;
        const observed = this.#observe(msg, rec.dialog.partyOf(msg));
        rec.dialog.addEntry(observed, rec.tx.key);
        this.#index(point, rec, msg.id);
        return;
      }
      rec = undefined; // a branch (or 2543 key) reused for a new request: a new transaction
    }
    const dialog = rec?.dialog ?? this.#dialogFor(point, msg);
    const observed = this.#observe(msg, dialog.partyOf(msg));
    if (rec) {
      rec.tx.request = observed; // its responses were seen first
      rec.tx.firstTs = msg.origin.ts;
    } else {
      rec = this.#newTransaction(point, dialog, msg, id, method, tagOf(msg.to?.params) === '');
      rec.tx.request = observed;
    }
    dialog.addEntry(observed, rec.tx.key);
    this.#index(point, rec, msg.id);
    if (method === 'CANCEL') this.#linkCancel(point, rec.tx, msg);
    dialog.onRequest(rec.tx, observed);
  }

  #onResponse(point: PointState, msg: SipMessage): void {
    const method = msg.cseq!.method;
    const id = transactionId(msg, method);
    let rec = point.transactions.get(id.key);
    if (!rec && id.clientKey !== undefined) {
      rec = point.transactions.get(id.clientKey);
      if (rec) rec.tx.sentByMismatches++;
    }
    if (rec) {
      const toTag = tagOf(msg.to?.params);
      for (const original of rec.tx.responses) {
        if (original.message.status !== msg.status || tagOf(original.message.to?.params) !== toTag) continue;
        const repeat = retransmissionOf(original.message, msg);
        if (repeat) return this.#retransmission(point, rec, original, msg, repeat.identical);
      }
    } else {
      const dialog = this.#dialogFor(point, msg);
      const legTag = dialog.legTagOf(msg, dialog.partyOf(msg));
      const inDialog = dialog.dialog.legs.some((l) => l.toTag === legTag && (l.answer !== undefined || l.state === 'confirmed'));
      rec = this.#newTransaction(point, dialog, msg, id, method, !inDialog);
    }
    const tx = rec.tx;
    const party: Party = tx.request ? (tx.request.party === 'caller' ? 'callee' : 'caller') : rec.dialog.partyOf(msg);
    const observed = this.#observe(msg, party);
    tx.responses = appended(tx.responses, observed);
    const status = msg.status ?? 0;
    if (status >= 200 && tx.finalStatus === undefined) {
      tx.finalStatus = status;
      tx.finalTs = msg.origin.ts;
      if (tx.request) tx.responseSeconds = secondsBetween(tx.firstTs, msg.origin.ts);
      tx.state = 'completed';
      tx.timeout = undefined;
      tx.pendingSeconds = undefined;
    }
    rec.dialog.addEntry(observed, tx.key);
    this.#index(point, rec, msg.id);
    rec.dialog.onResponse(tx, observed);
  }

  /**
   * ACK: for a non-2xx it shares the INVITE's branch (same transaction); for a 2xx it has its own
   * branch and is tied to the dialog's INVITE with the same CSeq number; its repeats find it by
   * its own key.
   */
  #onAck(point: PointState, msg: SipMessage): void {
    const inviteId = transactionId(msg, 'INVITE');
    const ackId = transactionId(msg, 'ACK');
    let rec = point.transactions.get(inviteId.key) ?? point.transactions.get(ackId.key);
    const dialog = rec?.dialog ?? this.#dialogFor(point, msg);
    if (!rec) {
      const seq = msg.cseq!.seq;
      const invite = [...dialog.dialog.transactions].reverse().find((t) => t.method === 'INVITE' && t.cseq === seq);
      rec = invite && point.records.get(invite);
    }
    if (rec) {
      const toTag = tagOf(msg.to?.params);
      // An ACK-only transaction (its INVITE not captured) holds its ACK as the request.
      for (const original of rec.tx.state === 'ack-only' ? [rec.tx.request!] : rec.tx.acks) {
        if (tagOf(original.message.to?.params) !== toTag) continue;
        const repeat = retransmissionOf(original.message, msg);
        if (repeat) return this.#retransmission(point, rec, original, msg, repeat.identical);
      }
      if (rec.tx.state === 'ack-only') {
        rec.tx.conflictingRequests++;
        const observed = this.#observe(msg, dialog.partyOf(msg));
        dialog.addEntry(observed, rec.tx.key);
        this.#index(point, rec, msg.id);
        return;
      }
      const observed = this.#observe(msg, dialog.partyOf(msg));
      rec.tx.acks = appended(rec.tx.acks, observed);
      if (ackId.key !== inviteId.key && !point.transactions.has(ackId.key)) {
        point.transactions.set(ackId.key, rec);
        rec.lookupKeys = appended(rec.lookupKeys, ackId.key);
      }
      dialog.addEntry(observed, rec.tx.key);
      this.#index(point, rec, msg.id);
      dialog.onAck(rec.tx, observed);
      return;
    }
    // An ACK whose INVITE the capture does not hold.
    const stray = this.#newTransaction(point, dialog, msg, ackId, 'ACK', false);
    stray.tx.state = 'ack-only';
    const observed = this.#observe(msg, dialog.partyOf(msg));
    stray.tx.request = observed;
    dialog.addEntry(observed, stray.tx.key);
    this.#index(point, stray, msg.id);
    dialog.onAck(undefined, observed);
  }

  #linkCancel(point: PointState, cancel: Transaction, msg: SipMessage): void {
    const id = transactionId(msg, 'INVITE');
    const invite = (point.transactions.get(id.key) ?? (id.clientKey === undefined ? undefined : point.transactions.get(id.clientKey)))?.tx;
    if (!invite || invite.method !== 'INVITE') return;
    cancel.cancels = invite.key;
    invite.cancelledBy ??= cancel.key;
  }

  #observe(message: SipMessage, party: Party): ObservedMessage {
    return { message, party, retransmissions: NO_RETRANSMISSIONS, retransmissionCount: 0, retransmissionSpanSeconds: 0 };
  }

  #retransmission(point: PointState, rec: TxRecord, original: ObservedMessage, msg: SipMessage, identical: boolean): void {
    this.#retransmissions++;
    const ts = msg.origin.ts;
    const previous = this.#lastSent.get(original) ?? original.message.origin.ts;
    const tx = rec.tx;
    const retransmission: Retransmission = {
      messageId: msg.id,
      originalId: original.message.id,
      ts,
      frames: [...msg.origin.frames],
      intervalSeconds: secondsBetween(previous, ts),
      identical,
      afterFinal: msg.kind === 'request' && tx.finalTs !== undefined && !isBefore(ts, tx.finalTs),
    };
    this.#lastSent.set(original, ts);
    original.retransmissionCount++;
    original.retransmissionSpanSeconds = secondsBetween(original.message.origin.ts, ts);
    const kept = original.retransmissions.length < this.config.maxRetransmissionsKept;
    if (kept) {
      original.retransmissions = appended(original.retransmissions, retransmission);
      this.#index(point, rec, msg.id);
    }
    rec.dialog.addRetransmission(retransmission, original.party, tx.key, kept);
    if (msg.kind === 'response') rec.dialog.onResponseRetransmission(tx, original, retransmission);
  }

  #index(point: PointState, rec: TxRecord, messageId: number): void {
    point.byMessage.add(messageId, rec);
  }

  /** Removes a transaction from the point's indexes. */
  #unindex(point: PointState, tx: Transaction): void {
    const rec = point.records.get(tx);
    if (!rec) return;
    for (const key of rec.lookupKeys) if (point.transactions.get(key) === rec) point.transactions.delete(key);
    rec.unindexed = true;
    point.records.delete(tx);
  }

  /**
   * A long-lived dialog (a registration refreshed for days) keeps its latest transactions: beyond
   * maxTransactionsPerDialog the oldest finished one goes (never a dialog-creating INVITE).
   */
  #trim(point: PointState, dialog: DialogRecord): void {
    const list = dialog.dialog.transactions;
    if (list.length <= this.config.maxTransactionsPerDialog) return;
    const index = list.findIndex((t) => t.state !== 'pending' && !(t.method === 'INVITE' && t.initial));
    if (index < 0) return;
    this.#unindex(point, list[index]!);
    list.splice(index, 1);
    dialog.dialog.transactionsDropped++;
  }

  #newTransaction(point: PointState, dialog: DialogRecord, msg: SipMessage, id: TransactionId, method: string, initial: boolean): TxRecord {
    this.#transactionsCreated++;
    let key = id.key;
    for (let n = 2; point.transactions.has(key); n++) key = `${id.key}#${n}`;
    const tx: Transaction = {
      key,
      point: point.ref,
      method,
      cseq: msg.cseq!.seq,
      callId: msg.callId!,
      rfc3261: id.rfc3261,
      sentBy: id.sentBy,
      transport: msg.origin.transport,
      dialogId: dialog.id,
      initial,
      responses: [],
      acks: [],
      conflictingRequests: 0,
      sentByMismatches: 0,
      state: 'pending',
      firstTs: msg.origin.ts,
    };
    if (id.branch !== undefined) tx.branch = id.branch;
    const rec: TxRecord = { tx, dialog, lookupKeys: [key, id.key], unindexed: false };
    // The plain key now leads to the newest transaction (a reused branch); the "#n" key stays unique.
    point.transactions.set(id.key, rec);
    point.transactions.set(key, rec);
    if (id.clientKey !== undefined) {
      point.transactions.set(id.clientKey, rec);
      rec.lookupKeys = appended(rec.lookupKeys, id.clientKey);
    }
    point.records.set(tx, rec);
    dialog.dialog.transactions = appended(dialog.dialog.transactions, tx);
    this.#trim(point, dialog);
    return rec;
  }

  // -------------------------------------------------------------------------------------------
  // Dialog identity

  /**
   * The dialog of a message, created if new. Calls and the rest: Call-ID + the caller's From tag
   * (a message from the callee carries it as To tag). Registrations: Call-ID + address of record.
   */
  #dialogFor(point: PointState, msg: SipMessage): DialogRecord {
    const callId = msg.callId!;
    const method = msg.kind === 'request' ? msg.method! : msg.cseq!.method;
    if (method === 'REGISTER') {
      const aor = msg.to ? `${msg.to.uri.user ?? ''}@${msg.to.uri.host.toLowerCase()}` : '';
      const key = `R|${callId}|${aor}`;
      return point.dialogIndex.get(key) ?? this.#newDialog(point, msg, 'registration', method, key);
    }
    const fromTag = tagOf(msg.from?.params);
    const toTag = tagOf(msg.to?.params);
    const found = point.dialogIndex.get(`D|${callId}|${fromTag}`) ?? (toTag !== '' ? point.dialogIndex.get(`D|${callId}|${toTag}`) : undefined);
    return found ?? this.#newDialog(point, msg, kindOfMethod(method), method, `D|${callId}|${fromTag}`);
  }

  #newDialog(point: PointState, msg: SipMessage, kind: DialogKind, method: string, key: string): DialogRecord {
    this.#dialogsCreated++;
    point.dialogCount++;
    const request = msg.kind === 'request';
    const callerEndpoint = request ? msg.origin.src : msg.origin.dst;
    const dialog: Dialog = {
      id: `${point.ref.key}/${point.dialogCount}`,
      point: point.ref,
      kind,
      method,
      callId: msg.callId!,
      fromTag: tagOf(msg.from?.params),
      callerEndpoint: { ip: callerEndpoint.ip, port: callerEndpoint.port },
      startedInCapture: request && tagOf(msg.to?.params) === '' && method !== 'ACK' && method !== 'CANCEL',
      state: 'trying',
      start: msg.origin.ts,
      lastActivity: msg.origin.ts,
      legs: [],
      transactions: [],
      entries: [],
      entriesDropped: 0,
      transactionsDropped: 0,
      messageCount: 0,
      retransmissionCount: 0,
      sdp: [],
      media: [],
    };
    if (msg.from) dialog.fromUri = msg.from.uri.text;
    if (msg.to) dialog.toUri = msg.to.uri.text;
    const rec = new DialogRecord(dialog, this.config, this.#media);
    point.dialogs.push(rec);
    point.dialogIndex.set(key, rec);
    rec.indexKeys = appended(rec.indexKeys, key);
    return rec;
  }

  // -------------------------------------------------------------------------------------------
  // End of capture, ageing

  /**
   * End of the capture: transactions without a final response become timed-out or pending, and
   * dialog states follow. `end` is the capture's end time, or one per capture point key; points
   * without one use the last SIP message they saw.
   */
  finish(end?: Timestamp | ReadonlyMap<string, Timestamp>): void {
    for (const point of this.#points.values()) {
      const now = end === undefined ? point.lastSeen : 'sec' in end ? end : (end.get(point.ref.key) ?? point.lastSeen);
      if (now) this.#settle(point, now);
    }
  }

  #settle(point: PointState, now: Timestamp): void {
    // A conclusion settles as of one time thrice (finish, agingCandidates, ageOut).
    const last = point.settled;
    if (last !== undefined && last.messagesTaken === point.messagesTaken && last.now.sec === now.sec && last.now.nsec === now.nsec) return;
    for (const rec of point.records.values()) settleTransaction(rec.tx, now, this.config.t1Seconds);
    for (const rec of point.dialogs) rec.refreshState();
    point.settled = { now: copyTimestamp(now), messagesTaken: point.messagesTaken };
  }

  /**
   * The dialogs ageOut(now) would drop: finished more than retainFinishedSeconds before `now`, or
   * without SIP or media activity for idleSeconds. Settles transactions as of `now` first.
   */
  agingCandidates(now: Timestamp): Dialog[] {
    const candidates: Dialog[] = [];
    for (const point of this.#points.values()) {
      this.#settle(point, now);
      for (const rec of point.dialogs) if (this.#ageing(rec, now)) candidates.push(rec.dialog);
    }
    return candidates;
  }

  /**
   * For long runs: summarizes and drops the dialogs agingCandidates(now) names (only those whose id
   * is in `only`, when given: the caller may keep dialogs that belong with live ones), and drops
   * idle orphan streams. Returns how many dialogs were summarized.
   */
  ageOut(now: Timestamp, only?: ReadonlySet<string>): number {
    this.#media.ageOut(now);
    let removed = 0;
    for (const point of this.#points.values()) {
      this.#settle(point, now);
      point.concludedRefreshes = point.concludedRefreshes.filter((r) => stillValid(r, now));
      const keep: DialogRecord[] = [];
      for (const rec of point.dialogs) {
        if (this.#ageing(rec, now) && (only === undefined || only.has(rec.dialog.id))) {
          this.#remove(point, rec, now);
          removed++;
        } else {
          keep.push(rec);
        }
      }
      if (keep.length !== point.dialogs.length) {
        point.dialogs.splice(0, point.dialogs.length, ...keep);
        point.byMessage.compact();
      }
    }
    return removed;
  }

  #ageing(rec: DialogRecord, now: Timestamp): boolean {
    const idle = secondsBetween(rec.lastActivity(), now);
    return (rec.finished && idle >= this.config.retainFinishedSeconds) || idle >= this.config.idleSeconds;
  }

  #remove(point: PointState, rec: DialogRecord, now: Timestamp): void {
    const d = rec.dialog;
    this.#agedOut++;
    this.#agedKinds[d.kind]++;
    this.#agedStates[d.state]++;
    for (const tx of d.transactions) this.#agedTransactionStates[tx.state]++;
    for (const key of rec.indexKeys) if (point.dialogIndex.get(key) === rec) point.dialogIndex.delete(key);
    for (const tx of d.transactions) this.#unindex(point, tx);
    this.#media.release(point.ref, d.id);
    for (const refresh of d.registration?.refreshes ?? []) if (stillValid(refresh, now)) point.concludedRefreshes.push(refresh);
    if (point.summaries.length >= this.config.maxSummaries) {
      point.summaries.shift();
      this.#summariesDropped++;
    }
    point.summaries.push(summarize(d));
  }

  // -------------------------------------------------------------------------------------------
  // Output

  dialogs(): Dialog[] {
    return [...this.#points.values()].flatMap((p) => p.dialogs.map((r) => r.dialog));
  }

  transactions(): Transaction[] {
    return [...this.#points.values()].flatMap((p) => p.transactionList());
  }

  stats(): DialogStats {
    const transactionsByState = { ...this.#agedTransactionStates };
    const dialogsByKind = { ...this.#agedKinds };
    const dialogsByState = { ...this.#agedStates };
    let transactions = 0;
    for (const point of this.#points.values()) {
      for (const { tx } of point.records.values()) {
        transactions++;
        transactionsByState[tx.state]++;
      }
      for (const rec of point.dialogs) {
        dialogsByKind[rec.dialog.kind]++;
        dialogsByState[rec.dialog.state]++;
      }
    }
    return {
      messages: this.#messages,
      retransmissions: this.#retransmissions,
      skipped: { ...this.#skipped },
      transactions: this.#transactionsCreated,
      transactionsByState,
      dialogs: this.#dialogsCreated,
      dialogsByKind,
      dialogsByState,
      agedOutDialogs: this.#agedOut,
      summariesDropped: this.#summariesDropped,
      media: this.#media.stats(),
    };
  }

  /**
   * The accepted registrations a capture point still knows: those of removed dialogs while valid,
   * then the live dialogs'. Cheaper than analysis() for a caller that needs only these.
   */
  acceptedRegistrations(pointKey: string): RegistrationRefresh[] {
    const point = this.#points.get(pointKey);
    if (!point) return [];
    return [...point.concludedRefreshes, ...point.dialogs.flatMap((r) => r.dialog.registration?.refreshes ?? [])];
  }

  /** The stage's result (live: it reflects later input). */
  analysis(): DialogAnalysis {
    const points: PointDialogs[] = [...this.#points.values()].map((point) => ({
      point: point.ref,
      dialogs: point.dialogs.map((r) => r.dialog),
      transactions: point.transactionList(),
      transactionOf: (messageId: number) => point.byMessage.get(messageId)?.tx,
      dialogOf: (messageId: number) => point.byMessage.get(messageId)?.dialog.dialog,
      orphanStreams: this.#media.orphanStreams(point.ref.key),
      summaries: point.summaries,
      concludedRefreshes: point.concludedRefreshes,
      acceptedRegistrations: () => this.acceptedRegistrations(point.ref.key),
    }));
    return {
      points,
      point: (key: string) => points.find((p) => p.point.key === key),
      stats: this.stats(),
    };
  }
}

/**
 * RFC 3261 10.2.1.1: a binding lasts 3600 s when nothing says how long. Only bounds how long the
 * tracker keeps a removed registration's refresh; detection still reads grantedExpires as given.
 */
const DEFAULT_REGISTRATION_SECONDS = 3600;

function stillValid(refresh: RegistrationRefresh, now: Timestamp): boolean {
  return secondsBetween(refresh.ts, now) < (refresh.grantedExpires ?? DEFAULT_REGISTRATION_SECONDS);
}

function summarize(d: Dialog): DialogSummary {
  let firstFrame = Number.MAX_SAFE_INTEGER;
  let lastFrame = 0;
  for (const e of d.entries) {
    const frames = e.kind === 'message' ? e.observed.message.origin.frames : e.retransmission.frames;
    for (const f of frames) {
      if (f < firstFrame) firstFrame = f;
      if (f > lastFrame) lastFrame = f;
    }
  }
  const media = { streams: 0, rtpPackets: 0, lost: 0, mismatchedStreams: 0 } as DialogSummary['media'];
  for (const session of d.media) {
    for (const stream of session.streams) {
      media.streams++;
      for (const s of stream.rtp) {
        media.rtpPackets += s.packets;
        media.lost += s.lost;
        if (s.maxJitterMs !== undefined && (media.maxJitterMs === undefined || s.maxJitterMs > media.maxJitterMs)) media.maxJitterMs = s.maxJitterMs;
      }
      const m = stream.match;
      if (m && ((m.srcMismatch !== 'none' && m.srcMismatch !== 'unknown') || (m.dstMismatch !== 'none' && m.dstMismatch !== 'unknown'))) media.mismatchedStreams++;
    }
  }
  const summary: DialogSummary = {
    id: d.id,
    pointKey: d.point.key,
    kind: d.kind,
    method: d.method,
    callId: d.callId,
    state: d.state,
    start: d.start,
    firstFrame: lastFrame === 0 ? 0 : firstFrame,
    lastFrame,
    messages: d.messageCount,
    retransmissions: d.retransmissionCount,
    transactions: d.transactions.length,
    answerTimedOut: d.legs.some((l) => l.answer?.reachedTimerH === true && !l.answer.ackSeen),
    media,
  };
  if (d.finalStatus !== undefined) summary.finalStatus = d.finalStatus;
  if (d.answerTs) summary.answerTs = d.answerTs;
  if (d.endTs) summary.endTs = d.endTs;
  if (d.termination) summary.termination = { method: d.termination.method, by: d.termination.by };
  return summary;
}
