import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../src/sip/message.js';
import { headerValues, isRequest, isResponse } from '../../src/sip/index.js';
import type { SipMessage } from '../../src/sip/types.js';
import { ALICE_SDP, at, bytes, crlf, tcpOrigin, udpOrigin } from './helpers.js';

function parse(text: string, transport: 'udp' | 'tcp' = 'udp'): SipMessage {
  const b = bytes(text);
  const msg = parseSipMessage(b, transport === 'udp' ? udpOrigin(b.length) : tcpOrigin(b.length), 7);
  if (!msg) throw new Error('not parsed');
  return msg;
}

function codes(msg: SipMessage): string[] {
  return msg.defects.map((d) => d.code);
}

const INVITE = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.168.1.2:5060;transport=udp>
Content-Type: application/sdp
Content-Length: ${ALICE_SDP.length}

`) + ALICE_SDP;

describe('parseSipMessage: a plain INVITE', () => {
  const msg = parse(INVITE);

  it('parses the start line', () => {
    expect(msg).toMatchObject({ id: 7, kind: 'request', method: 'INVITE', version: 'SIP/2.0', requestUriText: 'sip:bob@biloxi.example.com' });
    expect(at(msg.raw, msg.startLineSpan)).toBe('INVITE sip:bob@biloxi.example.com SIP/2.0');
    expect(at(msg.raw, msg.requestUri!.span)).toBe('sip:bob@biloxi.example.com');
    expect(isRequest(msg)).toBe(true);
    expect(isResponse(msg)).toBe(false);
  });

  it('keeps every header with exact spans', () => {
    expect(msg.headers.map((h) => h.canonical)).toEqual([
      'via', 'max-forwards', 'to', 'from', 'call-id', 'cseq', 'contact', 'content-type', 'content-length',
    ]);
    for (const h of msg.headers) {
      expect(at(msg.raw, h.span)).toBe(`${h.name}: ${h.value}`);
      expect(at(msg.raw, h.valueSpan)).toBe(h.value);
    }
    expect(msg.headers.map((h) => h.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('parses the views that drive dialogs', () => {
    expect(msg.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(msg.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(msg.from).toMatchObject({ displayName: 'Alice', uri: { user: 'alice', host: 'atlanta.example.com' }, params: { tag: '1928301774' } });
    expect(msg.to!.params).toEqual({});
    expect(msg.contacts).toHaveLength(1);
    expect(at(msg.raw, msg.contacts[0].uri.hostPortSpan)).toBe('192.168.1.2:5060');
    expect(msg.vias).toHaveLength(1);
    expect(msg.vias[0]).toMatchObject({ protocol: 'SIP/2.0/UDP', transport: 'UDP', host: '192.168.1.2', port: 5060, branch: 'z9hG4bK776asdhds', rport: null });
    expect(at(msg.raw, msg.vias[0].hostPortSpan)).toBe('192.168.1.2:5060');
    expect(msg.contentType).toBe('application/sdp');
    expect(msg.declaredContentLength).toBe(136);
  });

  it('keeps the body and SDP with spans into raw', () => {
    expect(msg.body.length).toBe(136);
    expect(msg.defects).toEqual([]);
    expect(at(msg.raw, msg.bodySpan)).toBe(Buffer.from(msg.body).toString('latin1'));
    expect(msg.sdp!.connection!.address).toBe('192.168.1.2');
    expect(at(msg.raw, msg.sdp!.connection!.line.span)).toBe('c=IN IP4 192.168.1.2');
    expect(msg.raw.length).toBe(INVITE.length);
  });

  it('owns a copy of the bytes', () => {
    const b = bytes(INVITE);
    const m = parseSipMessage(b, udpOrigin(b.length), 1)!;
    b.fill(0);
    expect(at(m.raw, m.startLineSpan)).toBe('INVITE sip:bob@biloxi.example.com SIP/2.0');
  });
});

describe('parseSipMessage: responses', () => {
  it('status and reason with spaces', () => {
    const msg = parse('SIP/2.0 486 Busy Here Now\r\nCall-ID: x\r\n\r\n');
    expect(msg).toMatchObject({ kind: 'response', status: 486, reason: 'Busy Here Now', version: 'SIP/2.0' });
    expect(isResponse(msg)).toBe(true);
  });

  it('a status line alone, without a line end', () => {
    const msg = parse('SIP/2.0 200');
    expect(msg).toMatchObject({ status: 200, reason: '', startLineSpan: { offset: 0, length: 11 } });
    expect(msg.headers).toEqual([]);
    expect(msg.defects.map((d) => d.code)).toEqual(['headers-not-terminated']);
  });

  it('empty reason phrase', () => {
    expect(parse('SIP/2.0 200\r\n\r\n')).toMatchObject({ status: 200, reason: '' });
  });

  it('status outside 100-699 is a defect', () => {
    expect(codes(parse('SIP/2.0 999 Odd\r\n\r\n'))).toEqual(['bad-status-code']);
  });
});

describe('parseSipMessage: header names', () => {
  it.each([
    ['i', 'call-id'], ['m', 'contact'], ['v', 'via'], ['f', 'from'], ['t', 'to'], ['l', 'content-length'],
    ['c', 'content-type'], ['k', 'supported'], ['s', 'subject'], ['e', 'content-encoding'], ['o', 'event'],
    ['u', 'allow-events'], ['r', 'refer-to'], ['b', 'referred-by'], ['x', 'session-expires'], ['y', 'identity'],
    ['d', 'request-disposition'], ['a', 'accept-contact'], ['j', 'reject-contact'], ['I', 'call-id'], ['V', 'via'],
  ])('compact %s is %s', (name, canonical) => {
    const msg = parse(`OPTIONS sip:x SIP/2.0\r\n${name}: value\r\n\r\n`);
    expect(msg.headers[0]).toMatchObject({ name, canonical });
  });

  it('compact forms feed the views', () => {
    const msg = parse(crlf(`INVITE sip:bob@h SIP/2.0
