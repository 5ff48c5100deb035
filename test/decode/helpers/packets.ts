/**
 * Hand-built packets for tests: link headers (Ethernet with VLAN tags, SLL, SLL2, loopback,
 * PPP, PPPoE), IPv4/IPv6 (with extension headers and fragmentation), UDP, TCP, ICMP, and
 * tunnels (GRE, ERSPAN, GTP-U, VXLAN). Every builder takes its payload as the first argument
 * and returns the bytes, so packets read inside out: ethernet(ipv4(udp(sip))).
 */
import type { CaptureInterface, Frame } from '../../../src/capture/types.js';

export type Bytes = Uint8Array;

export function concat(...parts: (Bytes | number[])[]): Buffer {
  return Buffer.concat(parts.map((part) => (part instanceof Uint8Array ? part : Uint8Array.from(part))));
}

export function text(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

function u16(value: number): number[] {
  return [(value >> 8) & 0xff, value & 0xff];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export function ipv4Address(address: string): number[] {
  return address.split('.').map(Number);
}

export function ipv6Address(address: string): number[] {
  let head = address;
  let tail = '';
  if (address.includes('::')) [head, tail] = address.split('::') as [string, string];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const quad = ipv4Address(group);
        out.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      } else {
        out.push(parseInt(group, 16));
      }
    }
    return out;
  };
  const first = groups(head);
  const last = groups(tail);
  const all = address.includes('::') ? [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last] : first;
  return all.flatMap(u16);
}

/** RFC 1071 checksum. */
export function internetChecksum(bytes: Bytes): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---- link layer ----

export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, IPV6: 0x86dd, VLAN: 0x8100, QINQ: 0x88a8, QINQ_OLD: 0x9100, PPPOE: 0x8864, MPLS: 0x8847 } as const;

export interface EthernetOptions {
  etherType?: number;
  /** Tags outermost first: TPID (0x8100, 0x88a8, 0x9100) and VLAN id. */
  vlans?: { tpid: number; vid: number }[];
  dst?: number[];
  src?: number[];
  /** Bytes after the payload (padding to 60 bytes, an FCS). */
  trailer?: Bytes | number[];
}

export function ethernet(payload: Bytes, options: EthernetOptions = {}): Buffer {
  // Each tag is its TPID then its TCI; the Ethertype of the payload follows the last one.
  const tags = (options.vlans ?? []).flatMap((tag) => [...u16(tag.tpid), ...u16(tag.vid & 0x0fff)]);
  return concat(
    options.dst ?? [0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
    options.src ?? [0x00, 0x66, 0x77, 0x88, 0x99, 0xaa],
    tags,
    u16(options.etherType ?? ETHERTYPE.IPV4),
    payload,
    options.trailer ?? [],
  );
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes). */
export function sll(payload: Bytes, options: { protocol?: number; packetType?: number; hardwareType?: number } = {}): Buffer {
  return concat(u16(options.packetType ?? 0), u16(options.hardwareType ?? 1), u16(6), [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0], u16(options.protocol ?? ETHERTYPE.IPV4), payload);
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes) with the interface index. */
export function sll2(payload: Bytes, options: { protocol?: number; ifIndex: number; packetType?: number; hardwareType?: number }): Buffer {
  return concat(
    u16(options.protocol ?? ETHERTYPE.IPV4),
    [0, 0],
    u32(options.ifIndex),
    u16(options.hardwareType ?? 1),
    [options.packetType ?? 0, 6],
    [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0],
    payload,
  );
}

/** BSD loopback header (DLT_NULL in either byte order, or DLT_LOOP when bigEndian). */
export function loopback(payload: Bytes, family: number, bigEndian: boolean): Buffer {
  const header = Buffer.alloc(4);
  if (bigEndian) header.writeUInt32BE(family);
  else header.writeUInt32LE(family);
  return concat(header, payload);
}

/** A PPP frame: protocol field (2 bytes, or 1 when compressible and asked), optional 0xff03 framing. */
export function ppp(payload: Bytes, options: { protocol?: number; hdlcFraming?: boolean; compressProtocol?: boolean } = {}): Buffer {
  const protocol = options.protocol ?? 0x0021;
  return concat(options.hdlcFraming ? [0xff, 0x03] : [], options.compressProtocol ? [protocol] : u16(protocol), payload);
}

/** PPPoE session header (goes after an Ethernet header with Ethertype 0x8864) and PPP. */
export function pppoe(payload: Bytes, options: { pppProtocol?: number; session?: number } = {}): Buffer {
  const inner = ppp(payload, { protocol: options.pppProtocol ?? 0x0021 });
  return concat([0x11, 0x00], u16(options.session ?? 0x1234), u16(inner.length), inner);
}

// ---- IP ----

export interface IPv4Options {
  src?: string;
  dst?: string;
  protocol?: number;
  ttl?: number;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Overrides the total length field. */
  totalLength?: number;
  /** IPv4 options, padded to 4 bytes. */
  options?: number[];
}

export function ipv4(payload: Bytes, o: IPv4Options = {}): Buffer {
  const options = [...(o.options ?? [])];
  while (options.length % 4) options.push(0);
  const headerLength = 20 + options.length;
  const header = concat(
    [0x40 | (headerLength / 4), 0],
    u16(o.totalLength ?? headerLength + payload.length),
    u16(o.id ?? 0x1234),
    u16((o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) / 8)),
    [o.ttl ?? 64, o.protocol ?? 17],
    [0, 0],
    ipv4Address(o.src ?? '192.0.2.1'),
    ipv4Address(o.dst ?? '192.0.2.2'),
    options,
  );
  header.writeUInt16BE(internetChecksum(header), 10);
  return concat(header, payload);
}

