/**
 * MediaTracker: every non-SIP UDP datagram goes through onPayload. Datagrams are filed by 5-tuple
 * (one Map lookup on a short string key); a new 5-tuple is matched against the endpoints the
 * dialogs' SDP announced (claims), by destination first, then by source (symmetric RTP).
 * RTP-shaped 5-tuples that match nothing are orphan streams, counted as RTP once they pass a short
 * probation. Per-packet data is folded into counters, never stored.
 */
import type { Timestamp } from '../capture/types.js';
import type { CapturePointRef, Endpoint, TransportPayload, UdpDatagramView } from '../decode/types.js';
import { classifyPacket, frameOf, OTHER, RTCP, RTP, StreamState } from './rtp.js';
import { secondsBetween } from './time.js';
import type { DialogConfig, MediaStats, Party, StreamMatch } from './types.js';

/** An SDP endpoint a dialog announced: the receiving party, which m= line, RTP or RTCP. */
export interface MediaClaim {
  owner: MediaOwner;
  /** The party whose SDP announced the endpoint (it receives there; with symmetric RTP it sends from there). */
  party: Party;
  role: 'rtp' | 'rtcp';
  mediaIndex: number;
  /** Leg of a callee SDP; undefined for the caller's SDP (shared by all legs). */
  toTag?: string;
}

/** The dialog side of a claim: decides the match details and keeps the stream. */
export interface MediaOwner {
  readonly id: string;
  /** A stream hit one of this owner's claims; returns what to record and the clock rates to use. */
  attach(stream: StreamState, claim: MediaClaim, by: 'destination' | 'source'): { match: StreamMatch; clocks: Float64Array };
}

function endpointKey(ip: string, port: number): string {
  return ip + '/' + port;
}

/** Both ports in one int32 (a Smi, so the Map hashes it directly; port * 65536 + port is not one above port 32767). */
function portsKey(srcPort: number, dstPort: number): number {
  return (srcPort << 16) | dstPort;
}

/**
 * Live streams by 5-tuple without building a key per packet: both ports packed in one integer
 * find the (nearly always single) stream on those ports, whose addresses are then compared. The
 * streams on the same ports are chained through StreamState.nextOnPorts rather than held in an
 * array: one object less to reach per packet, which mostly waits on memory.
 */
class FiveTupleMap {
  readonly #byPorts = new Map<number, StreamState>();
  readonly #all = new Set<StreamState>();

  get(src: Endpoint, dst: Endpoint): StreamState | undefined {
    let stream = this.#byPorts.get(portsKey(src.port, dst.port));
    while (stream !== undefined && (stream.src.ip !== src.ip || stream.dst.ip !== dst.ip)) stream = stream.nextOnPorts;
    return stream;
  }

  /** get() for an IPv4 datagram given by ipv4Key integers. */
  getIpv4(srcIpv4: number, srcPort: number, dstIpv4: number, dstPort: number): StreamState | undefined {
    let stream = this.#byPorts.get(portsKey(srcPort, dstPort));
    while (stream !== undefined && (stream.srcIpv4 !== srcIpv4 || stream.dstIpv4 !== dstIpv4)) stream = stream.nextOnPorts;
    return stream;
  }

  /** A stream whose 5-tuple get() does not find. */
  add(stream: StreamState): void {
    const ports = portsKey(stream.src.port, stream.dst.port);
    stream.nextOnPorts = this.#byPorts.get(ports);
    this.#byPorts.set(ports, stream);
    this.#all.add(stream);
  }

  delete(stream: StreamState): void {
    if (!this.#all.delete(stream)) return;
    const ports = portsKey(stream.src.port, stream.dst.port);
    const first = this.#byPorts.get(ports)!;
    if (first === stream) {
      if (stream.nextOnPorts === undefined) this.#byPorts.delete(ports);
      else this.#byPorts.set(ports, stream.nextOnPorts);
    } else {
      let before = first;
      while (before.nextOnPorts !== stream) before = before.nextOnPorts!;
      before.nextOnPorts = stream.nextOnPorts;
    }
    stream.nextOnPorts = undefined;
  }

  values(): IterableIterator<StreamState> {
    return this.#all.values();
  }
}

class MediaPoint {
  readonly streams = new FiveTupleMap();
  readonly claims = new Map<string, MediaClaim>();
  /** Endpoint keys each owner claimed, so releasing an owner does not walk every claim. */
  readonly claimsByOwner = new Map<string, Set<string>>();
  /** Live streams by each of their two endpoint keys, to re-file them when a claim changes hands. */
  readonly byEndpoint = new Map<string, Set<StreamState>>();
  /** Live matched streams by owner id, to drop them when the owner ages out. */
  readonly byOwner = new Map<string, Set<StreamState>>();
  orphans = 0;
  constructor(readonly ref: CapturePointRef) {}
}

export class MediaTracker {
  readonly #config: DialogConfig;
  readonly #points = new Map<string, MediaPoint>();
  #lastRef: CapturePointRef | undefined;
  #lastPoint: MediaPoint | undefined;
  #nextId = 1;
  readonly #stats: MediaStats = {
    candidates: 0,
    rtpPackets: 0,
    rtcpPackets: 0,
    otherOnMediaPorts: 0,
    matchedPackets: 0,
    orphanPackets: 0,
    streams: 0,
    matchedStreams: 0,
    orphanStreams: 0,
    nonRtpDatagrams: 0,
    untrackedDatagrams: 0,
    agedOutOrphanStreams: 0,
  };
  /** RTP/RTCP-shaped packets of orphan streams removed before passing probation (they count as non-RTP). */
  #retiredProbationRtp = 0;
  #retiredProbationRtcp = 0;
  #retiredConfirmedOrphans = 0;
  #retiredOrphanPackets = 0;

