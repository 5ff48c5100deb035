/**
 * Which side of the NAT each capture point is on: what the user said wins; otherwise it is inferred
 * from the packet addresses of the SIP traffic, and the reason is recorded so the output can say it.
 */
import path from 'node:path';
import { isNatHidden, isPublic } from '../util/address.js';
import type { SipMessage } from '../sip/types.js';
import type { CapturePointInfo, PointMessages, SideAssignment } from './types.js';

function sameFile(a: string, b: string): boolean {
  return a === b || path.resolve(a) === path.resolve(b);
}

function interfaceNames(point: PointMessages): string[] {
  const names: string[] = [];
  if (point.interfaceName) names.push(point.interfaceName);
  if (point.ref.linuxIfIndex !== undefined) names.push(`if${point.ref.linuxIfIndex}`);
  return names;
}

function timeOf(seconds: { sec: number; nsec: number }): number {
  return seconds.sec + seconds.nsec / 1e9;
}

/** The packet addresses a capture point's SIP travelled between, as far as they tell its side. */
export class AddressProfile {
  readonly hidden = new Set<string>();
  readonly public = new Set<string>();

  /** Notes the packet source and destination of one message. */
  addMessage(msg: SipMessage): void {
    this.#add(msg.origin.src.ip);
    this.#add(msg.origin.dst.ip);
  }

  #add(ip: string): void {
    if (this.hidden.has(ip) || this.public.has(ip)) return;
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

/** The first three addresses in sort order, and how many more: one pass, however many there are. */
function listed(addresses: Set<string>): string {
  const first: string[] = [];
  for (const address of addresses) {
    if (first.length === 3 && address >= first[2]!) continue;
    first.push(address);
    first.sort();
    if (first.length > 3) first.pop();
  }
  return addresses.size > 3 ? `${first.join(', ')} and ${addresses.size - 3} more` : first.join(', ');
}

export function assignSides(points: PointMessages[], assignment: SideAssignment): CapturePointInfo[] {
  return points.map((point) => {
    let firstSeen = point.forgotten?.firstSeen;
    let lastSeen = point.forgotten?.lastSeen;
    for (const msg of point.messages) {
      const t = timeOf(msg.origin.ts);
      if (firstSeen === undefined || t < firstSeen) firstSeen = t;
      if (lastSeen === undefined || t > lastSeen) lastSeen = t;
    }
    const base = {
      ref: point.ref,
      interfaceName: point.interfaceName,
      sipMessages: point.messages.length + (point.forgotten?.messages ?? 0),
      firstSeen,
      lastSeen,
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
        sideReason: `inferred: SIP packets between private ${listed(profile.hidden)} and public ${listed(profile.public)} (the LAN side of a NAT)`,
      };
    }
    if (profile.hidden.size === 0 && profile.public.size > 0) {
      return {
        ...base,
        side: 'outside',
        sideSource: 'inferred',
        sideReason: `inferred: SIP packets only between public addresses (${listed(profile.public)})`,
      };
    }
    const reason = profile.hidden.size > 0
      ? `SIP packets only between private addresses (${listed(profile.hidden)}): a LAN, or both ends behind the same NAT`
      : 'SIP packets only between loopback or unclassifiable addresses';
    return { ...base, side: 'unknown', sideSource: 'unknown', sideReason: `not inferred: ${reason}` };
  });
}