export interface IPv6Options {
  src?: string;
  dst?: string;
  nextHeader?: number;
  hopLimit?: number;
  /** Overrides the payload length field. */
  payloadLength?: number;
}

export function ipv6(payload: Bytes, o: IPv6Options = {}): Buffer {
  return concat(
    [0x60, 0, 0, 0],
    u16(o.payloadLength ?? payload.length),
    [o.nextHeader ?? 17, o.hopLimit ?? 64],
    ipv6Address(o.src ?? '2001:db8::1'),
    ipv6Address(o.dst ?? '2001:db8::2'),
    payload,
  );
}

/** Hop-by-hop (0), routing (43) or destination options (60) header, padded to 8-byte units. */
export function ipv6Extension(payload: Bytes, nextHeader: number, body: number[] = []): Buffer {
  const content = [...body];
  while ((2 + content.length) % 8) content.push(0);
  return concat([nextHeader, (2 + content.length) / 8 - 1], content, payload);
}

export function ipv6FragmentHeader(payload: Bytes, o: { nextHeader: number; offset: number; more: boolean; id: number }): Buffer {
  return concat([o.nextHeader, 0], u16(o.offset | (o.more ? 1 : 0)), u32(o.id), payload);
}

/** Splits an IP payload into fragments of `chunk` bytes (a multiple of 8), in order. */
export function splitFragments(payload: Bytes, chunk: number): { offset: number; data: Buffer; more: boolean }[] {
  const out: { offset: number; data: Buffer; more: boolean }[] = [];
  for (let offset = 0; offset < payload.length; offset += chunk) {
    out.push({ offset, data: Buffer.from(payload.subarray(offset, offset + chunk)), more: offset + chunk < payload.length });
  }
  return out;
}

export function fragmentIPv4(payload: Bytes, chunk: number, o: IPv4Options = {}): Buffer[] {
  return splitFragments(payload, chunk).map((f) => ipv4(f.data, { ...o, fragmentOffset: f.offset, moreFragments: f.more }));
}

export function fragmentIPv6(payload: Bytes, chunk: number, o: IPv6Options & { id?: number; innerNextHeader?: number } = {}): Buffer[] {
  return splitFragments(payload, chunk).map((f) =>
    ipv6(ipv6FragmentHeader(f.data, { nextHeader: o.innerNextHeader ?? 17, offset: f.offset, more: f.more, id: o.id ?? 0xabcd }), { ...o, nextHeader: 44 }),
  );
}

// ---- transports ----

