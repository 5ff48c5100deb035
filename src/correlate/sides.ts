/**
 * Which side of the NAT each capture point is on: what the user said wins; otherwise it is inferred
 * from the packet addresses of the SIP traffic, and the reason is recorded so the output can say it.
 */
import path from 'node:path';
import { isNatHidden, isPublic } from '../util/address.js';
import { toSeconds } from '../util/time.js';
import type { SipMessage } from '../sip/types.js';
import type { CapturePointInfo, PointMessages, SideAssignment, TimeSpan } from './types.js';

function sameFile(a: string, b: string): boolean {
  return a === b || path.resolve(a) === path.resolve(b);
}

function interfaceNames(point: PointMessages): string[] {
  const names: string[] = [];
  if (point.interfaceName) names.push(point.interfaceName);
  if (point.ref.linuxIfIndex !== undefined) names.push(`if${point.ref.linuxIfIndex}`);
  return names;
}

/** Addresses of one kind, with the first three in sort order kept as they arrive. */
class AddressSet {
  readonly all = new Set<string>();
  /** The first three addresses in sort order: worked out once per address, not per listing. */
  readonly #lowest: string[] = [];

  add(address: string): void {
    this.all.add(address);
    const lowest = this.#lowest;
    if (lowest.length === 3 && address >= lowest[2]!) return;
    lowest.push(address);
    lowest.sort();
    if (lowest.length > 3) lowest.pop();
  }

  get size(): number {
    return this.all.size;
  }

  /** The first three addresses in sort order, and how many more. */
  listed(): string {
    const first = this.#lowest.join(', ');
    return this.all.size > 3 ? `${first} and ${this.all.size - 3} more` : first;
  }
}

/** The packet addresses a capture point's SIP travelled between, as far as they tell its side. */
export class AddressProfile {
  readonly hidden = new AddressSet();
  readonly public = new AddressSet();

  /** Notes the packet source and destination of one message. */
  addMessage(msg: SipMessage): void {
    this.#add(msg.origin.src.ip);
    this.#add(msg.origin.dst.ip);
  }

  #add(ip: string): void {
    if (this.hidden.all.has(ip) || this.public.all.has(ip)) return;
    if (isNatHidden(ip)) this.hidden.add(ip);
    else if (isPublic(ip)) this.public.add(ip);
  }
}

function addressProfile(point: PointMessages): AddressProfile {
  if (point.seenAddresses) return point.seenAddresses;
  const profile = new AddressProfile();
  for (const msg of point.messages) profile.addMessage(msg);
  return profile;
}

/** `span` widened to take in `t` (seconds): made when there is none yet, else changed in place. */
export function widenSpan(span: TimeSpan | undefined, t: number): TimeSpan {
  if (span === undefined) return { firstSeen: t, lastSeen: t };
  if (t < span.firstSeen) span.firstSeen = t;
  else if (t > span.lastSeen) span.lastSeen = t;
  return span;
}

export function assignSides(points: PointMessages[], assignment: SideAssignment): CapturePointInfo[] {
  return points.map((point) => {
    let span = point.seenSpan;
    if (span === undefined) for (const msg of point.messages) span = widenSpan(span, toSeconds(msg.origin.ts));
    const base = {
      ref: point.ref,
      interfaceName: point.interfaceName,
      sipMessages: point.messages.length + (point.forgotten?.messages ?? 0),
      firstSeen: span?.firstSeen,
      lastSeen: span?.lastSeen,
    };
    const names = interfaceNames(point);
    if (assignment.insideInterfaces.some((n) => names.includes(n))) {
      return { ...base, side: 'inside', sideSource: 'user-interface', sideReason: `given: --inside-if ${names.find((n) => assignment.insideInterfaces.includes(n))}` };
    }
    if (assignment.outsideInterfaces.some((n) => names.includes(n))) {
      return { ...base, side: 'outside', sideSource: 'user-interface', sideReason: `given: --outside-if ${names.find((n) => assignment.outsideInterfaces.includes(n))}` };
    }
    if (assignment.insideFiles.some((f) => sameFile(f, point.ref.source))) {
      return { ...base, side: 'inside', sideSource: 'user-file', sideReason: 'given: --inside' };
    }
    if (assignment.outsideFiles.some((f) => sameFile(f, point.ref.source))) {
      return { ...base, side: 'outside', sideSource: 'user-file', sideReason: 'given: --outside' };
    }
    const profile = addressProfile(point);
    if (base.sipMessages === 0) {
      return { ...base, side: 'unknown', sideSource: 'unknown', sideReason: 'no SIP seen at this capture point' };
    }
    if (profile.hidden.size > 0 && profile.public.size > 0) {
      return {
        ...base,
        side: 'inside',
        sideSource: 'inferred',
        sideReason: `inferred: SIP packets between private ${profile.hidden.listed()} and public ${profile.public.listed()} (the LAN side of a NAT)`,
      };
    }
    if (profile.hidden.size === 0 && profile.public.size > 0) {
      return {
        ...base,
        side: 'outside',
        sideSource: 'inferred',
        sideReason: `inferred: SIP packets only between public addresses (${profile.public.listed()})`,
      };
    }
    const reason = profile.hidden.size > 0
      ? `SIP packets only between private addresses (${profile.hidden.listed()}): a LAN, or both ends behind the same NAT`
      : 'SIP packets only between loopback or unclassifiable addresses';
    return { ...base, side: 'unknown', sideSource: 'unknown', sideReason: `not inferred: ${reason}` };
  });
}
