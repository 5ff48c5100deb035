import { describe, expect, it } from 'vitest';
import { findStartLine, locateStartLine, looksLikeSip } from '../../src/sip/detect.js';
import { bytes } from './helpers.js';

describe('looksLikeSip', () => {
  it.each([
    'INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n',
    'REGISTER sips:example.com SIP/2.0\r\n',
    'OPTIONS tel:+15551234 SIP/2.0\n',
    'FOO sip:x SIP/2.0\r\n',
    'SIP/2.0 200 OK\r\n',
    'SIP/2.0 100 Trying',
    'sip/2.0 180 Ringing\r\n',
    'INVITE sip:bob@x sip/2.0\r\n',
  ])('accepts %j', (text) => {
    expect(looksLikeSip(bytes(text))).toBe(true);
  });

  it.each([
    ['HTTP response', 'HTTP/1.1 200 OK\r\n'],
    ['HTTP request', 'GET /index.html HTTP/1.1\r\n'],
    ['request without version', 'INVITE sip:bob@x\r\n'],
    ['request with no scheme', 'INVITE bob@x SIP/2.0\r\n'],
    ['lower-case method', 'invite sip:bob@x SIP/2.0\r\n'],
    ['status with 2 digits', 'SIP/2.0 20 OK\r\n'],
    ['status with 4 digits', 'SIP/2.0 2000 OK\r\n'],
    ['SIP/2.0 as a request version only on a later line', 'INVITE sip:x\r\nSIP/2.0\r\n'],
    ['no line end', 'INVITE sip:bob@example.com SIP/2.0'],
    ['empty', ''],
  ])('rejects %s', (_name, text) => {
    expect(looksLikeSip(bytes(text))).toBe(false);
  });

  it('rejects RTP, RTCP and STUN on the first byte', () => {
    const rtp = new Uint8Array(172);
    rtp[0] = 0x80;
    rtp[1] = 0x00;
    expect(looksLikeSip(rtp)).toBe(false);
    const stun = new Uint8Array(20);
    stun[1] = 0x01;
    expect(looksLikeSip(stun)).toBe(false);
  });

  it('honours the start and end bounds', () => {
    const b = bytes('xxSIP/2.0 200 OK\r\n');
    expect(looksLikeSip(b)).toBe(false);
    expect(looksLikeSip(b, 2)).toBe(true);
    expect(looksLikeSip(b, 2, 10)).toBe(false);
  });
});

describe('findStartLine / locateStartLine', () => {
  it('finds a start line after junk lines', () => {
    const b = bytes('garbage\r\nmore junk\nSIP/2.0 200 OK\r\n\r\n');
    expect(findStartLine(b)).toBe(19);
  });

  it('finds a known method glued to junk on the same line', () => {
    expect(locateStartLine(bytes('DBREGISTER sip:1.1.1.1:5060 SIP/2.0\r\n\r\n'))).toBe(2);
    expect(locateStartLine(bytes('\x01\x02INVITE sip:a@b SIP/2.0\r\n\r\n'))).toBe(2);
    expect(locateStartLine(bytes('?!INVITE sip:a@b SIP/2.0\r\n\r\n'))).toBe(2);
  });

  it('finds a glued method when an earlier SIP/2.0 is on the same line', () => {
    expect(findStartLine(bytes('xx SIP/2.0/UDP yy INVITE sip:a@b SIP/2.0\r\n'))).toBe(18);
    expect(findStartLine(bytes('xxSIP/2.0 200 OK\r\n'))).toBe(2);
  });

  it('stays linear on hostile input (many SIP/2.0 without line ends)', () => {
    const hostile = bytes('INVITE '.repeat(2000) + 'SIP/2.0'.repeat(8000));
    expect(findStartLine(hostile)).toBe(-1);
    const lines = bytes('INVITE INVITE sip:SIP/2.0 SIP/2.0x\n'.repeat(3000));
    expect(findStartLine(lines)).toBe(-1);
  });

  it('keeps an unknown extension method that does not end in a known one', () => {
    expect(locateStartLine(bytes('FOOBAR sip:a@b SIP/2.0\r\n\r\n'))).toBe(0);
  });

  it('does not take a Via line for a start line', () => {
    expect(findStartLine(bytes('junk\r\nVia: SIP/2.0/UDP host\r\n'))).toBe(-1);
  });

  it('returns -1 when there is no SIP', () => {
    expect(locateStartLine(bytes('hello world\r\n'))).toBe(-1);
    expect(locateStartLine(new Uint8Array([0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toBe(-1);
  });
});
