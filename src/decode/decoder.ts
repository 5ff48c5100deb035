/**
 * The packet decoder: link layer, tunnels, IPv4/IPv6 (fragments reassembled), UDP, TCP
 * (streams reassembled) and ICMP errors, one frame at a time.
 *
 * Every frame is counted exactly once (stats): as payload bytes, an ICMP error, an `ignored`
 * reason or a `problems` reason. Fragments are counted when their datagram completes or is
 * dropped, so the books balance after finish().
 */
import { formatIPv6, ipv4Endpoint, ipv4Key, ipv4Text } from './addresses.js';
import { capturePointRef } from './capture-point.js';
import { FragmentReassembler, type DropReason, type DroppedDatagram, type FragmentResult } from './fragments.js';
import { icmpv4ErrorKind, icmpv6ErrorKind, readQuotedTuple } from './icmp.js';
import {
  extensionHeaderLength,
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_ESP,
  IPPROTO_FRAGMENT,
  IPPROTO_GRE,
  IPPROTO_HOPOPTS,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_NONE,
  IPPROTO_ROUTING,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from './ip.js';
import { locateByte, sliceSegments } from './segments.js';
import { TcpReassembler } from './tcp.js';
import type { CaptureInterface, Frame, Timestamp } from '../capture/types.js';
import type { CapturePointRef, DecodeSink, DecodeStats, Endpoint, PayloadSegment, TransportPayload, UdpDatagramView } from './types.js';

/** Link types (www.tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  /** DLT_RAW on most BSDs. */
  RAW_BSD: 12,
  /** DLT_RAW on OpenBSD. */
  RAW_OPENBSD: 14,
  PPP_HDLC: 50,
  PPP_ETHER: 51,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_TEB = 0x6558;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const ETHERTYPE_PPPOE_DISCOVERY = 0x8863;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_ERSPAN_I_II = 0x88be;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERTYPE_ERSPAN_III = 0x22eb;
const ETHERTYPE_PPP = 0x880b;

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

const GTP_U_PORT = 2152;
const GTP_G_PDU = 255;
const VXLAN_PORT = 4789;

/** ARPHRD_NETLINK: Linux "any"/nlmon captures carry netlink messages, not packets. */
const ARPHRD_NETLINK = 824;

export interface DecodeOptions {
  /** Tunnels inside tunnels beyond this depth are a problem, not a recursion (default 8). */
  maxTunnelDepth?: number;
  /** Capture-time seconds a fragmented datagram may wait for its fragments (default 30). */
  fragmentTimeoutSeconds?: number;
  /** Datagrams awaiting fragments at once (default 1024). */
  maxPendingDatagrams?: number;
  /** Bytes held in fragments awaiting reassembly (default 16 MiB). */
  maxPendingFragmentBytes?: number;
  /** Out-of-order TCP bytes held per direction before a gap is declared (default 4 MiB). */
  tcpMaxBufferPerDirection?: number;
  /** Out-of-order TCP segments held per direction (default 4096). */
  tcpMaxPiecesPerDirection?: number;
  /** Out-of-order TCP bytes held over all streams (default 64 MiB). */
  tcpMaxBufferTotal?: number;
  /** Capture-time seconds after which a silent TCP connection is closed (default 600). */
  tcpIdleTimeoutSeconds?: number;
  /** TCP connections tracked at once (default 100000). */
  maxTcpConnections?: number;
  /**
   * DecodeProblems reported per code (default 100); later ones are only counted in
   * stats.problems. Unknown link types are reported once per interface whatever this says.
   */
  maxProblemsPerCode?: number;
}

interface InterfaceState {
  iface: CaptureInterface;
  point: CapturePointRef;
  /** Capture points of Linux interfaces seen in SLL2 headers, by interface index. */
  linuxPoints: Map<number, CapturePointRef> | undefined;
  unknownLinkTypeReported: boolean;
}

const NO_SEGMENTS: PayloadSegment[] = [];

const DROP_EXPLANATIONS: Record<DropReason, string> = {
  'fragment-timeout': 'its fragments did not all arrive within the timeout',
  'fragment-cap-datagrams': 'too many datagrams were awaiting fragments',
  'fragment-cap-bytes': 'too many fragment bytes were held',
  'fragment-too-large': 'its fragments reach past 65535 bytes',
  'fragment-incomplete': 'the capture ended before its fragments all arrived',
};

/**
 * Decodes frames into transport payloads, ICMP errors, TCP gaps and stream ends.
 *
 * The `data` of a UDP payload is a view of the frame's buffer (no copy), and TCP chunks may
 * be too: it is valid only during onPayload. A sink that keeps bytes must copy them.
 */
export class PacketDecoder {
  /** By interface id (small integers from 0, one per interface of the file): an array, since every frame looks its interface up. */
  private readonly interfaces: (InterfaceState | undefined)[] = [];
  private readonly unknownInterfaces = new Set<number>();
  private readonly fragments: FragmentReassembler;
  private readonly tcp: TcpReassembler;
  private readonly maxTunnelDepth: number;
  private readonly maxProblemsPerCode: number;
  private readonly problemsReported = new Map<string, number>();
  private readonly counters = {
    frames: 0,
    udpDatagrams: 0,
    tcpSegments: 0,
    payloadFrames: 0,
    icmpErrors: 0,
    fragmentsReassembled: 0,
    fragmentsDropped: 0,
  };
  private readonly ignored: Record<string, number> = {};
  private readonly problems: Record<string, number> = {};

  // The frame being decoded, and the view of it the current layer reads.
  private frame!: Frame;
  private point!: CapturePointRef;
  private linuxPacketType = -1;
  /** True when the capture cut the frame short (snaplen): missing bytes are not malformation. */
  private snapCut = false;
  private now = 0;
  /** Bytes the current layer reads: the buffer holding the frame, or a reassembled datagram. */
  private bytes!: Uint8Array;
  /**
   * Where frame byte 0 is in `bytes` (frame.start; 0 in a reassembled datagram): positions are
   * reported counted from it.
   */
  private base = 0;
  /** Provenance of `bytes` when it is a reassembled datagram; null when it is the frame itself. */
  private viewSegments: PayloadSegment[] | null = null;
  /** Frames the current packet stands for: 1, or every fragment of a reassembled datagram. */
  private weight = 1;
  /** Reassembled datagrams being decoded inside each other (a fragment inside a reassembled datagram). */
  private reassemblyNesting = 0;
  // The innermost IP header decoded so far.
  private ipVersion = 4;
  /** The IPv4 addresses as integers (ipv4Key), when ipVersion is 4. */
  private srcIpv4 = 0;
  private dstIpv4 = 0;
  /** The IPv6 addresses as text, when ipVersion is 6 (IPv4 text is made on demand: see srcIp). */
  private srcIpv6 = '';
  private dstIpv6 = '';
  private ttl = 0;

  /** Offered to sink.claimDatagram, refilled for every datagram (see UdpDatagramView). */
  private readonly datagram: UdpDatagramView = {
    point: capturePointRef('', 0),
    srcIpv4: 0,
    dstIpv4: 0,
    srcPort: 0,
    dstPort: 0,
    bytes: new Uint8Array(0),
    start: 0,
    end: 0,
    ts: { sec: 0, nsec: 0 },
    frameNumber: 0,
  };

  private lastFrameNumber = 0;
  private lastTsSec = 0;
  private lastTsNsec = 0;

  constructor(
    readonly source: string,
    private readonly sink: DecodeSink,
    options: DecodeOptions = {},
  ) {
    this.maxTunnelDepth = options.maxTunnelDepth ?? 8;
    this.maxProblemsPerCode = options.maxProblemsPerCode ?? 100;
    this.fragments = new FragmentReassembler(
      {
        timeoutSeconds: options.fragmentTimeoutSeconds ?? 30,
        maxPendingDatagrams: options.maxPendingDatagrams ?? 1024,
        maxPendingBytes: options.maxPendingFragmentBytes ?? 16 * 1024 * 1024,
      },
      (dropped, reason) => this.fragmentsDropped(dropped, reason),
    );
    this.tcp = new TcpReassembler(sink, {
      maxBufferPerDirection: options.tcpMaxBufferPerDirection ?? 4 * 1024 * 1024,
      maxPiecesPerDirection: options.tcpMaxPiecesPerDirection ?? 4096,
      maxBufferTotal: options.tcpMaxBufferTotal ?? 64 * 1024 * 1024,
      idleTimeoutSeconds: options.tcpIdleTimeoutSeconds ?? 600,
      maxConnections: options.maxTcpConnections ?? 100_000,
    });
  }

  addInterface(iface: CaptureInterface): void {
    this.interfaces[iface.id] = {
      iface,
      point: capturePointRef(this.source, iface.id),
      linuxPoints: undefined,
      unknownLinkTypeReported: false,
    };
  }

  decode(frame: Frame): void {
    this.counters.frames++;
    this.frame = frame;
    this.now = frame.ts.sec + frame.ts.nsec / 1e9;
    this.lastFrameNumber = frame.frameNumber;
    this.lastTsSec = frame.ts.sec;
    this.lastTsNsec = frame.ts.nsec;
    this.bytes = frame.bytes;
    this.base = frame.start;
    this.viewSegments = null;
    this.weight = 1;
    this.linuxPacketType = -1;
    this.snapCut = frame.capturedLength < frame.wireLength;
    if (this.fragments.pendingCount > 0) this.fragments.expire(this.now);

    const state = this.interfaces[frame.interfaceId];
    if (state === undefined) {
      this.point = capturePointRef(this.source, frame.interfaceId);
      const first = !this.unknownInterfaces.has(frame.interfaceId);
      this.unknownInterfaces.add(frame.interfaceId);
      this.countProblem('unknown-interface', frame.start, `frame on interface ${frame.interfaceId}, which the capture never described`, first);
      return;
    }
    this.point = state.point;
    this.decodeLink(state, frame.start, frame.start + frame.capturedLength);
  }

  /** End of capture: TCP holes become gaps, held bytes are delivered, waiting fragments are dropped. */
  finish(): void {
    this.weight = 1;
    this.fragments.flush();
    this.tcp.finish({ frameNumber: this.lastFrameNumber, ts: { sec: this.lastTsSec, nsec: this.lastTsNsec } });
  }

  stats(): DecodeStats {
    return {
      frames: this.counters.frames,
      udpDatagrams: this.counters.udpDatagrams,
      tcpSegments: this.counters.tcpSegments,
      ignored: { ...this.ignored },
      problems: { ...this.problems },
      fragmentsReassembled: this.counters.fragmentsReassembled,
      fragmentsDropped: this.counters.fragmentsDropped,
      tcpGapBytes: this.tcp.gapBytes,
      payloadFrames: this.counters.payloadFrames,
      icmpErrors: this.counters.icmpErrors,
      fragmentOverlaps: this.fragments.overlaps,
      tcpConnectionsEvictedIdle: this.tcp.evictedIdle,
      tcpConnectionsEvictedOverCap: this.tcp.evictedOverCap,
    };
  }

  // ---- link layer ----

  /** The frame's link layer, at bytes[at, end). */
  private decodeLink(state: InterfaceState, at: number, end: number): void {
    const bytes = this.bytes;
    switch (state.iface.linkType) {
      case LINKTYPE.ETHERNET:
        return this.decodeEthernet(at, end, 0);
      case LINKTYPE.LINUX_SLL: {
        if (end - at < 16) return this.truncated('link', at, 'Linux cooked (SLL) header');
        this.linuxPacketType = read16(bytes, at);
        return this.decodeCookedPayload(read16(bytes, at + 2), read16(bytes, at + 14), at + 16, end);
      }
      case LINKTYPE.LINUX_SLL2: {
        if (end - at < 20) return this.truncated('link', at, 'Linux cooked v2 (SLL2) header');
        this.point = this.linuxPoint(state, read32(bytes, at + 4));
        this.linuxPacketType = bytes[at + 10]!;
        return this.decodeCookedPayload(read16(bytes, at + 8), read16(bytes, at), at + 20, end);
      }
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_BSD:
      case LINKTYPE.RAW_OPENBSD:
        return this.decodeRawIp(at, end, 0);
      case LINKTYPE.IPV4:
        return this.decodeIPv4(at, end, 0);
      case LINKTYPE.IPV6:
        return this.decodeIPv6(at, end, 0);
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP: {
        if (end - at < 4) return this.truncated('link', at, 'loopback header');
        // DLT_NULL: address family in the capturing host's byte order; DLT_LOOP: network order.
        const bigEndian = read32(bytes, at);
        const littleEndian = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
        const family = state.iface.linkType === LINKTYPE.LOOP || bigEndian <= 0xffff ? bigEndian : littleEndian;
        if (family === 2) return this.decodeIPv4(at + 4, end, 0);
        // AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (Darwin).
        if (family === 24 || family === 28 || family === 30) return this.decodeIPv6(at + 4, end, 0);
        // Address families are small numbers; anything else is not a loopback header.
        if (family > 0xff) return this.problem('link-bad-loopback-family', at, `loopback header with address family 0x${family.toString(16)}`);
        return this.ignore(`other-loopback-family:${family}`);
      }
      case LINKTYPE.PPP:
        return this.decodePpp(at, end, 0);
      case LINKTYPE.PPP_HDLC:
        if (end - at >= 2 && (bytes[at] === 0x0f || bytes[at] === 0x8f)) return this.decodeCiscoHdlc(at, end);
        return this.decodePpp(at, end, 0);
      case LINKTYPE.C_HDLC:
        return this.decodeCiscoHdlc(at, end);
      case LINKTYPE.PPP_ETHER:
        return this.decodePppoe(at, end, 0);
      default: {
        const first = !state.unknownLinkTypeReported;
        state.unknownLinkTypeReported = true;
        this.countProblem('unknown-linktype', 0, `interface ${state.iface.id} has link type ${state.iface.linkType}, which is not decoded`, first);
      }
    }
  }

  private linuxPoint(state: InterfaceState, ifIndex: number): CapturePointRef {
    state.linuxPoints ??= new Map();
    let point = state.linuxPoints.get(ifIndex);
    if (point === undefined) {
      point = capturePointRef(this.source, state.iface.id, ifIndex);
      state.linuxPoints.set(ifIndex, point);
    }
    return point;
  }

  /** SLL/SLL2 payload: the protocol field is an Ethertype, or 4 for an 802.2 LLC frame. */
  private decodeCookedPayload(hardwareType: number, protocol: number, offset: number, end: number): void {
    if (hardwareType === ARPHRD_NETLINK) return this.ignore('netlink');
    if (protocol === 0x0004) return this.decodeLlc(offset, end, 0);
    if (protocol < 0x0600) return this.ignore(otherEtherType(protocol));
    this.decodeEtherType(protocol, offset, end, 0);
  }

  private decodeEthernet(offset: number, end: number, depth: number): void {
    if (end - offset < 14) return this.truncated('link', offset, 'Ethernet header');
    this.decodeEtherType(read16(this.bytes, offset + 12), offset + 14, end, depth);
  }

  /** Payload of an Ethertype-labelled header, after any number of VLAN tags. */
  private decodeEtherType(etherType: number, offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    // Each tag consumes 4 bytes, so any depth of tags ends within the frame.
    while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
      if (end - offset < 4) return this.truncated('link', offset, 'VLAN tag');
      etherType = read16(bytes, offset + 2);
      offset += 4;
    }
    if (etherType <= 1500) return this.decodeLlc(offset, end, depth);
    switch (etherType) {
      case ETHERTYPE_IPV4:
        return this.decodeIPv4(offset, end, depth);
      case ETHERTYPE_IPV6:
        return this.decodeIPv6(offset, end, depth);
      case ETHERTYPE_ARP:
        return this.ignore('arp');
      case ETHERTYPE_PPPOE_SESSION:
        return this.decodePppoe(offset, end, depth);
      case ETHERTYPE_PPPOE_DISCOVERY:
        return this.ignore('pppoe-discovery');
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MULTICAST:
        return this.decodeMpls(offset, end, depth);
      case ETHERTYPE_TEB:
        return this.decodeEthernet(offset, end, depth);
      default:
        return this.ignore(otherEtherType(etherType));
    }
  }

  /** 802.2 LLC: only SNAP with an Ethertype (OUI 0) carries something this decoder reads. */
  private decodeLlc(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset >= 8 && bytes[offset] === 0xaa && bytes[offset + 1] === 0xaa && bytes[offset + 2] === 0x03 && (bytes[offset + 3]! | bytes[offset + 4]! | bytes[offset + 5]!) === 0) {
      return this.decodeEtherType(read16(bytes, offset + 6), offset + 8, end, depth);
    }
    this.ignore('llc');
  }

  private decodeMpls(offset: number, end: number, depth: number): void {
    for (;;) {
      if (end - offset < 4) return this.truncated('link', offset, 'MPLS label');
      const bottomOfStack = this.bytes[offset + 2]! & 0x01;
      offset += 4;
      if (bottomOfStack) break;
    }
    // No protocol field: an IP packet shows itself by its version nibble.
    const version = offset < end ? this.bytes[offset]! >> 4 : 0;
    if (version === 4 || version === 6) return this.decodeRawIp(offset, end, depth);
    this.ignore('mpls-other');
  }

  private decodePppoe(offset: number, end: number, depth: number): void {
    if (end - offset < 6) return this.truncated('link', offset, 'PPPoE header');
    const length = read16(this.bytes, offset + 4);
    this.decodePpp(offset + 6, Math.min(end, offset + 6 + length), depth);
  }

  /** PPP with or without the HDLC address/control bytes, with a 1- or 2-byte protocol field. */
  private decodePpp(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset >= 2 && bytes[offset] === 0xff && bytes[offset + 1] === 0x03) offset += 2;
    if (end - offset < 1) return this.truncated('link', offset, 'PPP header');
    let protocol: number;
    if (bytes[offset]! & 0x01) {
      protocol = bytes[offset]!;
      offset += 1;
    } else {
      if (end - offset < 2) return this.truncated('link', offset, 'PPP header');
      protocol = read16(bytes, offset);
      offset += 2;
    }
    if (protocol === PPP_IPV4) return this.decodeIPv4(offset, end, depth);
    if (protocol === PPP_IPV6) return this.decodeIPv6(offset, end, depth);
    if (protocol >= 0x8000) return this.ignore('ppp-control');
    this.ignore(`other-ppp-protocol:0x${protocol.toString(16).padStart(4, '0')}`);
  }

  private decodeCiscoHdlc(offset: number, end: number): void {
    if (end - offset < 4) return this.truncated('link', offset, 'Cisco HDLC header');
    this.decodeEtherType(read16(this.bytes, offset + 2), offset + 4, end, 0);
  }

  // ---- IP ----

  /** An IP packet without a protocol field before it: the version nibble says which. */
  private decodeRawIp(offset: number, end: number, depth: number): void {
    if (end - offset < 1) return this.truncated('ip', offset, 'IP header');
    const version = this.bytes[offset]! >> 4;
    if (version === 4) return this.decodeIPv4(offset, end, depth);
    if (version === 6) return this.decodeIPv6(offset, end, depth);
    this.problem('ip-bad-version', offset, `IP version ${version}`);
  }

  private decodeIPv4(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 20) return this.truncated('ipv4', offset, 'IPv4 header');
    const headerLength = (bytes[offset]! & 0x0f) * 4;
    if (bytes[offset]! >> 4 !== 4 || headerLength < 20) return this.problem('ipv4-bad-header', offset, `IPv4 header: version ${bytes[offset]! >> 4}, header length ${headerLength}`);
    if (end - offset < headerLength) return this.truncated('ipv4', offset, 'IPv4 options');
    const totalLength = read16(bytes, offset + 2);
    // The total length, not the frame, says where the packet ends (Ethernet pads short frames).
    // 0 is what a capture of TCP segmentation offload shows: the packet is the rest of the frame.
    let packetEnd = totalLength === 0 ? end : offset + totalLength;
    if (totalLength !== 0 && totalLength < headerLength) return this.problem('ipv4-bad-header', offset, `IPv4 total length ${totalLength} < header length ${headerLength}`);
    const cut = packetEnd > end;
    if (cut) packetEnd = end;
    this.ipVersion = 4;
    this.ttl = bytes[offset + 8]!;
    this.srcIpv4 = ipv4Key(bytes, offset + 12);
    this.dstIpv4 = ipv4Key(bytes, offset + 16);
    const protocol = bytes[offset + 9]!;
    const fragment = read16(bytes, offset + 6);
    const moreFragments = (fragment & 0x2000) !== 0;
    const fragmentOffset = (fragment & 0x1fff) * 8;
    if (moreFragments || fragmentOffset !== 0) {
      if (cut) return this.truncated('ipv4-fragment', offset, `fragment of ${totalLength} bytes`);
      const identification = read16(bytes, offset + 4);
      const src = this.srcIp();
      const dst = this.dstIp();
      const key = `${this.point.key}|4|${src}|${dst}|${identification}|${protocol}`;
      const describe = () => `IPv4 datagram ${src} -> ${dst} id 0x${identification.toString(16).padStart(4, '0')} protocol ${protocol}`;
      return this.reassemble(key, describe, fragmentOffset, offset + headerLength, packetEnd, moreFragments, protocol, depth);
    }
    this.decodeIpPayload(protocol, offset + headerLength, packetEnd, cut, depth);
  }

  private decodeIPv6(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 40) return this.truncated('ipv6', offset, 'IPv6 header');
    if (bytes[offset]! >> 4 !== 6) return this.problem('ipv6-bad-header', offset, `IPv6 header: version ${bytes[offset]! >> 4}`);
    const payloadLength = read16(bytes, offset + 4);
    // 0: a jumbogram (hop-by-hop option) or segmentation offload: the packet is the rest of the frame.
    let packetEnd = payloadLength === 0 ? end : offset + 40 + payloadLength;
    const cut = packetEnd > end;
    if (cut) packetEnd = end;
    this.ipVersion = 6;
    this.ttl = bytes[offset + 7]!;
    this.srcIpv6 = formatIPv6(bytes, offset + 8);
    this.dstIpv6 = formatIPv6(bytes, offset + 24);
    this.decodeIpPayload(bytes[offset + 6]!, offset + 40, packetEnd, cut, depth);
  }

  /**
   * What follows an IP header (or an extension header): extension headers are stepped over,
   * fragments reassembled, tunnels entered, transports decoded.
   */
  private decodeIpPayload(protocol: number, offset: number, end: number, cut: boolean, depth: number): void {
    const bytes = this.bytes;
    // Every extension header is at least 8 bytes long, so this loop ends within the packet.
    for (;;) {
      switch (protocol) {
        case IPPROTO_UDP:
          return this.decodeUdp(offset, end, depth);
        case IPPROTO_TCP:
          return this.decodeTcp(offset, end, cut, depth);
        case IPPROTO_ICMP:
          return this.ipVersion === 4 ? this.decodeIcmp(offset, end) : this.ignore('other-ip-proto:1');
        case IPPROTO_ICMPV6:
          return this.ipVersion === 6 ? this.decodeIcmp(offset, end) : this.ignore('other-ip-proto:58');
        case IPPROTO_IPIP:
          if (!this.enterTunnel(depth, offset)) return;
          return this.decodeIPv4(offset, end, depth + 1);
        case IPPROTO_IPV6:
          if (!this.enterTunnel(depth, offset)) return;
          return this.decodeIPv6(offset, end, depth + 1);
        case IPPROTO_GRE:
          return this.decodeGre(offset, end, depth);
        case IPPROTO_ESP:
          return this.ignore('esp');
        case IPPROTO_SCTP:
          return this.ignore('sctp');
        case IPPROTO_NONE:
          return this.ignore('ipv6-no-next-header');
        case IPPROTO_FRAGMENT:
          if (this.ipVersion === 6) return this.decodeIPv6Fragment(offset, end, cut, depth);
          return this.ignore(`other-ip-proto:${protocol}`);
        case IPPROTO_HOPOPTS:
        case IPPROTO_ROUTING:
        case IPPROTO_DSTOPTS:
        case IPPROTO_AH: {
          // Extension headers of IPv6; AH is one in IPv4 too.
          if (protocol !== IPPROTO_AH && this.ipVersion !== 6) return this.ignore(`other-ip-proto:${protocol}`);
          if (end - offset < 8) return this.truncated('ip', offset, `IP extension header ${protocol}`);
          const length = extensionHeaderLength(bytes, offset, protocol);
          if (end - offset < length) return this.truncated('ip', offset, `IP extension header ${protocol} of ${length} bytes`);
          protocol = bytes[offset]!;
          offset += length;
          continue;
        }
        default:
          return this.ignore(`other-ip-proto:${protocol}`);
      }
    }
  }

  private decodeIPv6Fragment(offset: number, end: number, cut: boolean, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 8) return this.truncated('ip', offset, 'IPv6 fragment header');
    const nextHeader = bytes[offset]!;
    const field = read16(bytes, offset + 2);
    const fragmentOffset = field & 0xfff8;
    const more = (field & 0x0001) !== 0;
    // An atomic fragment (offset 0, no more) is a whole packet (RFC 6946).
    if (fragmentOffset === 0 && !more) return this.decodeIpPayload(nextHeader, offset + 8, end, cut, depth);
    if (cut) return this.truncated('ipv6-fragment', offset, 'IPv6 fragment');
    const identification = read32(bytes, offset + 4);
    const src = this.srcIpv6;
    const dst = this.dstIpv6;
    const key = `${this.point.key}|6|${src}|${dst}|${identification}`;
    const describe = () => `IPv6 datagram ${src} -> ${dst} id 0x${identification.toString(16).padStart(8, '0')}`;
    this.reassemble(key, describe, fragmentOffset, offset + 8, end, more, nextHeader, depth);
  }

  /** Hands a fragment to the reassembler; decodes the datagram if this fragment completed it. */
  private reassemble(key: string, describe: () => string, fragmentOffset: number, start: number, end: number, more: boolean, nextProtocol: number, depth: number): void {
    const result: FragmentResult = this.fragments.add({
      key,
      point: this.point,
      describe,
      offset: fragmentOffset,
      data: view(this.bytes, start, end),
      segments: this.mapRange(start, end - start),
      more,
      nextProtocol,
      weight: this.weight,
      now: this.now,
    });
    switch (result.status) {
      case 'held':
      case 'dropped':
        return;
      case 'duplicate':
        return this.ignore('ip-fragment-duplicate');
      case 'inconsistent':
        return this.problem('ip-fragment-inconsistent', start, `${describe()}: ${result.reason}`);
      case 'complete': {
        const datagram = result.datagram;
        this.counters.fragmentsReassembled += datagram.weight;
        const saved = { bytes: this.bytes, base: this.base, segments: this.viewSegments, weight: this.weight };
        this.bytes = datagram.data;
        this.base = 0;
        this.viewSegments = datagram.segments;
        this.weight = datagram.weight;
        // Fragments of fragments could otherwise nest as deep as the pending datagrams allow.
        if (this.reassemblyNesting >= this.maxTunnelDepth) {
          this.problem('fragment-nesting-too-deep', 0, `${describe()}: reassembled inside ${this.reassemblyNesting} other reassembled datagrams`);
        } else {
          this.reassemblyNesting++;
          this.decodeIpPayload(datagram.nextProtocol, 0, datagram.data.length, false, depth);
          this.reassemblyNesting--;
        }
        this.bytes = saved.bytes;
        this.base = saved.base;
        this.viewSegments = saved.segments;
        this.weight = saved.weight;
      }
    }
  }

  private fragmentsDropped(dropped: DroppedDatagram, reason: DropReason): void {
    this.counters.fragmentsDropped += dropped.weight;
    const shown = dropped.frameNumbers.slice(0, 20).join(', ') + (dropped.frameNumbers.length > 20 ? ', ...' : '');
    const what = dropped.totalLength === undefined ? `${dropped.bytesHeld} bytes, last fragment not seen` : `${dropped.bytesHeld} of ${dropped.totalLength} bytes`;
    this.record(this.problems, reason, dropped.weight);
    this.report(reason, {
      point: dropped.point,
      frameNumber: dropped.firstFrameNumber,
      frameOffset: dropped.firstFrameOffset,
      code: reason,
      message: `${dropped.point.source}: ${dropped.description} dropped (${what}) because ${DROP_EXPLANATIONS[reason]}; fragments in frames ${shown}`,
    });
  }

  // ---- tunnels ----

  private enterTunnel(depth: number, offset: number): boolean {
    if (depth < this.maxTunnelDepth) return true;
    this.problem('tunnel-too-deep', offset, `more than ${this.maxTunnelDepth} nested tunnels`);
    return false;
  }

  private decodeGre(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 4) return this.truncated('gre', offset, 'GRE header');
    const flags = read16(bytes, offset);
    const version = flags & 0x0007;
    const protocol = read16(bytes, offset + 2);
    const sequencePresent = (flags & 0x1000) !== 0;
    let headerLength = 4;
    if (version === 0) {
      const routingPresent = (flags & 0x4000) !== 0;
      if (flags & 0x8000 || routingPresent) headerLength += 4; // checksum and offset
      if (flags & 0x2000) headerLength += 4; // key
      if (sequencePresent) headerLength += 4;
      // RFC 1701 source routing entries, ended by a null entry.
      while (routingPresent) {
        if (end - offset < headerLength + 4) return this.truncated('gre', offset, 'GRE routing entries');
        const entryLength = bytes[offset + headerLength + 3]!;
        const addressFamily = read16(bytes, offset + headerLength);
        headerLength += 4 + entryLength;
        if (addressFamily === 0 && entryLength === 0) break;
      }
    } else if (version === 1 && protocol === ETHERTYPE_PPP) {
      // PPTP's enhanced GRE (RFC 2637): key (payload length, call id), then sequence and ack numbers.
      headerLength = 8 + (sequencePresent ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
    } else {
      return this.problem('gre-unsupported', offset, `GRE version ${version} protocol 0x${protocol.toString(16).padStart(4, '0')}`);
    }
    if (end - offset < headerLength) return this.truncated('gre', offset, 'GRE header');
    if (!this.enterTunnel(depth, offset)) return;
    const inner = offset + headerLength;
    switch (protocol) {
      case ETHERTYPE_PPP:
        return this.decodePpp(inner, end, depth + 1);
      case ETHERTYPE_ERSPAN_I_II:
        // Type II has the sequence bit and an 8-byte ERSPAN header; type I has neither.
        if (!sequencePresent) return this.decodeEthernet(inner, end, depth + 1);
        if (end - inner < 8) return this.truncated('gre', inner, 'ERSPAN type II header');
        return this.decodeEthernet(inner + 8, end, depth + 1);
      case ETHERTYPE_ERSPAN_III: {
        if (end - inner < 12) return this.truncated('gre', inner, 'ERSPAN type III header');
        const frameType = (bytes[inner + 10]! >> 2) & 0x1f;
        const platformHeader = bytes[inner + 11]! & 0x01 ? 8 : 0;
        if (end - inner < 12 + platformHeader) return this.truncated('gre', inner, 'ERSPAN type III platform header');
        if (frameType === 0) return this.decodeEthernet(inner + 12 + platformHeader, end, depth + 1);
        if (frameType === 2) return this.decodeRawIp(inner + 12 + platformHeader, end, depth + 1);
        return this.ignore(`erspan-frame-type:${frameType}`);
      }
      default:
        return this.decodeEtherType(protocol, inner, end, depth + 1);
    }
  }

  /** GTP-U (3GPP TS 29.281) on port 2152: true when the datagram was GTP-U and is dealt with. */
  private tryGtpU(offset: number, end: number, depth: number): boolean {
    const bytes = this.bytes;
    if (end - offset < 8) return false;
    const flags = bytes[offset]!;
    // Version 1 with protocol type GTP; SIP text on this port never starts like that.
    if (flags >> 5 !== 1 || !(flags & 0x10)) return false;
    const length = read16(bytes, offset + 2);
    if (8 + length > end - offset) return false;
    end = offset + 8 + length;
    if (bytes[offset + 1] !== GTP_G_PDU) {
      this.ignore('gtp-u-signalling');
      return true;
    }
    let headerLength = 8;
    if (flags & 0x07) {
      headerLength = 12;
      if (end - offset < headerLength) {
        this.truncated('gtp', offset, 'GTP-U optional fields');
        return true;
      }
      let nextExtension = bytes[offset + 11]!;
      while (nextExtension !== 0) {
        if (end - offset < headerLength + 4) {
          this.truncated('gtp', offset + headerLength, 'GTP-U extension header');
          return true;
        }
        const extensionLength = bytes[offset + headerLength]! * 4;
        if (extensionLength === 0 || end - offset < headerLength + extensionLength) {
          this.problem('gtp-bad-extension', offset + headerLength, `GTP-U extension header of length ${extensionLength}`);
          return true;
        }
        headerLength += extensionLength;
        nextExtension = bytes[offset + headerLength - 1]!;
      }
    }
    if (this.enterTunnel(depth, offset)) this.decodeRawIp(offset + headerLength, end, depth + 1);
    return true;
  }

  /** VXLAN (RFC 7348) on port 4789: true when the datagram was VXLAN and is dealt with. */
  private tryVxlan(offset: number, end: number, depth: number): boolean {
    const bytes = this.bytes;
    // The I flag (0x08, or 0x88 with the group policy extension) and a zero last byte: never text.
    if (end - offset < 8 || (bytes[offset] !== 0x08 && bytes[offset] !== 0x88) || bytes[offset + 7] !== 0) return false;
    if (this.enterTunnel(depth, offset)) this.decodeEthernet(offset + 8, end, depth + 1);
    return true;
  }

  // ---- transports ----

  /** An endpoint of the packet being decoded: shared per IPv4 address and port (see ipv4Endpoint). */
  private endpoint(ipv4: number, ipv6: string, port: number): Endpoint {
    return this.ipVersion === 4 ? ipv4Endpoint(ipv4, port) : { ip: ipv6, port };
  }

  /** The innermost addresses as text, made when asked: RTP folded in by claimDatagram never is. */
  private srcIp(): string {
    return this.ipVersion === 4 ? ipv4Text(this.srcIpv4) : this.srcIpv6;
  }

  private dstIp(): string {
    return this.ipVersion === 4 ? ipv4Text(this.dstIpv4) : this.dstIpv6;
  }

  private decodeUdp(offset: number, end: number, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 8) return this.truncated('udp', offset, 'UDP header');
    const srcPort = read16(bytes, offset);
    const dstPort = read16(bytes, offset + 2);
    const udpLength = read16(bytes, offset + 4);
    let datagramEnd = end;
    // A length of 0 is a jumbogram or segmentation offload: the datagram is the rest of the packet.
    if (udpLength !== 0) {
      if (udpLength < 8) return this.problem('udp-bad-length', offset, `UDP length ${udpLength}`);
      datagramEnd = offset + udpLength;
      if (datagramEnd > end) return this.truncated('udp', offset, `UDP datagram of ${udpLength} bytes (${end - offset} present)`);
    }
    const start = offset + 8;
    if ((dstPort === GTP_U_PORT || srcPort === GTP_U_PORT) && this.tryGtpU(start, datagramEnd, depth)) return;
    if (dstPort === VXLAN_PORT && this.tryVxlan(start, datagramEnd, depth)) return;
    if (datagramEnd === start) return this.ignore('udp-empty');
    this.counters.udpDatagrams++;
    this.counters.payloadFrames += this.weight;
    if (this.ipVersion === 4 && this.viewSegments === null && this.sink.claimDatagram !== undefined) {
      const datagram = this.datagram;
      datagram.point = this.point;
      datagram.srcIpv4 = this.srcIpv4;
      datagram.dstIpv4 = this.dstIpv4;
      datagram.srcPort = srcPort;
      datagram.dstPort = dstPort;
      datagram.bytes = bytes;
      datagram.start = start;
      datagram.end = datagramEnd;
      datagram.ts = this.frame.ts;
      datagram.frameNumber = this.frame.frameNumber;
      if (this.sink.claimDatagram(datagram)) return;
    }
    const payload: TransportPayload = {
      transport: 'udp',
      point: this.point,
      src: this.endpoint(this.srcIpv4, this.srcIpv6, srcPort),
      dst: this.endpoint(this.dstIpv4, this.dstIpv6, dstPort),
      ts: this.frameTs(),
      data: view(bytes, start, datagramEnd),
      segments: this.mapRange(start, datagramEnd - start),
      ttl: this.ttl,
      tunnelled: depth > 0,
    };
    if (this.linuxPacketType >= 0) payload.linuxPacketType = this.linuxPacketType;
    this.sink.onPayload(payload);
  }

  private decodeTcp(offset: number, end: number, cut: boolean, depth: number): void {
    const bytes = this.bytes;
    if (end - offset < 20) return this.truncated('tcp', offset, 'TCP header');
    const headerLength = (bytes[offset + 12]! >> 4) * 4;
    if (headerLength < 20) return this.problem('tcp-bad-header', offset, `TCP header length ${headerLength}`);
    if (end - offset < headerLength) return this.truncated('tcp', offset, 'TCP options');
    const start = offset + headerLength;
    const outcome = this.tcp.segment({
      point: this.point,
      src: this.endpoint(this.srcIpv4, this.srcIpv6, read16(bytes, offset)),
      dst: this.endpoint(this.dstIpv4, this.dstIpv6, read16(bytes, offset + 2)),
      seq: read32(bytes, offset + 4),
      ack: read32(bytes, offset + 8),
      flags: bytes[offset + 13]!,
      data: view(bytes, start, end),
      segments: end > start ? this.mapRange(start, end - start) : NO_SEGMENTS,
      frameNumber: this.frame.frameNumber,
      ts: this.frameTs(),
      now: this.now,
      ttl: this.ttl,
      tunnelled: depth > 0,
      ...(this.linuxPacketType >= 0 ? { linuxPacketType: this.linuxPacketType } : {}),
    });
    if (outcome === 'data') this.counters.tcpSegments++;
    // A cut segment still gives its bytes; what is missing becomes a gap in the stream.
    if (cut) return this.truncated('tcp', start, `TCP segment (${end - start} payload bytes present)`);
    switch (outcome) {
      case 'data':
        this.counters.payloadFrames += this.weight;
        return;
      case 'no-payload':
        return this.ignore('tcp-no-payload');
      case 'retransmission':
        return this.ignore('tcp-retransmission');
      case 'rst-data':
        return this.ignore('tcp-rst-data');
      case 'data-after-end':
        return this.problem('tcp-data-after-end', start, 'TCP data after the end of its stream (FIN or RST)');
      case 'data-before-start':
        return this.problem('tcp-data-before-start', start, 'TCP data before the first byte seen of a stream whose SYN was not captured');
    }
  }

  private decodeIcmp(offset: number, end: number): void {
    const bytes = this.bytes;
    const version = this.ipVersion;
    if (end - offset < 8) return this.truncated(version === 4 ? 'icmp' : 'icmpv6', offset, 'ICMP header');
    const type = bytes[offset]!;
    const code = bytes[offset + 1]!;
    const kind = version === 4 ? icmpv4ErrorKind(type, code) : icmpv6ErrorKind(type, code);
    if (kind === undefined) {
      if (version === 4) return this.ignore('icmp');
      // Router/neighbour solicitations and advertisements, redirect.
      return this.ignore(type >= 133 && type <= 137 ? 'ipv6-nd' : 'icmpv6');
    }
    this.counters.icmpErrors += this.weight;
    const quoted = readQuotedTuple(bytes, offset + 8, end);
    this.sink.onIcmpError?.({
      point: this.point,
      frameNumber: this.frame.frameNumber,
      ts: this.frameTs(),
      from: this.srcIp(),
      to: this.dstIp(),
      kind,
      ...(quoted ? { quoted } : {}),
    });
  }

  // ---- provenance and accounting ----

  /** The frame's time, for what outlives the frame (the frame's own ts is refilled by the reader). */
  private frameTs(): Timestamp {
    return { sec: this.lastTsSec, nsec: this.lastTsNsec };
  }

  /** Segments for bytes [start, start + length) of the current view. */
  private mapRange(start: number, length: number): PayloadSegment[] {
    if (this.viewSegments === null) return [{ frameNumber: this.frame.frameNumber, frameOffset: start - this.base, payloadOffset: 0, length }];
    return sliceSegments(this.viewSegments, start, length);
  }

  private ignore(reason: string): void {
    this.record(this.ignored, reason, this.weight);
  }

  private problem(code: string, position: number, message: string): void {
    this.countProblem(code, position, message, true);
  }

  /** Bytes a header or length field promises are missing: a snaplen cut or a malformed packet. */
  private truncated(layer: string, position: number, what: string): void {
    if (this.snapCut && this.viewSegments === null) {
      this.problem(`${layer}-truncated-by-snaplen`, position, `${what} cut short by the capture's snaplen (${this.frame.capturedLength} of ${this.frame.wireLength} bytes captured)`);
    } else {
      this.problem(`${layer}-truncated`, position, `${what} runs past the end of the packet`);
    }
  }

  private countProblem(code: string, position: number, message: string, report: boolean): void {
    this.record(this.problems, code, this.weight);
    if (!report) return;
    let frameNumber = this.frame.frameNumber;
    let frameOffset = position - this.base;
    if (this.viewSegments !== null) {
      const located = locateByte(this.viewSegments, position);
      frameNumber = located?.frameNumber ?? frameNumber;
      frameOffset = located?.frameOffset ?? 0;
    }
    this.report(code, { point: this.point, frameNumber, frameOffset, code, message: `${this.source} frame ${frameNumber}: ${message}` });
  }

  private report(code: string, problem: Parameters<DecodeSink['onProblem']>[0]): void {
    const reported = this.problemsReported.get(code) ?? 0;
    // Unknown link types and interfaces are reported once per interface by their callers.
    if (reported >= this.maxProblemsPerCode && code !== 'unknown-linktype' && code !== 'unknown-interface') return;
    this.problemsReported.set(code, reported + 1);
    this.sink.onProblem(problem);
  }

  private record(counts: Record<string, number>, reason: string, weight: number): void {
    counts[reason] = (counts[reason] ?? 0) + weight;
  }
}

const otherEtherTypeNames = new Map<number, string>();

function otherEtherType(etherType: number): string {
  let name = otherEtherTypeNames.get(etherType);
  if (name === undefined) {
    name = `other-ethertype:0x${etherType.toString(16).padStart(4, '0')}`;
    otherEtherTypeNames.set(etherType, name);
  }
  return name;
}

/**
 * Bytes [start, end) without a copy. A plain Uint8Array: Buffer#subarray of a Node Buffer
 * builds a Buffer subclass, several times slower on this per-packet path.
 */
function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

function read16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

function read32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
