import { describe, expect, it } from 'vitest';
import { DialogTracker } from '../../src/dialog/index.js';
import type { Dialog, Transaction } from '../../src/dialog/types.js';
import { POINT, Wire, request, response, sdp, ts, type SipParams } from './helpers.js';

const ALICE = '192.168.1.10:5060';
const BOB = '203.0.113.5:5060';

function only<T>(list: T[]): T {
  expect(list).toHaveLength(1);
  return list[0]!;
}

function txOf(dialog: Dialog, method: string, cseq?: number): Transaction {
  const tx = dialog.transactions.find((t) => t.method === method && (cseq === undefined || t.cseq === cseq));
  expect(tx, `${method} transaction`).toBeDefined();
  return tx!;
}

describe('call flow INVITE/100/180/200/ACK/BYE/200', () => {
  const wire = new Wire();
  const tracker = new DialogTracker();
  const invite: SipParams = { method: 'INVITE', callId: 'call-1@alice', fromTag: 'a1', branch: 'z9hG4bK-inv1', cseq: 1, contact: '<sip:alice@192.168.1.10:5060>', body: sdp('192.168.1.10', 4000) };
  const msgs = [
    wire.sip(request(invite), ALICE, BOB, 0),
    wire.sip(response(100, 'Trying', { ...invite, body: undefined, contact: undefined }), BOB, ALICE, 0.05),
    wire.sip(response(180, 'Ringing', { ...invite, toTag: 'b1', body: undefined, contact: '<sip:bob@203.0.113.5>' }), BOB, ALICE, 0.5),
    wire.sip(response(200, 'OK', { ...invite, toTag: 'b1', contact: '<sip:bob@203.0.113.5>', body: sdp('203.0.113.5', 5000) }), BOB, ALICE, 3),
    wire.sip(request({ method: 'ACK', callId: 'call-1@alice', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bK-ack1', cseq: 1 }), ALICE, BOB, 3.1),
    wire.sip(request({ method: 'BYE', callId: 'call-1@alice', fromTag: 'b1', toTag: 'a1', branch: 'z9hG4bK-bye1', cseq: 7, via: '203.0.113.5:5060', from: 'sip:bob@example.com', to: 'sip:alice@example.com', ruri: 'sip:alice@192.168.1.10:5060' }), BOB, ALICE, 63),
    wire.sip(response(200, 'OK', { method: 'BYE', callId: 'call-1@alice', fromTag: 'b1', toTag: 'a1', branch: 'z9hG4bK-bye1', cseq: 7, via: '203.0.113.5:5060', from: 'sip:bob@example.com', to: 'sip:alice@example.com' }), ALICE, BOB, 63.02),
  ];
  for (const m of msgs) tracker.onMessage(m);
  tracker.finish(ts(70));
  const dialog = only(tracker.dialogs());

  it('groups all seven messages into one call dialog with one leg', () => {
    expect(dialog.kind).toBe('call');
    expect(dialog.callId).toBe('call-1@alice');
    expect(dialog.fromTag).toBe('a1');
    expect(dialog.startedInCapture).toBe(true);
    expect(dialog.messageCount).toBe(7);
    expect(dialog.entries.map((e) => (e.kind === 'message' ? e.observed.message.id : -1))).toEqual(msgs.map((m) => m.id));
    expect(dialog.entries.map((e) => (e.kind === 'message' ? e.observed.party : ''))).toEqual(['caller', 'callee', 'callee', 'callee', 'caller', 'callee', 'caller']);
    const leg = only(dialog.legs);
    expect(leg.toTag).toBe('b1');
    expect(leg.calleeContact).toBe('sip:bob@203.0.113.5');
  });

  it('keeps the times and who hung up', () => {
    expect(dialog.state).toBe('terminated');
    expect(dialog.answerTs).toEqual(ts(3));
    expect(dialog.setupSeconds).toBeCloseTo(3, 9);
    expect(dialog.endTs).toEqual(ts(63));
    expect(dialog.termination).toMatchObject({ method: 'BYE', by: 'callee', from: { ip: '203.0.113.5', port: 5060 }, status: 200, messageId: msgs[5]!.id });
    const leg = dialog.legs[0]!;
    expect(leg.ringingTs).toEqual(ts(0.5));
    expect(leg.answer).toMatchObject({ messageId: msgs[3]!.id, ackSeen: true, retransmissions: 0, reachedTimerH: false });
    expect(leg.answer!.ackDelaySeconds).toBeCloseTo(0.1, 9);
    expect(leg.answer!.byeWithoutAck).toBeUndefined();
  });

  it('builds the INVITE transaction with its responses and the 2xx ACK, and a BYE transaction', () => {
    expect(dialog.transactions.map((t) => t.method)).toEqual(['INVITE', 'BYE']);
    const inv = txOf(dialog, 'INVITE');
    expect(inv.key).toBe('z9hG4bK-inv1|192.168.1.10:5060|INVITE');
    expect(inv.rfc3261).toBe(true);
    expect(inv.state).toBe('completed');
    expect(inv.finalStatus).toBe(200);
    expect(inv.responseSeconds).toBeCloseTo(3, 9);
    expect(inv.responses.map((r) => r.message.status)).toEqual([100, 180, 200]);
    expect(only(inv.acks).message.id).toBe(msgs[4]!.id);
    const bye = txOf(dialog, 'BYE');
    expect(bye.initial).toBe(false);
    expect(bye.finalStatus).toBe(200);
  });

  it('finds each message\'s transaction and dialog at its capture point', () => {
    const point = tracker.analysis().point(POINT.key)!;
    expect(point.transactionOf(msgs[4]!.id)?.method).toBe('INVITE'); // the 2xx ACK
    expect(point.transactionOf(msgs[6]!.id)?.method).toBe('BYE');
    expect(point.dialogOf(msgs[2]!.id)?.id).toBe(dialog.id);
    expect(point.transactionOf(9999)).toBeUndefined();
  });

  it('finds each message\'s transaction when ids come out of order (messages built last to first)', () => {
    const reversed = new Wire();
    const texts: [string, string, string, number][] = [
      [request(invite), ALICE, BOB, 0],
      [response(100, 'Trying', { ...invite, body: undefined, contact: undefined }), BOB, ALICE, 0.05],
      [request({ method: 'BYE', callId: 'call-1@alice', fromTag: 'a1', branch: 'z9hG4bK-bye9', cseq: 2 }), ALICE, BOB, 1],
    ];
    const built = [...texts].reverse().map(([text, src, dst, t]) => reversed.sip(text, src, dst, t)).reverse();
    expect(built.map((m) => m.id)).toEqual([3, 2, 1]);
    const own = new DialogTracker();
    for (const m of built) own.onMessage(m);
    const point = own.analysis().point(POINT.key)!;
    expect(built.map((m) => point.transactionOf(m.id)?.method)).toEqual(['INVITE', 'INVITE', 'BYE']);
    expect(point.transactionOf(4)).toBeUndefined();
  });

  it('derives the media both SDPs promise', () => {
    const session = only(dialog.media);
    expect(session.toTag).toBe('b1');
    expect(session.caller).toMatchObject({ rtp: { ip: '192.168.1.10', port: 4000 }, rtcp: { ip: '192.168.1.10', port: 4001 }, direction: 'sendrecv', disabled: false });
    expect(session.callee).toMatchObject({ rtp: { ip: '203.0.113.5', port: 5000 }, rtcp: { ip: '203.0.113.5', port: 5001 } });
    expect(session.caller!.payloadTypes).toEqual([
      { pt: 0, encoding: 'PCMU', clockRate: 8000 },
      { pt: 8, encoding: 'PCMA', clockRate: 8000 },
      { pt: 101, encoding: 'telephone-event', clockRate: 8000 },
    ]);
    expect(dialog.sdp.map((s) => [s.party, s.carriedBy, s.role])).toEqual([
      ['caller', 'INVITE', 'offer'],
      ['callee', '200 INVITE', 'answer'],
    ]);
  });
});

describe('CANCEL and 487', () => {
  const wire = new Wire();
  const tracker = new DialogTracker();
  const invite: SipParams = { method: 'INVITE', callId: 'cancel-1', fromTag: 'a1', branch: 'z9hG4bK-c1', cseq: 1, body: sdp('192.168.1.10', 4000) };
  const cancel: SipParams = { ...invite, method: 'CANCEL', body: undefined };
  for (const m of [
    wire.sip(request(invite), ALICE, BOB, 0),
    wire.sip(response(180, 'Ringing', { ...invite, toTag: 'b1', body: undefined }), BOB, ALICE, 0.2),
    wire.sip(request(cancel), ALICE, BOB, 5),
    wire.sip(response(200, 'OK', { ...cancel, toTag: 'b1' }), BOB, ALICE, 5.05),
    wire.sip(response(487, 'Request Terminated', { ...invite, toTag: 'b1', body: undefined }), BOB, ALICE, 5.06),
    wire.sip(request({ ...invite, method: 'ACK', toTag: 'b1', body: undefined }), ALICE, BOB, 5.07),
  ]) {
    tracker.onMessage(m);
  }
  tracker.finish(ts(10));
  const dialog = only(tracker.dialogs());

  it('ends the call as terminated by the caller, keeping the 487', () => {
    expect(dialog.state).toBe('terminated');
    expect(dialog.termination).toMatchObject({ method: 'CANCEL', by: 'caller', status: 200 });
    expect(dialog.finalStatus).toBe(487);
    expect(dialog.endTs).toEqual(ts(5));
    expect(only(dialog.legs)).toMatchObject({ toTag: 'b1', state: 'terminated', finalStatus: 487 });
  });

  it('keeps CANCEL as its own transaction with the same branch, linked to the INVITE', () => {
    const inv = txOf(dialog, 'INVITE');
    const can = txOf(dialog, 'CANCEL');
    expect(can.key).toBe('z9hG4bK-c1|192.168.1.10:5060|CANCEL');
    expect(can.branch).toBe(inv.branch);
    expect(can.cancels).toBe(inv.key);
    expect(inv.cancelledBy).toBe(can.key);
    expect(can.finalStatus).toBe(200);
    expect(inv.finalStatus).toBe(487);
    // The ACK for the 487 shares the INVITE's branch: it is part of the INVITE transaction.
    expect(only(inv.acks).message.method).toBe('ACK');
    expect(dialog.transactions).toHaveLength(2);
  });
});

describe('REGISTER with a 401 challenge, then with credentials', () => {
  const wire = new Wire();
  const tracker = new DialogTracker();
  const reg = (cseq: number, fromTag: string, branch: string, auth: boolean): SipParams => ({
    method: 'REGISTER',
    callId: 'reg-1',
    fromTag,
    branch,
    cseq,
    ruri: 'sip:example.com',
    from: 'sip:alice@example.com',
    to: 'sip:alice@example.com',
    contact: '<sip:alice@192.168.1.10:5060>;expires=3600',
    headers: auth ? ['Authorization: Digest username="alice", realm="example.com", nonce="n1", uri="sip:example.com", response="00"'] : [],
  });
  const registrar = '198.51.100.7:5060';
  const nat = { received: '198.51.100.200', rport: 40001 };
  const viaBack = (p: SipParams): SipParams => ({ ...p, via: `192.168.1.10:5060;received=${nat.received};rport=${nat.rport}` });
  const first = reg(1, 'r1', 'z9hG4bK-r1', false);
  const second = reg(2, 'r2', 'z9hG4bK-r2', true);
  const third = reg(3, 'r3', 'z9hG4bK-r3', true);
  const msgs = [
    wire.sip(request(first), ALICE, registrar, 0),
    wire.sip(response(401, 'Unauthorized', { ...viaBack(first), toTag: 's1', contact: undefined, headers: ['WWW-Authenticate: Digest realm="example.com", nonce="n1"'] }), registrar, ALICE, 0.1),
    wire.sip(request(second), ALICE, registrar, 0.2),
    wire.sip(response(200, 'OK', { ...viaBack(second), toTag: 's2', contact: '<sip:alice@192.168.1.10:5060>;expires=120, <sip:alice@10.0.0.9:5060>;expires=3000' }), registrar, ALICE, 0.3),
    wire.sip(request(third), ALICE, registrar, 100.2),
    wire.sip(response(200, 'OK', { ...viaBack(third), toTag: 's3', contact: undefined, headers: ['Expires: 90'] }), registrar, ALICE, 100.3),
  ];
  for (const m of msgs) tracker.onMessage(m);
  tracker.finish(ts(110));
  const dialog = only(tracker.dialogs());

  it('is one registration (Call-ID + address of record) although every REGISTER has a new From tag', () => {
    expect(dialog.kind).toBe('registration');
    expect(dialog.transactions.map((t) => [t.cseq, t.finalStatus])).toEqual([
      [1, 401],
      [2, 200],
      [3, 200],
    ]);
    expect(dialog.state).toBe('answered');
    expect(dialog.registration).toMatchObject({ aor: 'sip:alice@example.com', challenges: 1, fromTags: 3 });
  });

  it('keeps contact, granted expiry, source address and every successful refresh', () => {
    const r = dialog.registration!;
    expect(r.requestedContacts).toEqual(['sip:alice@192.168.1.10:5060']);
    expect(r.requestedExpires).toBe(3600);
    expect(r.sources).toEqual([{ ip: '192.168.1.10', port: 5060 }]);
    expect(r.reflected).toEqual(nat);
    // The last 200 had no Contact: the Expires header is the grant.
    expect(r.grantedExpires).toBe(90);
    expect(r.refreshes.map((x) => [x.ts, x.grantedExpires, x.requestId, x.responseId])).toEqual([
      [ts(0.3), 120, msgs[2]!.id, msgs[3]!.id],
      [ts(100.3), 90, msgs[4]!.id, msgs[5]!.id],
    ]);
  });

  it('takes the expiry of the matching Contact among several bindings', () => {
    const t = new DialogTracker();
    const w = new Wire();
    t.onMessage(w.sip(request(second), ALICE, registrar, 0));
    t.onMessage(w.sip(response(200, 'OK', { ...second, toTag: 's2', contact: '<sip:alice@10.0.0.9:5060>;expires=3000, <sip:alice@192.168.1.10:5060>;expires=120' }), registrar, ALICE, 0.1));
    const r = t.dialogs()[0]!.registration!;
    expect(r.grantedExpires).toBe(120);
    expect(r.granted).toEqual([
      { contact: 'sip:alice@10.0.0.9:5060', expires: 3000 },
      { contact: 'sip:alice@192.168.1.10:5060', expires: 120 },
    ]);
  });

  it('marks an un-REGISTER (expires=0) as terminated by the UA', () => {
    const t = new DialogTracker();
    const w = new Wire();
    const bye = { ...reg(4, 'r4', 'z9hG4bK-r4', true), contact: '<sip:alice@192.168.1.10:5060>;expires=0' };
    t.onMessage(w.sip(request(bye), ALICE, registrar, 0));
    t.onMessage(w.sip(response(200, 'OK', { ...bye, toTag: 's4' }), registrar, ALICE, 0.1));
    const d = t.dialogs()[0]!;
    expect(d.state).toBe('terminated');
    expect(d.termination).toMatchObject({ method: 'REGISTER', by: 'caller' });
  });
});

describe('forking: two To tags under one INVITE', () => {
  const wire = new Wire();
  const tracker = new DialogTracker();
  const invite: SipParams = { method: 'INVITE', callId: 'fork-1', fromTag: 'a1', branch: 'z9hG4bK-f1', cseq: 1, body: sdp('192.168.1.10', 4000) };
  const phone1 = '203.0.113.21:5060';
  const phone2 = '203.0.113.22:5060';
  for (const m of [
    wire.sip(request(invite), ALICE, BOB, 0),
    wire.sip(response(180, 'Ringing', { ...invite, toTag: 'p1', body: undefined, contact: '<sip:bob@203.0.113.21>' }), phone1, ALICE, 0.3),
    wire.sip(response(183, 'Session Progress', { ...invite, toTag: 'p2', contact: '<sip:bob@203.0.113.22>', body: sdp('203.0.113.22', 6000) }), phone2, ALICE, 0.4),
    wire.sip(response(200, 'OK', { ...invite, toTag: 'p2', contact: '<sip:bob@203.0.113.22>', body: sdp('203.0.113.22', 6000) }), phone2, ALICE, 2),
    wire.sip(request({ method: 'ACK', callId: 'fork-1', fromTag: 'a1', toTag: 'p2', branch: 'z9hG4bK-fa', cseq: 1 }), ALICE, phone2, 2.1),
  ]) {
    tracker.onMessage(m);
  }
  tracker.finish(ts(5));
  const dialog = only(tracker.dialogs());

  it('keeps each To tag as a leg of the one dialog', () => {
    expect(dialog.legs.map((l) => [l.toTag, l.state, l.calleeEndpoint?.ip])).toEqual([
      ['p1', 'ringing', '203.0.113.21'],
      ['p2', 'confirmed', '203.0.113.22'],
    ]);
    expect(dialog.state).toBe('confirmed');
    expect(only(dialog.transactions).responses.map((r) => [r.message.status, r.party])).toEqual([
      [180, 'callee'],
      [183, 'callee'],
      [200, 'callee'],
    ]);
  });

  it('gives the early-media leg its own media session', () => {
    expect(dialog.media.map((s) => [s.toTag, s.caller?.rtp.port, s.callee?.rtp.port])).toEqual([['p2', 4000, 6000]]);
    expect(dialog.sdp.map((s) => [s.carriedBy, s.toTag])).toEqual([
      ['INVITE', ''],
      ['183 INVITE', 'p2'],
      ['200 INVITE', 'p2'],
    ]);
  });
});

describe('retransmissions', () => {
  it('counts INVITE retransmissions (T1 doubling) instead of adding messages', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const invite: SipParams = { method: 'INVITE', callId: 'rtx-1', fromTag: 'a1', branch: 'z9hG4bK-x1', cseq: 1 };
    const text = request(invite);
    const sends = [0, 0.5, 1.5, 3.5];
    const copies = sends.map((t) => wire.sip(text, ALICE, BOB, t));
    for (const m of copies) tracker.onMessage(m);
    tracker.onMessage(wire.sip(response(180, 'Ringing', { ...invite, toTag: 'b1' }), BOB, ALICE, 4));
    tracker.finish(ts(5));
    const dialog = only(tracker.dialogs());
    const tx = only(dialog.transactions);
    expect(dialog.messageCount).toBe(2);
    expect(dialog.retransmissionCount).toBe(3);
    expect(tx.request!.message.id).toBe(copies[0]!.id);
    expect(tx.request!.retransmissionCount).toBe(3);
    expect(tx.request!.retransmissions.map((r) => r.intervalSeconds)).toEqual([0.5, 1, 2]);
    expect(tx.request!.retransmissions.map((r) => [r.messageId, r.identical, r.frames])).toEqual([
      [copies[1]!.id, true, copies[1]!.origin.frames],
      [copies[2]!.id, true, copies[2]!.origin.frames],
      [copies[3]!.id, true, copies[3]!.origin.frames],
    ]);
    expect(tx.request!.retransmissionSpanSeconds).toBe(3.5);
    // The timeline marks them in order; each copy still finds its transaction.
    expect(dialog.entries.map((e) => e.kind)).toEqual(['message', 'retransmission', 'retransmission', 'retransmission', 'message']);
    expect(tracker.analysis().point(POINT.key)!.transactionOf(copies[2]!.id)).toBe(tx);
    expect(tracker.stats()).toMatchObject({ messages: 5, retransmissions: 3 });
    // A provisional response stops Timer B: ringing, not timed out.
    expect(tx.state).toBe('pending');
    expect(dialog.state).toBe('ringing');
  });

  it('treats same start line, CSeq and branch from the same source as a retransmission even if bytes differ', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const p: SipParams = { method: 'OPTIONS', callId: 'opt-1', fromTag: 'o1', branch: 'z9hG4bK-o1', cseq: 5 };
    tracker.onMessage(wire.sip(request(p), ALICE, BOB, 0));
    tracker.onMessage(wire.sip(request({ ...p, headers: ['User-Agent: changed'] }), ALICE, BOB, 0.5));
    // Same text from another source, different bytes is not a repeat: it is counted as conflicting.
    tracker.onMessage(wire.sip(request({ ...p, headers: ['X: y'] }), '192.168.1.99:5060', BOB, 0.6));
    tracker.onMessage(wire.sip(request({ ...p, cseq: 6, headers: ['X: z'] }), ALICE, BOB, 0.7));
    const dialog = only(tracker.dialogs());
    const [first, second] = dialog.transactions;
    expect(dialog.transactions).toHaveLength(2);
    expect(first!.request!.retransmissions.map((r) => r.identical)).toEqual([false]);
    expect(first!.conflictingRequests).toBe(1);
    // The branch reused with a new CSeq is a new transaction with a unique key.
    expect(second!.cseq).toBe(6);
    expect(second!.key).toBe(`${first!.key}#2`);
  });

  it('records a 200 OK retransmitted until Timer H without ACK, and the BYE that follows', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const invite: SipParams = { method: 'INVITE', callId: 'noack-1', fromTag: 'a1', branch: 'z9hG4bK-n1', cseq: 1, body: sdp('192.168.1.10', 4000) };
    tracker.onMessage(wire.sip(request(invite), ALICE, BOB, 0));
    const ok = response(200, 'OK', { ...invite, toTag: 'b1', body: sdp('203.0.113.5', 5000) });
    // RFC 3261 13.3.1.4: T1 doubling up to T2 (4 s) until 64*T1 = 32 s.
    const sends = [0.1, 0.6, 1.6, 3.6, 7.6, 11.6, 15.6, 19.6, 23.6, 27.6, 31.6];
    for (const t of sends) tracker.onMessage(wire.sip(ok, BOB, ALICE, t));
    const byeParams: SipParams = { method: 'BYE', callId: 'noack-1', fromTag: 'b1', toTag: 'a1', branch: 'z9hG4bK-nb', cseq: 2, via: '203.0.113.5:5060' };
    tracker.onMessage(wire.sip(request(byeParams), BOB, ALICE, 32.1));
    tracker.finish(ts(40));
    const dialog = only(tracker.dialogs());
    const answer = only(dialog.legs).answer!;
    expect(answer.ackSeen).toBe(false);
    expect(answer.retransmissions).toBe(10);
    expect(answer.retransmissionSpanSeconds).toBeCloseTo(31.5, 9);
    expect(answer.reachedTimerH).toBe(true);
    expect(answer.byeWithoutAck).toMatchObject({ by: 'callee' });
    expect(answer.byeWithoutAck!.secondsAfterAnswer).toBeCloseTo(32, 9);
    expect(answer.byeWithoutAck!.secondsAfterLastRetransmission).toBeCloseTo(0.5, 9);
    const response200 = txOf(dialog, 'INVITE').responses[0]!;
    expect(response200.retransmissions.map((r) => r.intervalSeconds.toFixed(3))).toEqual(['0.500', '1.000', '2.000', '4.000', '4.000', '4.000', '4.000', '4.000', '4.000', '4.000']);
    expect(dialog.state).toBe('terminated');
    expect(dialog.termination?.by).toBe('callee');
  });

  it('marks a request retransmitted after its final response', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const p: SipParams = { method: 'MESSAGE', callId: 'm-1', fromTag: 'm1', branch: 'z9hG4bK-m1', cseq: 1 };
    const text = request(p);
    tracker.onMessage(wire.sip(text, ALICE, BOB, 0));
    tracker.onMessage(wire.sip(response(200, 'OK', { ...p, toTag: 'x' }), BOB, ALICE, 0.1));
    tracker.onMessage(wire.sip(text, ALICE, BOB, 0.5));
    const tx = only(only(tracker.dialogs()).transactions);
    expect(tx.request!.retransmissions.map((r) => r.afterFinal)).toEqual([true]);
    expect(only(tracker.dialogs()).kind).toBe('message');
    expect(only(tracker.dialogs()).state).toBe('answered');
  });
});