  constructor(config: DialogConfig) {
    this.#config = config;
  }

  #point(ref: CapturePointRef): MediaPoint {
    if (ref === this.#lastRef) return this.#lastPoint!;
    let point = this.#points.get(ref.key);
    if (!point) this.#points.set(ref.key, (point = new MediaPoint(ref)));
    this.#lastRef = ref;
    this.#lastPoint = point;
    return point;
  }

  /**
   * One UDP datagram that is not SIP. Returns true when it was attributed to media: any datagram
   * of a stream matched to a dialog or sent to/from an SDP endpoint (RTP, RTCP, or STUN, ZRTP and
   * keepalives on a media port), or an RTP/RTCP packet of an orphan stream past probation.
   */
  onPayload(payload: TransportPayload): boolean {
    this.#stats.candidates++;
    if (payload.transport !== 'udp') {
      this.#stats.nonRtpDatagrams++;
      return false;
    }
    const point = this.#point(payload.point);
    let stream = point.streams.get(payload.src, payload.dst);
    if (stream === undefined) {
      // Only RTP/RTCP starts a stream: a stray datagram must not pose as media evidence.
      if (classifyPacket(payload.data) === OTHER) return this.#notMedia(point, payload);
      stream = this.#open(point, payload);
      if (stream === undefined) return false;
    }
    return this.#fold(stream, payload.data, 0, payload.data.length, payload.ts, frameOf(payload));
  }

  /**
   * onPayload for a datagram given by integers, when a stream already open has its 5-tuple (no
   * TransportPayload is built for it). False, having done nothing, when none has.
   */
  onKnownStreamDatagram(datagram: UdpDatagramView): boolean {
    const stream = this.#point(datagram.point).streams.getIpv4(datagram.srcIpv4, datagram.srcPort, datagram.dstIpv4, datagram.dstPort);
    if (stream === undefined) return false;
    this.#stats.candidates++;
    this.#fold(stream, datagram.bytes, datagram.start, datagram.end, datagram.ts, datagram.frameNumber);
    return true;
  }

  /** One datagram d[start, end) of `stream` into the stream and the counters; true when it is media. */
  #fold(stream: StreamState, d: Uint8Array, start: number, end: number, ts: Timestamp, frame: number): boolean {
    const kind = stream.add(d, start, end, ts, frame, this.#config.rtpProbationPackets);
    if (kind === RTP) this.#stats.rtpPackets++;
    else if (kind === RTCP) this.#stats.rtcpPackets++;
    if (stream.match !== undefined) {
      if (kind === OTHER) this.#stats.otherOnMediaPorts++;
      else this.#stats.matchedPackets++;
      return true;
    }
    if (kind === OTHER) {
      this.#stats.nonRtpDatagrams++;
      return false;
    }
    return stream.confirmed;
  }