v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1
f: <sip:a@h>;tag=1
t: <sip:b@h>
i: cid-1
m: <sip:a@10.0.0.1>
c: application/sdp
l: 0

`));
    expect(msg).toMatchObject({ callId: 'cid-1', contentType: 'application/sdp', declaredContentLength: 0 });
    expect(msg.vias[0].host).toBe('10.0.0.1');
    expect(msg.from!.params.tag).toBe('1');
    expect(msg.contacts[0].uri.host).toBe('10.0.0.1');
  });

  it('names written the usual way, and names that only look like them, get the same canonical names', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nCall-Id: abc\r\nVias: 1\r\nVi: 2\r\nFr@m: 3\r\nFrom : <sip:a@b>;tag=f\r\nv: SIP/2.0/UDP h\r\n\r\n');
    expect(msg.headers.map((h) => [h.name, h.canonical])).toEqual([
      ['Call-Id', 'call-id'], ['Vias', 'vias'], ['Vi', 'vi'], ['Fr@m', 'fr@m'], ['From', 'from'], ['v', 'via'],
    ]);
    // A name the length of a usual one is still checked when it is not one.
    expect(codes(msg)).toEqual(['bad-header-name']);
    expect(msg.defects[0]!.offset).toBe(msg.headers[3]!.span.offset + 2);
    expect(msg.from!.params.tag).toBe('f');
  });

  it('names are case-insensitive and kept as written', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nCALL-id: abc\r\nvIa: SIP/2.0/UDP h\r\n\r\n');
    expect(msg.headers.map((h) => [h.name, h.canonical])).toEqual([['CALL-id', 'call-id'], ['vIa', 'via']]);
    expect(msg.callId).toBe('abc');
    expect(msg.vias).toHaveLength(1);
  });

  it('whitespace before the colon', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nCall-ID  \t: abc\r\n\r\n');
    expect(msg.headers[0]).toMatchObject({ name: 'Call-ID', value: 'abc' });
  });
});

describe('parseSipMessage: comma-separated values', () => {
  const msg = parse(crlf(`REGISTER sip:registrar.example SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa, SIP/2.0/TCP [2001:db8::5]:5070;branch=z9hG4bKb;received=2001:db8::9
Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKc;maddr=239.1.1.1;rport=5099
Contact: "Doe, John" <sip:john@10.0.0.1>;expires=60, <sip:john@[2001:db8::5]:5070>;q=0.5
Route: <sip:p1.example;lr>,<sip:p2.example;lr>
Record-Route: <sip:rr.example;lr;x="a,b">
WWW-Authenticate: Digest realm="example.com", nonce="abc", qop="auth,auth-int", algorithm=MD5
Authorization: Digest username="john", realm="example.com", uri="sip:registrar.example", response="x"
Date: Sat, 13 Nov 2010 23:29:00 GMT
Allow: INVITE, ACK,BYE , CANCEL
Call-ID: r1
CSeq: 2 REGISTER