describe('transactions without a final response', () => {
  const nonInvite: SipParams = { method: 'REGISTER', callId: 'to-1', fromTag: 't1', branch: 'z9hG4bK-t1', cseq: 1, ruri: 'sip:example.com', to: 'sip:alice@example.com' };
  // RFC 3261 17.1.2.2: Timer E doubles from T1 up to T2.
  const sends = [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];

  function run(end: number) {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const text = request(nonInvite);
    for (const t of sends.filter((s) => s <= end)) tracker.onMessage(wire.sip(text, ALICE, BOB, t));
    tracker.finish(ts(end));
    return { tracker, dialog: only(tracker.dialogs()), tx: only(tracker.transactions()) };
  }

  it('times out after Timer F with the retransmission schedule recorded', () => {
    const { dialog, tx, tracker } = run(40);
    expect(tx.state).toBe('timed-out');
    expect(tx.timeout).toEqual({ timer: 'F', timerSeconds: 32, retransmissions: 10, firstToLastSendSeconds: 31.5, observedSeconds: 40 });
    expect(tx.request!.retransmissions.map((r) => r.intervalSeconds)).toEqual([0.5, 1, 2, 4, 4, 4, 4, 4, 4, 4]);
    expect(dialog.state).toBe('timed-out');
    expect(dialog.endTs).toEqual(ts(32));
    expect(tracker.stats().transactionsByState['timed-out']).toBe(1);
  });

  it('is pending, with how long, when the capture ends before Timer F', () => {
    const { dialog, tx } = run(10);
    expect(tx.state).toBe('pending');
    expect(tx.pendingSeconds).toBe(10);
    expect(tx.timeout).toBeUndefined();
    expect(dialog.state).toBe('trying');
  });

  it('times out an INVITE with no response at all (Timer B)', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const text = request({ method: 'INVITE', callId: 'b-1', fromTag: 'a', branch: 'z9hG4bK-b1', cseq: 1 });
    for (const t of [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]) tracker.onMessage(wire.sip(text, ALICE, BOB, t));
    tracker.finish(ts(33));
    const tx = only(tracker.transactions());
    expect(tx.timeout).toMatchObject({ timer: 'B', retransmissions: 6, firstToLastSendSeconds: 31.5 });
    expect(only(tracker.dialogs()).state).toBe('timed-out');
  });
});

