import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressScope, dottedQuadValue, isNatHidden, isPublic } from '../../src/util/address.js';

describe('addressScope', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['172.15.255.255', 'public'],
    ['192.168.1.10', 'private'],
    ['192.169.0.1', 'public'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'],
    ['169.254.7.8', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['203.0.113.5', 'public'],
    ['255.255.255.255', 'public'],
    ['[192.168.1.10]', 'private'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[fe80::1]', 'link-local'],
    ['fd00::5', 'private'],
    ['2001:db8::1', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['::FFFF:198.51.100.1', 'public'],
    ['01.2.3.4', 'not-an-ip'],
    ['1.2.3', 'not-an-ip'],
    ['1.2.3.4.', 'not-an-ip'],
    ['256.1.1.1', 'not-an-ip'],
    ['pbx.example.com', 'not-an-ip'],
    ['', 'not-an-ip'],
    ['[', 'not-an-ip'],
  ])('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
  });

  it('answers the same for an address asked again (IPv6 is cached, IPv4 read each time)', () => {
    for (let i = 0; i < 3; i++) {
      expect(addressScope('fd12::1')).toBe('private');
      expect(addressScope('10.0.0.1')).toBe('private');
    }
  });

  it('isNatHidden and isPublic follow the scope', () => {
    expect(isNatHidden('100.64.1.1')).toBe(true);
    expect(isNatHidden('169.254.1.1')).toBe(true);
    expect(isNatHidden('127.0.0.1')).toBe(false);
    expect(isPublic('8.8.8.8')).toBe(true);
    expect(isPublic('10.0.0.1')).toBe(false);
  });
});

describe('dottedQuadValue', () => {
  it('reads a dotted quad as a 32-bit value, in place', () => {
    expect(dottedQuadValue('192.168.1.10')).toBe(0xc0a8010a);
    expect(dottedQuadValue('255.255.255.255')).toBe(0xffffffff);
    expect(dottedQuadValue('x[10.0.0.1]', 2, 10)).toBe(0x0a000001);
  });

  it('takes exactly what node:net isIP takes as IPv4', () => {
    // Near-quads: 3-5 parts of 0-4 digits (leading zeros and values over 255 included), now and
    // then with a stray character; about one in eight is a quad.
    let seed = 12345;
    const random = (n: number) => Math.floor(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * n);
    const samples = ['0.0.0.0', '00.0.0.0', '1.2.3.04', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '.1.2.3.4', '1.2.3.4.5', '249.250.251.252', '199.299.1.1', '1000.1.1.1'];
    for (let i = 0; i < 20_000; i++) {
      const parts: string[] = [];
      for (let p = 0, count = random(4) === 0 ? 3 + random(3) : 4; p < count; p++) {
        let part = '';
        for (let d = 0, digits = random(8) === 0 ? random(5) : 1 + random(3); d < digits; d++) part += String(random(10));
        parts.push(part);
      }
      let text = parts.join('.');
      if (random(6) === 0) {
        const at = random(text.length + 1);
        text = text.slice(0, at) + ' a:[x.'[random(6)] + text.slice(at);
      }
      samples.push(text);
    }
    const quads = samples.filter((s) => isIP(s) === 4);
    expect(quads.length).toBeGreaterThan(2_000);
    const disagreements = samples.filter((text) => {
      const value = dottedQuadValue(text);
      const expected = isIP(text) === 4 ? text.split('.').reduce((n, part) => n * 256 + Number(part), 0) : -1;
      return value !== expected;
    });
    expect(disagreements).toEqual([]);
  });
});
