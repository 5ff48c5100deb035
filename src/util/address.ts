/**
 * Address classification. A SIP ALG is recognised by private addresses turning into public ones (or
 * surviving where they should not), so "private" must mean exactly the ranges a NAT hides.
 */
import { isIP } from 'node:net';

export type AddressScope = 'private' | 'shared' | 'loopback' | 'link-local' | 'unspecified' | 'public' | 'not-an-ip';

function ipv4ToInt(ip: string): number {
  const parts = ip.split('.');
  return ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
}

function inV4(ip: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip & mask) >>> 0 === (ipv4ToInt(base) & mask) >>> 0;
}

/** Scopes already worked out: detection asks about the same few addresses for every message. */
const scopeCache = new Map<string, AddressScope>();
/** Bound on the cache; when full it is cleared (a capture of many hosts must not grow memory). */
const SCOPE_CACHE_LIMIT = 65536;

/** Scope of an address as written in SIP, SDP or a packet header (IPv6 brackets allowed). */
export function addressScope(address: string): AddressScope {
  let scope = scopeCache.get(address);
  if (scope === undefined) {
    scope = scopeOf(address);
    if (scopeCache.size >= SCOPE_CACHE_LIMIT) scopeCache.clear();
    scopeCache.set(address, scope);
  }
  return scope;
}

function scopeOf(address: string): AddressScope {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 4) {
    const n = ipv4ToInt(ip);
    if (n === 0) return 'unspecified';
    if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16)) return 'private';
    if (inV4(n, '100.64.0.0', 10)) return 'shared'; // RFC 6598 carrier-grade NAT
    if (inV4(n, '127.0.0.0', 8)) return 'loopback';
    if (inV4(n, '169.254.0.0', 16)) return 'link-local';
    return 'public';
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::') return 'unspecified';
    if (lower === '::1') return 'loopback';
    if (/^fe[89ab]/.test(lower)) return 'link-local';
    if (/^f[cd]/.test(lower)) return 'private'; // ULA, RFC 4193
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return scopeOf(mapped[1]!);
    return 'public';
  }
  return 'not-an-ip';
}

/** Addresses a NAT hides from the outside: RFC 1918, RFC 6598, ULA and link-local. */
export function isNatHidden(address: string): boolean {
  const scope = addressScope(address);
  return scope === 'private' || scope === 'shared' || scope === 'link-local';
}

export function isPublic(address: string): boolean {
  return addressScope(address) === 'public';
}

export function isIpLiteral(address: string): boolean {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return isIP(ip) !== 0;
}

/** IPv4 dotted quads and bracket-less IPv6 literals inside free text (e.g. a Call-ID "abc@192.168.1.2"). */
export function ipLiteralsIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g)) {
    if (isIP(m[1]!) === 4) found.push(m[1]!);
  }
  for (const m of text.matchAll(/\[?([0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})\]?/g)) {
    if (isIP(m[1]!) === 6) found.push(m[1]!);
  }
  return found;
}
