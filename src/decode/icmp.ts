/**
 * ICMP and ICMPv6 errors: what kind of error, and the transport tuple of the packet they
 * quote (how a NAT that closed a pinhole shows itself: "port unreachable" for a SIP packet).
 */
import { formatIPv4, formatIPv6 } from './addresses.js';
import { extensionHeaderLength, IPPROTO_FRAGMENT, IPPROTO_TCP, IPPROTO_UDP } from './ip.js';
import type { IcmpError } from './types.js';

const UNREACHABLE_V4: Record<number, string> = {
  0: 'net-unreachable',
  1: 'host-unreachable',
  2: 'protocol-unreachable',
  3: 'port-unreachable',
  4: 'fragmentation-needed',
  5: 'source-route-failed',
  6: 'net-unknown',
  7: 'host-unknown',
  9: 'net-prohibited',
  10: 'host-prohibited',
  13: 'admin-prohibited',
};

const UNREACHABLE_V6: Record<number, string> = {
  0: 'no-route',
  1: 'admin-prohibited',
  2: 'beyond-scope',
  3: 'address-unreachable',
  4: 'port-unreachable',
  5: 'source-policy-failed',
  6: 'reject-route',
};

/** Name of an ICMPv4 error, or undefined when (type, code) is not an error that quotes a packet. */
export function icmpv4ErrorKind(type: number, code: number): string | undefined {
  switch (type) {
    case 3:
      return UNREACHABLE_V4[code] ?? `other (${type}/${code})`;
    case 4:
      return 'source-quench';
    case 5:
      return 'redirect';
    case 11:
      return code === 0 ? 'ttl-exceeded' : code === 1 ? 'reassembly-time-exceeded' : `other (${type}/${code})`;
    case 12:
      return 'parameter-problem';
    default:
      return undefined;
  }
}

/** Name of an ICMPv6 error (types 1 to 4), or undefined for informational messages. */
export function icmpv6ErrorKind(type: number, code: number): string | undefined {
  switch (type) {
    case 1:
      return UNREACHABLE_V6[code] ?? `other (${type}/${code})`;
    case 2:
      return 'packet-too-big';
    case 3:
      return code === 0 ? 'hop-limit-exceeded' : code === 1 ? 'reassembly-time-exceeded' : `other (${type}/${code})`;
    case 4:
      return 'parameter-problem';
    default:
      return undefined;
  }
}

export type QuotedTuple = NonNullable<IcmpError['quoted']>;

/**
 * Transport tuple of the IP packet quoted in an ICMP error at bytes[offset..end), or undefined
 * when the quote is too short, is not UDP/TCP, or is a non-first fragment (no ports in it).
 */
export function readQuotedTuple(bytes: Uint8Array, offset: number, end: number): QuotedTuple | undefined {
  if (end - offset < 1) return undefined;
  const version = bytes[offset]! >> 4;
  let protocol: number;
  let transportAt: number;
  let src: string;
  let dst: string;
  if (version === 4) {
    const headerLength = (bytes[offset]! & 0x0f) * 4;
    if (headerLength < 20 || end - offset < headerLength) return undefined;
    if (((bytes[offset + 6]! & 0x1f) << 8) | bytes[offset + 7]!) return undefined;
    protocol = bytes[offset + 9]!;
    src = formatIPv4(bytes, offset + 12);
    dst = formatIPv4(bytes, offset + 16);
    transportAt = offset + headerLength;
  } else if (version === 6) {
    if (end - offset < 40) return undefined;
    protocol = bytes[offset + 6]!;
    src = formatIPv6(bytes, offset + 8);
    dst = formatIPv6(bytes, offset + 24);
    transportAt = offset + 40;
    // Extension headers are each at least 8 bytes, so this ends within the quote.
    while (end - transportAt >= 8) {
      const length = extensionHeaderLength(bytes, transportAt, protocol);
      if (length < 0) break;
      if (protocol === IPPROTO_FRAGMENT && ((bytes[transportAt + 2]! << 8) | bytes[transportAt + 3]!) & 0xfff8) return undefined;
      protocol = bytes[transportAt]!;
      transportAt += length;
    }
  } else {
    return undefined;
  }
  if (protocol !== IPPROTO_UDP && protocol !== IPPROTO_TCP) return undefined;
  if (end - transportAt < 4) return undefined;
  return {
    transport: protocol === IPPROTO_UDP ? 'udp' : 'tcp',
    src: { ip: src, port: (bytes[transportAt]! << 8) | bytes[transportAt + 1]! },
    dst: { ip: dst, port: (bytes[transportAt + 2]! << 8) | bytes[transportAt + 3]! },
  };
}
