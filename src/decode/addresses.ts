import type { Endpoint } from './types.js';

/**
 * Address formatting for the per-packet hot path. Captures talk between few hosts, so the
 * text of each address is cached: a hit costs a Map lookup and allocates nothing.
 */

/** Bound on each cache; when full it is cleared (a scan of many hosts must not grow memory). */
const CACHE_LIMIT = 8192;

/**
 * IPv4 texts in a direct-mapped table indexed by a hash of the address (a slot holds the latest
 * address that hashed to it): cheaper per packet than a Map, and bounded by construction.
 */
const IPV4_SLOTS = CACHE_LIMIT;
const ipv4Keys = new Int32Array(IPV4_SLOTS);
const ipv4Texts: (string | undefined)[] = new Array<string | undefined>(IPV4_SLOTS).fill(undefined);

/** The 4 bytes at bytes[offset] as one 32-bit integer. */
export function ipv4Key(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/** The ipv4Key of a dotted quad; undefined for any other text (an IPv6 address). */
export function ipv4KeyOfText(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let key = 0;
  for (const part of parts) {
    const byte = Number(part);
    if (part === '' || !Number.isInteger(byte) || byte < 0 || byte > 255) return undefined;
    key = (key << 8) | byte;
  }
  return key;
}

/** Dotted quad of the 4 bytes at bytes[offset]. */
export function formatIPv4(bytes: Uint8Array, offset: number): string {
  return ipv4Text(ipv4Key(bytes, offset));
}

/** Dotted quad of an IPv4 address given as its ipv4Key. */
export function ipv4Text(key: number): string {
  const slot = (Math.imul(key, 0x9e3779b1) >>> 19) & (IPV4_SLOTS - 1);
  const cached = ipv4Texts[slot];
  if (cached !== undefined && ipv4Keys[slot] === key) return cached;
  const text = (key >>> 24) + '.' + ((key >>> 16) & 0xff) + '.' + ((key >>> 8) & 0xff) + '.' + (key & 0xff);
  ipv4Keys[slot] = key;
  ipv4Texts[slot] = text;
  return text;
}

/**
 * IPv4 endpoints, one object per address and port in a direct-mapped table like the texts':
 * every packet and SIP message between the same endpoints shares it, where each held message
 * had two of its own (80 bytes). Shared, so never changed by anyone.
 */
const ENDPOINT_SLOTS = CACHE_LIMIT;
const endpointKeys = new Int32Array(ENDPOINT_SLOTS);
const endpointPorts = new Int32Array(ENDPOINT_SLOTS).fill(-1);
const endpoints: (Endpoint | undefined)[] = new Array<Endpoint | undefined>(ENDPOINT_SLOTS).fill(undefined);

/** The endpoint of the IPv4 address whose ipv4Key is `key`, and `port`. */
export function ipv4Endpoint(key: number, port: number): Endpoint {
  const slot = (Math.imul(key ^ Math.imul(port, 0x85ebca6b), 0x9e3779b1) >>> 19) & (ENDPOINT_SLOTS - 1);
  const cached = endpoints[slot];
  if (cached !== undefined && endpointKeys[slot] === key && endpointPorts[slot] === port) return cached;
  const endpoint = { ip: ipv4Text(key), port };
  endpointKeys[slot] = key;
  endpointPorts[slot] = port;
  endpoints[slot] = endpoint;
  return endpoint;
}

interface IPv6CacheEntry {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  text: string;
}

// Keyed by a hash of the 16 bytes; the entry keeps the bytes so a collision is never a wrong answer.
const ipv6Cache = new Map<number, IPv6CacheEntry>();

function word32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/**
 * RFC 5952 text of the 16 bytes at bytes[offset]: lower-case hex, no leading zeros, the longest
 * run (first on a tie) of two or more zero groups as "::". IPv4-mapped and IPv4-compatible
 * addresses end in a dotted quad, as glibc's inet_ntop (and so tshark) prints them.
 */
export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const w0 = word32(bytes, offset);
  const w1 = word32(bytes, offset + 4);
  const w2 = word32(bytes, offset + 8);
  const w3 = word32(bytes, offset + 12);
  const hash = (Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(w2 ^ (w3 >>> 7), 0xc2b2ae35) ^ w3) | 0;
  const hit = ipv6Cache.get(hash);
  if (hit !== undefined && hit.w0 === w0 && hit.w1 === w1 && hit.w2 === w2 && hit.w3 === w3) return hit.text;
  const text = ipv6Text(bytes, offset);
  if (ipv6Cache.size >= CACHE_LIMIT) ipv6Cache.clear();
  ipv6Cache.set(hash, { w0, w1, w2, w3, text });
  return text;
}

function ipv6Text(bytes: Uint8Array, offset: number): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestLength < 2) bestStart = -1;
  // glibc: ::a.b.c.d (compatible, not :: or ::1) and ::ffff:a.b.c.d (mapped) keep the quad.
  if (bestStart === 0 && (bestLength === 6 || (bestLength === 7 && groups[7] !== 1))) return '::' + formatIPv4(bytes, offset + 12);
  if (bestStart === 0 && bestLength === 5 && groups[5] === 0xffff) return '::ffff:' + formatIPv4(bytes, offset + 12);
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    text += groups[i]!.toString(16);
    if (i < 7) text += ':';
  }
  return text;
}

/** "1.2.3.4:5060" or "[2001:db8::1]:5060". */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