describe('RFC 2543 peers (no magic cookie)', () => {
  const wire = new Wire();
  const tracker = new DialogTracker();
  // No branch at all, no tags on the request: keyed by Call-ID, CSeq, From tag and top Via.
  const invite: SipParams = { method: 'INVITE', callId: 'old-1', cseq: 1 };
  const msgs = [
    wire.sip(request(invite), ALICE, BOB, 0),
    wire.sip(request(invite), ALICE, BOB, 0.5),
    wire.sip(response(200, 'OK', { ...invite, toTag: 'b9' }), BOB, ALICE, 1),
    wire.sip(request({ ...invite, method: 'ACK', toTag: 'b9' }), ALICE, BOB, 1.1),
    wire.sip(request({ ...invite, method: 'BYE', cseq: 2, toTag: 'b9' }), ALICE, BOB, 9),
    wire.sip(response(200, 'OK', { ...invite, cseqMethod: 'BYE', cseq: 2, toTag: 'b9' }), BOB, ALICE, 9.1),
  ];
  for (const m of msgs) tracker.onMessage(m);
  tracker.finish(ts(10));
  const dialog = only(tracker.dialogs());

  it('still builds transactions, detects the retransmission and ties the ACK to the INVITE', () => {
    const inv = txOf(dialog, 'INVITE');
    expect(inv.rfc3261).toBe(false);
    expect(inv.key).toBe('2543|old-1|1|INVITE||192.168.1.10:5060;branch=');
    expect(inv.request!.retransmissionCount).toBe(1);
    expect(inv.finalStatus).toBe(200);
    expect(only(inv.acks).message.id).toBe(msgs[3]!.id);
    expect(txOf(dialog, 'BYE').finalStatus).toBe(200);
    expect(dialog.transactions).toHaveLength(2);
  });

  it('follows the call through to the BYE', () => {
    expect(dialog.state).toBe('terminated');
    expect(dialog.termination).toMatchObject({ method: 'BYE', by: 'caller', status: 200 });
    expect(only(dialog.legs).answer?.ackSeen).toBe(true);
  });

  it('keys by Request-URI too: the same ids to another Request-URI are another transaction', () => {
    const w = new Wire();
    const t = new DialogTracker();
    t.onMessage(w.sip(request({ method: 'OPTIONS', callId: 'o', cseq: 1, ruri: 'sip:a@example.com' }), ALICE, BOB, 0));
    t.onMessage(w.sip(request({ method: 'OPTIONS', callId: 'o', cseq: 1, ruri: 'sip:b@example.com' }), ALICE, BOB, 1));
    expect(only(t.dialogs()).retransmissionCount).toBe(0);
    expect(t.transactions().map((x) => [x.request?.message.requestUriText, x.conflictingRequests])).toEqual([
      ['sip:a@example.com', 0],
      ['sip:b@example.com', 0],
    ]);
  });
});

