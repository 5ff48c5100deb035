/**
 * Address classification. A SIP ALG is recognised by private addresses turning into public ones (or
 * surviving where they should not), so "private" must mean exactly the ranges a NAT hides.
 */
import { isIP } from 'node:net';

export type AddressScope = 'private' | 'shared' | 'loopback' | 'link-local' | 'unspecified' | 'public' | 'not-an-ip';

/**
 * The 32-bit value of text[start..end) when it is a dotted quad as node:net's isIP reads one (four
 * parts of 0-255 without leading zeros), else -1. Detection asks for the scope of every address of
 * every message: reading the text in place costs less than finding it in a Map.
 */
export function dottedQuadValue(text: string, start = 0, end = text.length): number {
  let value = 0;
  let parts = 0;
  let part = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else {
      const d = c - 0x30;
      if (d < 0 || d > 9 || (digits > 0 && part === 0)) return -1;
      part = part * 10 + d;
      digits++;
      if (part > 255) return -1;
    }
  }
  return parts === 4 ? value : -1;
}

function ipv4Scope(ip: number): AddressScope {
  if (ip === 0) return 'unspecified';
  if (ip >>> 24 === 10 || ip >>> 20 === 0xac1 || ip >>> 16 === 0xc0a8) return 'private'; // 10/8, 172.16/12, 192.168/16
  if (ip >>> 22 === 0x191) return 'shared'; // 100.64/10, RFC 6598 carrier-grade NAT
  if (ip >>> 24 === 127) return 'loopback';
  if (ip >>> 16 === 0xa9fe) return 'link-local'; // 169.254/16
  return 'public';
}

/** Scopes of what is not a dotted quad, already worked out: IPv6 is classified by regular expressions. */
const scopeCache = new Map<string, AddressScope>();
/** Bound on the cache; when full it is cleared (a capture of many hosts must not grow memory). */
const SCOPE_CACHE_LIMIT = 65536;

/** Scope of an address as written in SIP, SDP or a packet header (IPv6 brackets allowed). */
export function addressScope(address: string): AddressScope {
  const bracketed = address.startsWith('[') && address.endsWith(']');
  const v4 = bracketed ? dottedQuadValue(address, 1, address.length - 1) : dottedQuadValue(address);
  if (v4 >= 0) return ipv4Scope(v4);
  let scope = scopeCache.get(address);
  if (scope === undefined) {
    scope = scopeOf(bracketed ? address.slice(1, -1) : address);
    if (scopeCache.size >= SCOPE_CACHE_LIMIT) scopeCache.clear();
    scopeCache.set(address, scope);
  }
  return scope;
}

/** Scope of what is not a dotted quad (brackets removed). */
function scopeOf(ip: string): AddressScope {
  if (isIP(ip) === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::') return 'unspecified';
    if (lower === '::1') return 'loopback';
    if (/^fe[89ab]/.test(lower)) return 'link-local';
    if (/^f[cd]/.test(lower)) return 'private'; // ULA, RFC 4193
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return addressScope(mapped[1]!);
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