`));

  it('splits Via into values, across header lines, with spans', () => {
    expect(msg.vias.map((v) => [v.transport, v.host, v.port])).toEqual([
      ['UDP', '10.0.0.1', 5060], ['TCP', '2001:db8::5', 5070], ['UDP', 'proxy.example', undefined],
    ]);
    expect(at(msg.raw, msg.vias[1].span)).toBe('SIP/2.0/TCP [2001:db8::5]:5070;branch=z9hG4bKb;received=2001:db8::9');
    expect(at(msg.raw, msg.vias[1].hostPortSpan)).toBe('[2001:db8::5]:5070');
    expect(msg.vias[1].received).toBe('2001:db8::9');
    expect(msg.vias[2]).toMatchObject({ maddr: '239.1.1.1', rport: 5099 });
    expect(msg.vias[0].rport).toBeUndefined();
  });

  it('does not split inside quoted display names', () => {
    expect(msg.contacts.map((c) => c.displayName)).toEqual(['Doe, John', undefined]);
    expect(at(msg.raw, msg.contacts[1].uri.hostPortSpan)).toBe('[2001:db8::5]:5070');
    expect(msg.contacts[1].uri.host).toBe('2001:db8::5');
  });

  it('headerValues splits list headers only', () => {
    expect(headerValues(msg, 'route')).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    expect(headerValues(msg, 'Record-Route')).toEqual(['<sip:rr.example;lr;x="a,b">']);
    expect(headerValues(msg, 'allow')).toEqual(['INVITE', 'ACK', 'BYE', 'CANCEL']);
    expect(headerValues(msg, 'v')).toHaveLength(3);
    expect(headerValues(msg, 'www-authenticate')).toEqual(['Digest realm="example.com", nonce="abc", qop="auth,auth-int", algorithm=MD5']);
    expect(headerValues(msg, 'authorization')).toHaveLength(1);
    expect(headerValues(msg, 'date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(headerValues(msg, 'x-absent')).toEqual([]);
  });
});

describe('parseSipMessage: line folding', () => {
  const text = crlf(`INVITE sip:bob@h SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1,
 SIP/2.0/UDP 10.0.0.2:5062
  ;branch=z9hG4bK2
Subject: I know you're there,
\tpick up the phone
Call-ID: fold-1