describe('messages the stage cannot group and responses without requests', () => {
  it('counts messages without Call-ID or CSeq as skipped', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    tracker.onMessage(wire.sip('OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\nCSeq: 1 OPTIONS\nContent-Length: 0\n', ALICE, BOB, 0));
    tracker.onMessage(wire.sip('OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK2\nCall-ID: x\nContent-Length: 0\n', ALICE, BOB, 0));
    expect(tracker.stats()).toMatchObject({ messages: 2, skipped: { 'no-call-id': 1, 'no-cseq': 1 }, dialogs: 0 });
  });

  it('keeps an orphan response as a dialog that started before the capture', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    tracker.onMessage(wire.sip(response(200, 'OK', { method: 'INVITE', callId: 'late', fromTag: 'a', toTag: 'b', branch: 'z9hG4bK-l', cseq: 3 }), BOB, ALICE, 0));
    tracker.finish(ts(1));
    const d = only(tracker.dialogs());
    expect(d.startedInCapture).toBe(false);
    expect(d.callerEndpoint).toEqual({ ip: '192.168.1.10', port: 5060 });
    const tx = only(d.transactions);
    expect(tx.request).toBeUndefined();
    expect(tx.state).toBe('completed');
    expect(only(tx.responses).party).toBe('callee');
  });

  it('keeps an ACK whose INVITE was not captured as an ack-only transaction, repeats counted', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const ack = request({ method: 'ACK', callId: 'stray', fromTag: 'a', toTag: 'b', branch: 'z9hG4bK-stray', cseq: 1 });
    tracker.onMessage(wire.sip(ack, ALICE, BOB, 0));
    tracker.onMessage(wire.sip(ack, ALICE, BOB, 0.5));
    tracker.finish(ts(60));
    const tx = only(tracker.transactions());
    expect([tx.method, tx.state, tx.request!.retransmissionCount, tx.conflictingRequests]).toEqual(['ACK', 'ack-only', 1, 0]);
    expect(only(tracker.dialogs()).startedInCapture).toBe(false);
  });

  it('keeps a BYE of a call whose start was not captured as a terminated dialog', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    tracker.onMessage(wire.sip(request({ method: 'BYE', callId: 'mid', fromTag: 'b', toTag: 'a', branch: 'z9hG4bK-mid', cseq: 9 }), BOB, ALICE, 0));
    tracker.onMessage(wire.sip(response(200, 'OK', { method: 'BYE', callId: 'mid', fromTag: 'b', toTag: 'a', branch: 'z9hG4bK-mid', cseq: 9 }), ALICE, BOB, 0.1));
    const d = only(tracker.dialogs());
    expect(d).toMatchObject({ kind: 'call', startedInCapture: false, state: 'terminated' });
    expect(d.termination).toMatchObject({ method: 'BYE', status: 200 });
  });
});

