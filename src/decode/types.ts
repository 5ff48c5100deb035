/**
 * Decode stage: link layer, tunnels, IPv4/IPv6 (with fragment reassembly), UDP and TCP
 * (with per-direction stream reassembly). Input: frames from the capture stage. Output:
 * transport payloads that remember every frame and byte they came from.
 */
import type { Timestamp } from '../capture/types.js';

/**
 * One place packets were seen: a capture file, one interface of a multi-interface pcapng,
 * or one interface of a Linux "any" capture (SLL/SLL2 interface index).
 */
export interface CapturePointRef {
  /** Stable key, e.g. "lan.pcap#0" or "any.pcapng#0/if3". */
  key: string;
  source: string;
  /** Interface id within the capture file (pcapng IDB index). */
  interfaceId: number;
  /** Linux interface index from an SLL2 header, when the link type carries one. */
  linuxIfIndex?: number;
}

export interface Endpoint {
  /** Textual address: dotted quad for IPv4, RFC 5952 compressed form for IPv6. */
  ip: string;
  port: number;
}

/** One contiguous run of payload bytes and the frame bytes it was taken from. */
export interface PayloadSegment {
  frameNumber: number;
  /** Offset of these bytes inside the frame (as Wireshark shows frame bytes). */
  frameOffset: number;
  /** Offset of these bytes inside the payload. */
  payloadOffset: number;
  length: number;
}

export type Transport = 'udp' | 'tcp';

/**
 * Bytes carried by UDP (one datagram) or TCP (an in-order chunk of one direction of a
 * stream). Provenance is exact: segments map every payload byte back to a frame.
 */
export interface TransportPayload {
  transport: Transport;
  point: CapturePointRef;
  src: Endpoint;
  dst: Endpoint;
  /** Timestamp of the frame that completed this payload (last fragment or segment). */
  ts: Timestamp;
  /** Valid only during the callback (may view a reader buffer); copy to keep. */
  data: Uint8Array;
  segments: PayloadSegment[];
  /** For TCP: identifies the direction of the connection; chunks of one stream share it. */
  streamId?: string;
  /** For TCP: byte offset of data[0] in this direction's stream (relative to the ISN + 1). */
  streamOffset?: number;
  /** IP TTL / hop limit of the (last) packet, useful to tell which side of a NAT a packet was seen on. */
  ttl: number;
  /** True when the payload went through one or more tunnels (GRE, IP-in-IP, GTP-U, ERSPAN). */
  tunnelled: boolean;
  /**
   * Linux cooked capture (SLL/SLL2) packet type of the (last) frame: 0 addressed to this host,
   * 1 broadcast, 2 multicast, 3 to another host, 4 sent by this host. Tells in from out on a
   * router captured with "-i any".
   */
  linuxPacketType?: number;
}

/** ICMP / ICMPv6 errors that quote a UDP or TCP packet (e.g. port unreachable from a NAT). */
export interface IcmpError {
  point: CapturePointRef;
  frameNumber: number;
  ts: Timestamp;
  /** Who sent the ICMP error. */
  from: string;
  to: string;
  /** e.g. "port-unreachable", "host-unreachable", "admin-prohibited", "other (3/1)". */
  kind: string;
  /** The quoted packet's transport tuple, when it could be read. */
  quoted?: { transport: Transport; src: Endpoint; dst: Endpoint };
}

/** A gap in a TCP stream: bytes that never appeared in the capture. Never papered over. */
export interface TcpGap {
  point: CapturePointRef;
  streamId: string;
  src: Endpoint;
  dst: Endpoint;
  /** Stream offset where the missing bytes start, and how many are missing. */
  streamOffset: number;
  length: number;
  /** Frame at which the gap was declared (the next data after it, or end of capture). */
  frameNumber: number;
  ts: Timestamp;
}

/** Something in a frame that could not be decoded (counted, never silent). */
export interface DecodeProblem {
  point: CapturePointRef;
  frameNumber: number;
  /** Offset inside the frame where decoding stopped. */
  frameOffset: number;
  /** Short stable code for counting, e.g. "unknown-linktype", "ipv4-bad-header", "fragment-timeout". */
  code: string;
  message: string;
}

/**
 * An IPv4 UDP datagram that lies whole in one frame, offered to DecodeSink.claimDatagram before a
 * TransportPayload is built: the media path folds most RTP packets in from these fields alone.
 * The decoder reuses this object for every datagram, and the reader the ts it points at: nothing
 * may keep either.
 */
export interface UdpDatagramView {
  point: CapturePointRef;
  /** Addresses as ipv4Key integers (see decode/addresses). */
  srcIpv4: number;
  dstIpv4: number;
  srcPort: number;
  dstPort: number;
  /** The datagram is bytes[start, end); valid only during the call. */
  bytes: Uint8Array;
  start: number;
  end: number;
  ts: Timestamp;
  frameNumber: number;
}

export interface DecodeSink {
  onPayload(payload: TransportPayload): void;
  /**
   * Offered each IPv4 UDP datagram that lies whole in one frame before onPayload: true when the
   * sink took it, and then no TransportPayload is built for it.
   */
  claimDatagram?(datagram: UdpDatagramView): boolean;
  onIcmpError?(error: IcmpError): void;
  onTcpGap?(gap: TcpGap): void;
  /** A TCP direction ended (FIN/RST or end of capture): the SIP framer may flush. */
  onTcpStreamEnd?(streamId: string, point: CapturePointRef): void;
  onProblem(problem: DecodeProblem): void;
}

/** Counters the decoder keeps; every frame that produced no payload is counted under a reason. */
export interface DecodeStats {
  frames: number;
  /** UDP datagrams delivered (a reassembled one counts once). */
  udpDatagrams: number;
  /** TCP segments that carried stream bytes not seen before (delivered, or held until a hole fills). */
  tcpSegments: number;
  /** Frames that are neither UDP nor TCP carrying data (ARP, pure ACKs, SCTP, ...), by reason. */
  ignored: Record<string, number>;
  /** Frames or bytes that could not be decoded or were dropped, by reason code. */
  problems: Record<string, number>;
  /** Fragment frames that went into a reassembled datagram. */
  fragmentsReassembled: number;
  /** Fragment frames dropped (timeout, caps, end of capture); also counted in problems by reason. */
  fragmentsDropped: number;
  tcpGapBytes: number;
  /**
   * Frames whose bytes went into UDP/TCP payloads (every fragment of a reassembled datagram
   * counts). After finish(): frames = payloadFrames + icmpErrors + sum(ignored) + sum(problems).
   */
  payloadFrames?: number;
  /** Frames that produced an IcmpError. */
  icmpErrors?: number;
  /** Fragments that repeated or overlapped bytes already held (the first copy was kept). */
  fragmentOverlaps?: number;
  /** Open TCP connections closed for silence (idle timeout) or to stay under the connection cap. */
  tcpConnectionsEvictedIdle?: number;
  tcpConnectionsEvictedOverCap?: number;
}
