import { describe, expect, it } from 'vitest';
import { formatEndpoint, formatIPv4, formatIPv6 } from '../../src/decode/addresses.js';
import { capturePointKey, capturePointRef } from '../../src/decode/capture-point.js';
import { ipv6Address } from './helpers/packets.js';

function v6(text: string): string {
  return formatIPv6(Uint8Array.from(ipv6Address(text)), 0);
}

/** Independent RFC 5952 formatter for cross-checking: full form, then the longest zero run cut. */
function referenceIPv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const full = ':' + groups.join(':') + ':';
  let best = '';
  for (const match of full.matchAll(/(?::0)+:/g)) if (match[0].length > best.length) best = match[0];
  if (best.length < 5) return groups.join(':'); // a single zero group stays
  return full.replace(best, '::').replace(/^:(?!:)/, '').replace(/(?<!:):$/, '');
}

describe('formatIPv4', () => {
  it('prints the dotted quad at an offset', () => {
    expect(formatIPv4(Uint8Array.from([9, 10, 0, 0, 255, 1]), 2)).toBe('0.0.255.1');
    expect(formatIPv4(Uint8Array.from([192, 168, 1, 2]), 0)).toBe('192.168.1.2');
  });

  it('stays right when more addresses are seen than the cache holds', () => {
    const bytes = new Uint8Array(4);
    for (let i = 0; i < 20000; i += 7) {
      bytes.set([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]);
      expect(formatIPv4(bytes, 0)).toBe(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    }
  });
});

describe('formatIPv6 (RFC 5952)', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:a00:27ff:feb9:1521', 'fe80::a00:27ff:feb9:1521'],
    ['FD17:625C:F037:2:A00:27FF:FEB9:3519', 'fd17:625c:f037:2:a00:27ff:feb9:3519'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0:0:0:0:0:0:c000:0201', '::192.0.2.1'],
  ])('%s -> %s', (input, expected) => {
    expect(v6(input)).toBe(expected);
  });

  it('agrees with an independent formatter on many addresses with zero runs', () => {
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 20000; n++) {
      const bytes = new Uint8Array(16);
      for (let g = 0; g < 8; g++) {
        const value = random() < 0.5 ? 0 : Math.floor(random() * 65536);
        bytes[2 * g] = value >> 8;
        bytes[2 * g + 1] = value & 255;
      }
      if (bytes.subarray(0, 10).every((b) => b === 0)) bytes[0] = 0x20; // embedded IPv4 forms are tested above
      expect(formatIPv6(bytes, 0)).toBe(referenceIPv6(bytes));
    }
  });
});

describe('capture point keys', () => {
  it('names a capture interface, and a Linux interface inside it', () => {
    expect(capturePointKey('lan.pcap', 0)).toBe('lan.pcap#0');
    expect(capturePointKey('any.pcapng', 0, 3)).toBe('any.pcapng#0/if3');
    expect(capturePointRef('any.pcapng', 1, 7)).toEqual({ key: 'any.pcapng#1/if7', source: 'any.pcapng', interfaceId: 1, linuxIfIndex: 7 });
    expect(capturePointRef('lan.pcap', 0)).toEqual({ key: 'lan.pcap#0', source: 'lan.pcap', interfaceId: 0 });
  });

  it('brackets IPv6 endpoints', () => {
    expect(formatEndpoint('2001:db8::1', 5060)).toBe('[2001:db8::1]:5060');
    expect(formatEndpoint('10.0.0.1', 5060)).toBe('10.0.0.1:5060');
  });
});