describe('capture points', () => {
  it('keeps the same message seen at two capture points as two observations', () => {
    const inside = new Wire({ key: 'lan.pcap#0', source: 'lan.pcap', interfaceId: 0 });
    const outside = new Wire({ key: 'wan.pcap#0', source: 'wan.pcap', interfaceId: 0 });
    const tracker = new DialogTracker();
    const text = request({ method: 'OPTIONS', callId: 'twice', fromTag: 'x', branch: 'z9hG4bK-2p', cseq: 1 });
    tracker.onMessage(inside.sip(text, ALICE, BOB, 0));
    tracker.onMessage(outside.sip(text, '198.51.100.200:40001', BOB, 0.001));
    const analysis = tracker.analysis();
    expect(analysis.points.map((p) => [p.point.key, p.dialogs.length, p.transactions.length])).toEqual([
      ['lan.pcap#0', 1, 1],
      ['wan.pcap#0', 1, 1],
    ]);
    expect(tracker.stats().retransmissions).toBe(0);
  });
});

describe('ageOut', () => {
  it('summarizes finished dialogs and keeps live ones', () => {
    const wire = new Wire();
    const tracker = new DialogTracker({ retainFinishedSeconds: 60 });
    const done: SipParams = { method: 'OPTIONS', callId: 'done', fromTag: 'd', branch: 'z9hG4bK-d', cseq: 1 };
    const msgs = [wire.sip(request(done), ALICE, BOB, 0), wire.sip(response(200, 'OK', { ...done, toTag: 'x' }), BOB, ALICE, 0.1)];
    for (const m of msgs) tracker.onMessage(m);
    const live: SipParams = { method: 'INVITE', callId: 'live', fromTag: 'l', branch: 'z9hG4bK-l', cseq: 1 };
    tracker.onMessage(wire.sip(request(live), ALICE, BOB, 1));
    tracker.onMessage(wire.sip(response(200, 'OK', { ...live, toTag: 'y' }), BOB, ALICE, 1.1));
    expect(tracker.ageOut(ts(30))).toBe(0);
    expect(tracker.ageOut(ts(61))).toBe(1);
    const point = tracker.analysis().point(POINT.key)!;
    expect(point.dialogs.map((d) => d.callId)).toEqual(['live']);
    expect(point.transactions.map((t) => t.callId)).toEqual(['live']);
    expect(point.dialogOf(msgs[0]!.id)).toBeUndefined();
    expect(point.summaries).toEqual([
      expect.objectContaining({ callId: 'done', kind: 'options', state: 'answered', messages: 2, transactions: 1, firstFrame: 1, lastFrame: 2, endTs: ts(0.1) }),
    ]);
    expect(tracker.stats()).toMatchObject({ dialogs: 2, agedOutDialogs: 1, dialogsByKind: { options: 1, call: 1 } });
    // A new message with the aged-out Call-ID starts a new dialog.
    tracker.onMessage(wire.sip(request({ ...done, cseq: 2, branch: 'z9hG4bK-d2' }), ALICE, BOB, 70));
    expect(tracker.analysis().point(POINT.key)!.dialogs.map((d) => d.callId)).toEqual(['live', 'done']);
  });
});