`);
  const msg = parse(text);

  it('undoes folds in the value and spans all lines', () => {
    expect(msg.headers[0].value).toBe('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2:5062 ;branch=z9hG4bK2');
    expect(at(msg.raw, msg.headers[0].span)).toBe('Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1,\r\n SIP/2.0/UDP 10.0.0.2:5062\r\n  ;branch=z9hG4bK2');
    expect(msg.headers[1].value).toBe("I know you're there, pick up the phone");
    expect(msg.callId).toBe('fold-1');
  });

  it('parses structured values across folds with raw spans', () => {
    expect(msg.vias.map((v) => [v.host, v.port, v.branch])).toEqual([['10.0.0.1', 5060, 'z9hG4bK1'], ['10.0.0.2', 5062, 'z9hG4bK2']]);
    expect(at(msg.raw, msg.vias[1].hostPortSpan)).toBe('10.0.0.2:5062');
  });

  it('a value that starts on a continuation line', () => {
    const m = parse('OPTIONS sip:x SIP/2.0\r\nSubject:\r\n  hello\r\n\r\n');
    expect(m.headers[0].value).toBe('hello');
    expect(at(m.raw, m.headers[0].valueSpan)).toBe('hello');
  });

  it('a folded line with no header before it is a defect', () => {
    const m = parse('OPTIONS sip:x SIP/2.0\r\n folded\r\nCall-ID: a\r\n\r\n');
    expect(codes(m)).toEqual(['continuation-without-header']);
    expect(m.callId).toBe('a');
  });
});

describe('parseSipMessage: Via details', () => {
  it('whitespace inside sent-protocol and around the port colon', () => {
    const m = parse('OPTIONS sip:x SIP/2.0\r\nVia: SIP / 2.0 / TLS  host.example : 5061 ; branch = z9hG4bKx ; received=1.2.3.4\r\n\r\n');
    expect(m.vias[0]).toMatchObject({ protocol: 'SIP/2.0/TLS', transport: 'TLS', host: 'host.example', port: 5061, branch: 'z9hG4bKx', received: '1.2.3.4' });
    expect(at(m.raw, m.vias[0].hostPortSpan)).toBe('host.example : 5061');
  });

  it('sent-protocols: the usual ones as written, the rest from their parts', () => {
    const m = parse(
      'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/WSS a, SIP/2.0/WS b, SIP/2.0/UDPX c, sip/2.0/udp d, SIP/2.0/TCP;branch=z9hG4bKe\r\n\r\n',
    );
    expect(m.vias.map((v) => [v.protocol, v.transport, v.host])).toEqual([
      ['SIP/2.0/WSS', 'WSS', 'a'], ['SIP/2.0/WS', 'WS', 'b'], ['SIP/2.0/UDPX', 'UDPX', 'c'], ['sip/2.0/udp', 'udp', 'd'],
    ]);
    // No sent-by after a usual protocol is the same defect as after any other.
    expect(codes(m)).toEqual(['bad-via']);
  });

  it('a broken Via is a defect and the others survive', () => {
    const m = parse('OPTIONS sip:x SIP/2.0\r\nVia: garbage, SIP/2.0/UDP ok.example\r\n\r\n');
    expect(m.vias.map((v) => v.host)).toEqual(['ok.example']);
    expect(codes(m)).toEqual(['bad-via']);
  });

  it('rport with a bad value', () => {
    const m = parse('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;rport=abc\r\n\r\n');
    expect(m.vias[0].rport).toBeUndefined();
    expect(codes(m)).toEqual(['bad-rport']);
  });
});

describe('parseSipMessage: hostile and broken input', () => {
  it('junk before the request line: skipped, reported, origin shifted', () => {
    const text = 'DB' + crlf('REGISTER sip:1.1.1.1:5060 SIP/2.0\nExpires: 3600\n\n');
    const b = bytes(text);
    const msg = parseSipMessage(b, udpOrigin(b.length), 1)!;
    expect(msg.method).toBe('REGISTER');
    expect(codes(msg)).toEqual(['junk-before-start-line']);
    expect(msg.defects[0].message).toContain('2 bytes');
    expect(msg.raw.length).toBe(b.length - 2);
    expect(msg.origin.segments).toEqual([{ frameNumber: 1, frameOffset: 44, payloadOffset: 0, length: b.length - 2 }]);
    expect(msg.expires).toBe(3600);
  });

  it('junk lines before a response', () => {
    const msg = parse('\x00\x01garbage\r\nSIP/2.0 200 OK\r\nCall-ID: j\r\n\r\n');
    expect(codes(msg)).toEqual(['junk-before-start-line']);
    expect(msg.status).toBe(200);
    expect(msg.callId).toBe('j');
  });

  it('leading CRLF before the start line', () => {
    expect(codes(parse('\r\n\r\nOPTIONS sip:x SIP/2.0\r\n\r\n'))).toEqual(['leading-crlf']);
  });

  it('not SIP at all', () => {
    const b = bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(parseSipMessage(b, udpOrigin(b.length), 1)).toBeUndefined();
    expect(parseSipMessage(new Uint8Array(0), udpOrigin(0), 1)).toBeUndefined();
  });

  it('a header without a colon is skipped with a defect', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\nthis line has no colon\r\nCSeq: 1 OPTIONS\r\n\r\n');
    expect(codes(msg)).toEqual(['header-without-colon']);
    expect(msg.defects[0].offset).toBe('OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n'.length);
    expect(msg.headers.map((h) => h.canonical)).toEqual(['call-id', 'cseq']);
    expect(msg.headers[1].index).toBe(1);
  });

  it('header name with bad characters, and a header with an empty name', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nX Bad: 1\r\n: nothing\r\n\r\n');
    expect(codes(msg)).toEqual(['bad-header-name', 'header-without-name']);
    expect(msg.headers.map((h) => h.name)).toEqual(['X Bad']);
  });

  it('an oversized header is capped', () => {
    const msg = parse(`OPTIONS sip:x SIP/2.0\r\nX-Big: ${'a'.repeat(20000)}\r\nCall-ID: after\r\n\r\n`);
    expect(codes(msg)).toEqual(['header-too-long']);
    expect(msg.headers[0].value.length).toBe(16384 - 'X-Big: '.length);
    expect(msg.callId).toBe('after');
  });

  it('too many headers', () => {
    const msg = parse(`OPTIONS sip:x SIP/2.0\r\n${'X-A: 1\r\n'.repeat(600)}\r\n`);
    expect(msg.headers).toHaveLength(512);
    expect(codes(msg)).toEqual(['too-many-headers']);
  });

  it('8-bit bytes: byte offsets stay exact (Latin-1 decoding)', () => {
    // "Zoë" in UTF-8 (2-byte ë) and a raw 0xff byte before the headers we check.
    const b = new Uint8Array(Buffer.concat([
      Buffer.from('INVITE sip:zoe@h SIP/2.0\r\nFrom: "Zoë ', 'utf8'),
      Buffer.from([0xff]),
      Buffer.from('" <sip:zoe@10.0.0.7:5070>;tag=1\r\nVia: SIP/2.0/UDP 10.0.0.7:5070\r\nCall-ID: 8bit\r\n\r\n', 'latin1'),
    ]));
    const msg = parseSipMessage(b, udpOrigin(b.length), 1)!;
    expect(msg.callId).toBe('8bit');
    expect(at(msg.raw, msg.from!.uri.hostPortSpan)).toBe('10.0.0.7:5070');
    expect(at(msg.raw, msg.vias[0].hostPortSpan)).toBe('10.0.0.7:5070');
    // The display name is the Latin-1 reading of the bytes: renderers decide how to show it.
    expect(Buffer.from(msg.from!.displayName!, 'latin1').toString('utf8')).toBe('Zoë \ufffd');
  });

  it('control characters in values are kept verbatim', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nUser-Agent: evil\x1b]0;title\x07\x00end\r\nSubject: a\rb\r\n\r\n');
    expect(msg.headers[0].value).toBe('evil\x1b]0;title\x07\x00end');
    expect(msg.headers[1].value).toBe('a\rb');
  });

  it('bare LF line endings', () => {
    const msg = parse('SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP h:5060\nCall-ID: lf\nContent-Length: 4\n\nabcd');
    expect(msg.callId).toBe('lf');
    expect(msg.vias[0].port).toBe(5060);
    expect(Buffer.from(msg.body).toString()).toBe('abcd');
    expect(msg.defects).toEqual([]);
    expect(at(msg.raw, msg.startLineSpan)).toBe('SIP/2.0 180 Ringing');
  });

  it('no blank line after the headers', () => {
    const msg = parse('OPTIONS sip:x SIP/2.0\r\nCall-ID: trunc\r\nMax-Forwards: 7');
    expect(codes(msg)).toEqual(['headers-not-terminated']);
    expect(msg.headers.map((h) => h.value)).toEqual(['trunc', '7']);
    expect(msg.body.length).toBe(0);
  });

  it('an unparseable Request-URI is kept as text', () => {
    const msg = parse('INVITE sip:[::1 SIP/2.0\r\n\r\n');
    expect(msg.requestUriText).toBe('sip:[::1');
    expect(codes(msg)).toContain('bad-uri-host');
    const other = parse('INVITE x:  SIP/2.0\r\n\r\n');
    expect(other.requestUriText).toBe('x:');
  });

  it('CSeq problems and duplicates', () => {
    const msg = parse('INVITE sip:x SIP/2.0\r\nCSeq: 1 BYE\r\nCall-ID: a\r\nCall-ID: b\r\n\r\n');
    expect(msg.callId).toBe('a');
    expect(codes(msg)).toEqual(['duplicate-header', 'cseq-method-mismatch']);
    expect(codes(parse('OPTIONS sip:x SIP/2.0\r\nCSeq: abc\r\n\r\n'))).toEqual(['bad-cseq']);
  });

  it('Contact: * and Expires', () => {
    const msg = parse('REGISTER sip:x SIP/2.0\r\nContact: *\r\nExpires: 0\r\n\r\n');
    expect(msg.contactStar).toBe(true);
    expect(msg.contacts).toEqual([]);
    expect(msg.expires).toBe(0);
    expect(codes(parse('REGISTER sip:x SIP/2.0\r\nExpires: soon\r\n\r\n'))).toEqual(['bad-expires']);
  });
});

describe('parseSipMessage: Content-Length', () => {
  it('missing over UDP: the body is the rest of the datagram, no defect', () => {
    const msg = parse('MESSAGE sip:x SIP/2.0\r\nContent-Type: text/plain\r\n\r\nhello');
    expect(Buffer.from(msg.body).toString()).toBe('hello');
    expect(msg.declaredContentLength).toBeUndefined();
    expect(msg.defects).toEqual([]);
  });

  it('missing over TCP is a defect', () => {
    expect(codes(parse('OPTIONS sip:x SIP/2.0\r\n\r\n', 'tcp'))).toEqual(['missing-content-length']);
  });

  it('declared larger or smaller than carried: defect, carried body kept', () => {
    const short = parse('MESSAGE sip:x SIP/2.0\r\nContent-Length: 100\r\n\r\nhello');
    expect(codes(short)).toEqual(['content-length-mismatch']);
    expect(short.defects[0].message).toBe('Content-Length declares 100 bytes, 5 carried');
    expect(Buffer.from(short.body).toString()).toBe('hello');
    const long = parse('MESSAGE sip:x SIP/2.0\r\nl: 2\r\n\r\nhello');
    expect(long.declaredContentLength).toBe(2);
    expect(Buffer.from(long.body).toString()).toBe('hello');
    expect(codes(long)).toEqual(['content-length-mismatch']);
  });

  it('not a number', () => {
    const msg = parse('INVITE sip:bob@10.0.0.2 SIP/2.0\r\nContent-Length: bad\r\n\r\n');
    expect(msg.declaredContentLength).toBeUndefined();
    expect(codes(msg)).toEqual(['invalid-content-length']);
    expect(codes(parse('SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n'))).toEqual(['invalid-content-length']);
  });
});

describe('parseSipMessage: bodies', () => {
  it('finds SDP in multipart/mixed with spans into raw', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\nm=audio 8000 RTP/AVP 8\r\n';
    const body = `--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--unique-boundary-1\r\nContent-Type: application/isup;version=itu-t92+\r\nContent-Disposition: signal;handling=optional\r\n\r\n\x01\x00\x49\x00\r\n--unique-boundary-1--\r\n`;
    const text = `INVITE sip:x SIP/2.0\r\nContent-Type: multipart/mixed;boundary="unique-boundary-1"\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const msg = parse(text);
    expect(msg.contentType).toBe('multipart/mixed');
    expect(msg.defects).toEqual([]);
    expect(msg.sdp!.connection!.address).toBe('10.1.1.1');
    expect(msg.sdp!.media[0].port).toBe(8000);
    expect(at(msg.raw, msg.sdp!.media[0].line.span)).toBe('m=audio 8000 RTP/AVP 8');
    expect(msg.sdp!.lines.map((l) => l.type).join('')).toBe('vosctm');
    expect(msg.sdp!.defects).toEqual([]);
  });

  it('multipart without a boundary, or without an SDP part', () => {
    expect(codes(parse('INVITE sip:x SIP/2.0\r\nContent-Type: multipart/mixed\r\n\r\n--b\r\n\r\n'))).toEqual(['multipart-without-boundary']);
    const noSdp = parse('INVITE sip:x SIP/2.0\r\nc: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nv=0\r\n--b--\r\n');
    expect(noSdp.sdp).toBeUndefined();
    expect(noSdp.defects).toEqual([]);
  });

  it('SDP without a Content-Type is parsed and flagged', () => {
    const msg = parse('SIP/2.0 200 OK\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\n');
    expect(codes(msg)).toEqual(['sdp-without-content-type']);
    expect(msg.sdp!.connection!.address).toBe('10.0.0.1');
  });

  it('a non-SDP body is not parsed as SDP', () => {
    const msg = parse('INFO sip:x SIP/2.0\r\nContent-Type: application/dtmf-relay\r\n\r\nSignal=5\r\nDuration=160\r\n');
    expect(msg.sdp).toBeUndefined();
    expect(msg.contentType).toBe('application/dtmf-relay');
  });
});