  /** A datagram that is neither RTP nor RTCP outside any stream: STUN & co. on a media port, or not media. */
  #notMedia(point: MediaPoint, payload: TransportPayload): boolean {
    if (point.claims.has(endpointKey(payload.dst.ip, payload.dst.port)) || point.claims.has(endpointKey(payload.src.ip, payload.src.port))) {
      this.#stats.otherOnMediaPorts++;
      return true;
    }
    this.#stats.nonRtpDatagrams++;
    return false;
  }

  /** An RTP/RTCP 5-tuple seen for the first time: matched by a claim, or an orphan. */
  #open(point: MediaPoint, payload: TransportPayload): StreamState | undefined {
    let by: 'destination' | 'source' = 'destination';
    let claim = point.claims.get(endpointKey(payload.dst.ip, payload.dst.port));
    if (claim === undefined) {
      claim = point.claims.get(endpointKey(payload.src.ip, payload.src.port));
      by = 'source';
    }
    if (claim === undefined && point.orphans >= this.#config.maxOrphanStreamsPerPoint) {
      this.#stats.untrackedDatagrams++;
      return undefined;
    }
    const stream = new StreamState(this.#nextId++, payload, this.#config.maxSsrcsPerStream);
    this.#stats.streams++;
    point.streams.add(stream);
    for (const ep of [stream.src, stream.dst]) {
      const k = endpointKey(ep.ip, ep.port);
      let set = point.byEndpoint.get(k);
      if (!set) point.byEndpoint.set(k, (set = new Set()));
      set.add(stream);
    }
    if (claim !== undefined) this.#attach(point, stream, claim, by);
    else point.orphans++;
    return stream;
  }

  #attach(point: MediaPoint, stream: StreamState, claim: MediaClaim, by: 'destination' | 'source'): void {
    const { match, clocks } = claim.owner.attach(stream, claim, by);
    stream.match = match;
    stream.confirmed = true;
    stream.setClocks(clocks);
    this.#stats.matchedStreams++;
    let set = point.byOwner.get(claim.owner.id);
    if (!set) point.byOwner.set(claim.owner.id, (set = new Set()));
    set.add(stream);
  }

  /**
   * A dialog's SDP announced an endpoint. Orphan streams touching it are adopted; live streams of
   * another dialog touching it are closed (their 5-tuple starts a new stream with the next
   * packet), so back-to-back calls on the same ports are told apart.
   */
  claim(ref: CapturePointRef, endpoint: Endpoint, claim: MediaClaim): void {
    const point = this.#point(ref);
    const key = endpointKey(endpoint.ip, endpoint.port);
    point.claims.set(key, claim);
    let owned = point.claimsByOwner.get(claim.owner.id);
    if (!owned) point.claimsByOwner.set(claim.owner.id, (owned = new Set()));
    owned.add(key);
    const touching = point.byEndpoint.get(key);
    if (!touching) return;
    for (const stream of [...touching]) {
      if (stream.match === undefined) {
        point.orphans--;
        this.#stats.matchedPackets += stream.mediaPackets;
        this.#attach(point, stream, claim, endpointKey(stream.dst.ip, stream.dst.port) === key ? 'destination' : 'source');
      } else if (stream.match.dialogId !== claim.owner.id) {
        this.#unfile(point, stream);
      }
    }
  }

  /** Removes a stream from the live maps (it stays wherever a dialog keeps it). */
  #unfile(point: MediaPoint, stream: StreamState): void {
    point.streams.delete(stream);
    for (const ep of [stream.src, stream.dst]) {
      const k = endpointKey(ep.ip, ep.port);
      const set = point.byEndpoint.get(k);
      if (set?.delete(stream) && set.size === 0) point.byEndpoint.delete(k);
    }
    if (stream.match) point.byOwner.get(stream.match.dialogId)?.delete(stream);
  }

  /** An owner aged out: its claims and live streams go. */
  release(ref: CapturePointRef, ownerId: string): void {
    const point = this.#points.get(ref.key);
    if (!point) return;
    for (const key of point.claimsByOwner.get(ownerId) ?? []) if (point.claims.get(key)?.owner.id === ownerId) point.claims.delete(key);
    point.claimsByOwner.delete(ownerId);
    const streams = point.byOwner.get(ownerId);
    if (streams) for (const stream of [...streams]) this.#unfile(point, stream);
    point.byOwner.delete(ownerId);
  }

  /** Drops orphan streams idle for config.idleSeconds (counted, not kept). */
  ageOut(now: Timestamp): void {
    for (const point of this.#points.values()) {
      for (const stream of [...point.streams.values()]) {
        if (stream.match !== undefined || secondsBetween(stream.lastTs, now) < this.#config.idleSeconds) continue;
        this.#unfile(point, stream);
        point.orphans--;
        this.#stats.agedOutOrphanStreams++;
        if (stream.confirmed) {
          this.#retiredConfirmedOrphans++;
          this.#retiredOrphanPackets += stream.mediaPackets;
        } else {
          this.#retiredProbationRtp += stream.rtpPackets;
          this.#retiredProbationRtcp += stream.rtcp.packets;
        }
      }
    }
  }

  /** Confirmed orphan streams of a capture point, in order of first packet. */
  orphanStreams(pointKey: string): StreamState[] {
    const point = this.#points.get(pointKey);
    if (!point) return [];
    return [...point.streams.values()].filter((s) => s.match === undefined && s.confirmed).sort((a, b) => a.id - b.id);
  }

  stats(): MediaStats {
    let probationRtp = this.#retiredProbationRtp;
    let probationRtcp = this.#retiredProbationRtcp;
    let orphanStreams = this.#retiredConfirmedOrphans;
    let orphanPackets = this.#retiredOrphanPackets;
    for (const point of this.#points.values()) {
      for (const stream of point.streams.values()) {
        if (stream.match !== undefined) continue;
        if (stream.confirmed) {
          orphanStreams++;
          orphanPackets += stream.mediaPackets;
        } else {
          probationRtp += stream.rtpPackets;
          probationRtcp += stream.rtcp.packets;
        }
      }
    }
    // RTP-shaped packets of orphans that never passed probation were not media after all.
    return {
      ...this.#stats,
      rtpPackets: this.#stats.rtpPackets - probationRtp,
      rtcpPackets: this.#stats.rtcpPackets - probationRtcp,
      orphanStreams,
      orphanPackets,
      nonRtpDatagrams: this.#stats.nonRtpDatagrams + probationRtp + probationRtcp,
    };
  }
}