describe('bounded memory per dialog', () => {
  it('keeps the latest transactions and entries of a long-lived registration and unindexes the rest', () => {
    const wire = new Wire();
    const tracker = new DialogTracker({ maxTransactionsPerDialog: 3, maxEntriesPerDialog: 4, maxRefreshesKept: 2 });
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const p: SipParams = { method: 'REGISTER', callId: 'long', fromTag: `f${i}`, branch: `z9hG4bK-long${i}`, cseq: i, ruri: 'sip:example.com', to: 'sip:alice@example.com', contact: '<sip:alice@192.168.1.10>' };
      const req = wire.sip(request(p), ALICE, BOB, i * 60);
      ids.push(req.id);
      tracker.onMessage(req);
      tracker.onMessage(wire.sip(response(200, 'OK', { ...p, toTag: 'x', headers: ['Expires: 60'] }), BOB, ALICE, i * 60 + 0.1));
    }
    const d = only(tracker.dialogs());
    expect(d.transactions.map((t) => t.cseq)).toEqual([3, 4, 5]);
    expect(d.transactionsDropped).toBe(2);
    expect(d.entries).toHaveLength(4);
    expect(d.entriesDropped).toBe(6);
    expect(d.messageCount).toBe(10);
    expect(d.registration!.refreshes.map((r) => r.requestId)).toEqual([ids[3], ids[4]]);
    expect(d.registration!.refreshesDropped).toBe(3);
    const point = tracker.analysis().point(POINT.key)!;
    expect(point.transactionOf(ids[0]!)).toBeUndefined();
    expect(point.transactionOf(ids[4]!)?.cseq).toBe(5);
    expect(point.transactions.map((t) => t.cseq)).toEqual([3, 4, 5]);
  });

  it('counts retransmissions beyond the kept ones without recording them', () => {
    const wire = new Wire();
    const tracker = new DialogTracker({ maxRetransmissionsKept: 2 });
    const text = request({ method: 'OPTIONS', callId: 'flood', fromTag: 'f', branch: 'z9hG4bK-flood', cseq: 1 });
    const copies = [0, 1, 2, 3, 4].map((t) => wire.sip(text, ALICE, BOB, t));
    for (const m of copies) tracker.onMessage(m);
    const request0 = only(tracker.transactions()).request!;
    expect(request0.retransmissionCount).toBe(4);
    expect(request0.retransmissionSpanSeconds).toBe(4);
    expect(request0.retransmissions.map((r) => r.messageId)).toEqual([copies[1]!.id, copies[2]!.id]);
    const d = only(tracker.dialogs());
    expect([d.retransmissionCount, d.entries.length, d.entriesDropped]).toEqual([4, 3, 2]);
  });
});

