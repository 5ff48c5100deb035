/**
 * Parsed views are dropped for all but the most recently parsed messages and parsed again from the
 * message text when read: what a caller reads must not depend on whether that happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { keepParsedViews, memoSlot, memoized, parseSipMessage, parsedAgain, recall, remember, sameBytes } from '../../src/sip/index.js';
import type { SipMessage } from '../../src/sip/types.js';
import { ALICE_SDP, bytes, crlf, udpOrigin } from './helpers.js';

const INVITE = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bK776asdhds;rport
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnashds8;received=192.0.2.3
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@192.168.1.2
CSeq: 314159 INVITE
Contact: <sip:alice@192.168.1.2:5060>, <sip:alice@10.0.0.1>;q=0.5
Content-Type: application/sdp
Content-Length: ${ALICE_SDP.length}

${ALICE_SDP}`);

function parse(text: string, id: number): SipMessage {
  const b = bytes(text);
  const msg = parseSipMessage(b, udpOrigin(b.length), id);
  if (!msg) throw new Error('not parsed');
  return msg;
}

/** Everything a caller can read of a message, as plain data. */
function readAll(msg: SipMessage) {
  return {
    id: msg.id,
    kind: msg.kind,
    method: msg.method,
    requestUri: msg.requestUri,
    requestUriText: msg.requestUriText,
    version: msg.version,
    startLineSpan: msg.startLineSpan,
    headers: msg.headers,
    declaredContentLength: msg.declaredContentLength,
    body: Buffer.from(msg.body).toString('latin1'),
    bodySpan: msg.bodySpan,
    raw: Buffer.from(msg.raw).toString('latin1'),
    defects: msg.defects,
    origin: msg.origin,
    callId: msg.callId,
    cseq: msg.cseq,
    from: msg.from,
    to: msg.to,
    vias: msg.vias,
    contacts: msg.contacts,
    contactStar: msg.contactStar,
    contentType: msg.contentType,
    sdp: msg.sdp,
  };
}

afterEach(() => keepParsedViews());

describe('parsed views', () => {
  it('are parsed again, identical, once newer messages pushed them out', () => {
    keepParsedViews(1);
    const invite = parse(INVITE, 1);
    const before = readAll(invite);
    const vias = invite.vias;
    expect(invite.vias).toBe(vias);
    parse(INVITE.replace('CSeq: 314159', 'CSeq: 314160'), 2);
    // A new array: the views were parsed again from the text...
    expect(invite.vias).not.toBe(vias);
    // ...and read the same in every field.
    expect(readAll(invite)).toEqual(before);
    expect(before.sdp?.media[0]?.port).toBe(49170);
    expect(before.contacts).toHaveLength(2);
  });

  it('keep a view a caller replaced', () => {
    keepParsedViews(1);
    const invite = parse(INVITE, 1);
    invite.contacts = [];
    parse(INVITE, 2);
    parse(INVITE, 3);
    expect(invite.contacts).toEqual([]);
    expect(invite.vias).toHaveLength(2);
  });

  it('stay while fewer messages than the limit were parsed since', () => {
    keepParsedViews(3);
    const invite = parse(INVITE, 1);
    const headers = invite.headers;
    parse(INVITE, 2);
    parse(INVITE, 3);
    expect(invite.headers).toBe(headers);
    parse(INVITE, 4);
    expect(invite.headers).not.toBe(headers);
    expect(invite.headers).toEqual(headers);
  });

  it('are not parsed again to tell whether two messages carry the same bytes', () => {
    keepParsedViews(1);
    const first = parse(INVITE, 1);
    const again = parse(INVITE, 2);
    const other = parse(INVITE.replace('CSeq: 314159', 'CSeq: 314160'), 3);
    const before = parsedAgain();
    expect(sameBytes(first, again)).toBe(true);
    expect(sameBytes(first, other)).toBe(false);
    expect(parsedAgain()).toBe(before);
    // Messages built by hand have no text: their bytes are compared.
    const handBuilt = { ...readAll(other), body: new Uint8Array(0), raw: other.raw } as SipMessage;
    expect(sameBytes(handBuilt, other)).toBe(true);
    expect(sameBytes(handBuilt, first)).toBe(false);
  });
});

describe('memoized', () => {
  it('works a value out once per message, also after its views were dropped', () => {
    keepParsedViews(1);
    const slot = memoSlot<string>();
    let computed = 0;
    const branch = (msg: SipMessage) => {
      computed++;
      return msg.vias[0]!.branch!;
    };
    const invite = parse(INVITE, 1);
    expect(memoized(invite, slot, branch)).toBe('z9hG4bK776asdhds');
    parse(INVITE, 2);
    expect(memoized(invite, slot, branch)).toBe('z9hG4bK776asdhds');
    expect(computed).toBe(1);
  });

  it('remembers and recalls per slot, for parsed messages and hand-built ones alike', () => {
    const first = memoSlot<number>();
    const second = memoSlot<number>();
    const parsed = parse(INVITE, 1);
    const handBuilt = { ...readAll(parsed), body: new Uint8Array(0), raw: new Uint8Array(0) } as SipMessage;
    for (const msg of [parsed, handBuilt]) {
      expect(recall(msg, first)).toBeUndefined();
      remember(msg, first, 7);
      expect(recall(msg, first)).toEqual({ value: 7 });
      expect(recall(msg, second)).toBeUndefined();
      expect(memoized(msg, second, () => 9)).toBe(9);
      expect(memoized(msg, second, () => 10)).toBe(9);
    }
  });
});