export function udp(payload: Bytes, o: { srcPort?: number; dstPort?: number; length?: number } = {}): Buffer {
  return concat(u16(o.srcPort ?? 5060), u16(o.dstPort ?? 5060), u16(o.length ?? 8 + payload.length), [0, 0], payload);
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpOptions {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  /** TCP options, padded to 4 bytes. */
  options?: number[];
}

export function tcp(payload: Bytes, o: TcpOptions = {}): Buffer {
  const options = [...(o.options ?? [])];
  while (options.length % 4) options.push(1);
  return concat(
    u16(o.srcPort ?? 40000),
    u16(o.dstPort ?? 5060),
    u32(o.seq ?? 1000),
    u32(o.ack ?? 0),
    [((20 + options.length) / 4) << 4, o.flags ?? TCP_FLAGS.ACK | TCP_FLAGS.PSH],
    u16(65535),
    [0, 0, 0, 0],
    options,
    payload,
  );
}

/** ICMP (IPv4) or ICMPv6 message: type, code, checksum (left 0), 4 unused bytes, quoted packet. */
export function icmp(quoted: Bytes, type: number, code: number): Buffer {
  return concat([type, code, 0, 0, 0, 0, 0, 0], quoted);
}

// ---- tunnels ----

export function gre(payload: Bytes, o: { protocol: number; checksum?: boolean; key?: number; sequence?: number }): Buffer {
  const flags = (o.checksum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.sequence !== undefined ? 0x1000 : 0);
  return concat(
    u16(flags),
    u16(o.protocol),
    o.checksum ? [0, 0, 0, 0] : [],
    o.key !== undefined ? u32(o.key) : [],
    o.sequence !== undefined ? u32(o.sequence) : [],
    payload,
  );
}

/** ERSPAN type II header (8 bytes, version 1) in front of a mirrored Ethernet frame. */
export function erspan2(frame: Bytes, sessionId = 1): Buffer {
  return concat([0x10, 0x00], u16(sessionId & 0x3ff), [0, 0, 0, 0], frame);
}

/** ERSPAN type III header (12 bytes, optional 8-byte platform header) in front of a mirrored frame. */
export function erspan3(frame: Bytes, o: { frameType?: number; platformHeader?: boolean } = {}): Buffer {
  const frameType = o.frameType ?? 0;
  return concat([0x20, 0x00], u16(1), u32(0x01020304), [0, 0], [(frameType & 0x1f) << 2, o.platformHeader ? 1 : 0], o.platformHeader ? new Array<number>(8).fill(0xee) : [], frame);
}

/** GTP-U G-PDU; with extension headers (each content padded so its length is a multiple of 4 with the length and next-type bytes). */
export function gtpU(payload: Bytes, o: { teid?: number; messageType?: number; sequence?: number; extensions?: { type: number; content: number[] }[] } = {}): Buffer {
  const extensions = o.extensions ?? [];
  const optional = o.sequence !== undefined || extensions.length > 0;
  const extensionBytes: number[] = [];
  for (let i = 0; i < extensions.length; i++) {
    const content = [...extensions[i]!.content];
    while ((content.length + 2) % 4) content.push(0);
    extensionBytes.push((content.length + 2) / 4, ...content, i + 1 < extensions.length ? extensions[i + 1]!.type : 0);
  }
  const rest = concat(optional ? [...u16(o.sequence ?? 0), 0, extensions.length > 0 ? extensions[0]!.type : 0] : [], extensionBytes, payload);
  const flags = 0x30 | (extensions.length > 0 ? 0x04 : 0) | (o.sequence !== undefined ? 0x02 : 0);
  return concat([flags, o.messageType ?? 255], u16(rest.length), u32(o.teid ?? 1), rest);
}

export function vxlan(frame: Bytes, vni = 42): Buffer {
  return concat([0x08, 0, 0, 0], u32(vni << 8), frame);
}

// ---- frames ----

export interface FrameOptions {
  frameNumber?: number;
  interfaceId?: number;
  sec?: number;
  nsec?: number;
  /** Wire length when the capture cut the frame (defaults to data.length). */
  wireLength?: number;
}

export function frame(data: Bytes, o: FrameOptions = {}): Frame {
  return {
    frameNumber: o.frameNumber ?? 1,
    interfaceId: o.interfaceId ?? 0,
    ts: { sec: o.sec ?? 1_700_000_000, nsec: o.nsec ?? 0 },
    timestampMissing: false,
    capturedLength: data.length,
    wireLength: o.wireLength ?? data.length,
    bytes: data,
    start: 0,
    streamOffset: 0,
  };
}

export function captureInterface(linkType: number, id = 0): CaptureInterface {
  return { id, section: 0, linkType, snaplen: 262144, tsUnitsPerSecond: 1e6, tsOffsetSeconds: 0 };
}