describe('subscriptions', () => {
  it('follows SUBSCRIBE / NOTIFY until the notifier terminates it', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const sub: SipParams = { method: 'SUBSCRIBE', callId: 'sub-1', fromTag: 's1', branch: 'z9hG4bK-sub', cseq: 1, headers: ['Event: presence', 'Expires: 600'] };
    tracker.onMessage(wire.sip(request(sub), ALICE, BOB, 0));
    tracker.onMessage(wire.sip(response(200, 'OK', { ...sub, toTag: 'n1', headers: ['Expires: 600'] }), BOB, ALICE, 0.1));
    const notify = (cseq: number, state: string): SipParams => ({ method: 'NOTIFY', callId: 'sub-1', fromTag: 'n1', toTag: 's1', branch: `z9hG4bK-not${cseq}`, cseq, via: BOB, headers: ['Event: presence', `Subscription-State: ${state}`] });
    tracker.onMessage(wire.sip(request(notify(1, 'active;expires=600')), BOB, ALICE, 0.2));
    tracker.onMessage(wire.sip(response(200, 'OK', notify(1, 'active;expires=600')), ALICE, BOB, 0.3));
    let d = only(tracker.dialogs());
    expect([d.kind, d.state, d.subscription]).toEqual(['subscription', 'answered', { event: 'presence', subscriptionState: 'active;expires=600' }]);
    tracker.onMessage(wire.sip(request(notify(2, 'terminated;reason=timeout')), BOB, ALICE, 600));
    d = only(tracker.dialogs());
    expect(d.state).toBe('terminated');
    expect(d.termination).toMatchObject({ method: 'NOTIFY', by: 'callee' });
    expect(d.entries.map((e) => (e.kind === 'message' ? e.observed.party : ''))).toEqual(['caller', 'callee', 'callee', 'caller', 'callee']);
  });
});

describe('the RFC 3261 magic cookie', () => {
  it('is recognized in any letter case, and a branch merely like it is RFC 2543', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const branches = ['Z9HG4BK-upper', 'z9hG4bK-mixed', 'z9hG4b-short', 'z9hg4bx-other', 'zXhg4bk-digit'];
    for (const [i, branch] of branches.entries()) tracker.onMessage(wire.sip(request({ method: 'OPTIONS', callId: `cookie-${i}`, branch, cseq: 1 }), ALICE, BOB, i));
    const byCall = new Map(tracker.transactions().map((t) => [t.callId, t.rfc3261]));
    expect(branches.map((_, i) => byCall.get(`cookie-${i}`))).toEqual([true, true, false, false, false]);
  });
});
