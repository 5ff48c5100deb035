/**
 * Per-packet RTP/RTCP work: recognising the header shape and folding each packet into the
 * statistics of its 5-tuple stream and SSRC (RFC 3550 A.1 sequence accounting, 6.4.1 jitter).
 * This runs for every media packet: integer reads from the payload bytes, no allocation except
 * when a stream or SSRC is first seen.
 */
import type { Timestamp } from '../capture/types.js';
import { ipv4KeyOfText } from '../decode/addresses.js';
import type { CapturePointRef, Endpoint, TransportPayload } from '../decode/types.js';
import { staticClockRate } from './sdp.js';
import type { MediaStream, PayloadTypeInfo, RtcpStats, RtpSsrcStats, StreamMatch } from './types.js';

export const OTHER = 0;
export const RTP = 1;
export const RTCP = 2;
export type PacketKind = typeof OTHER | typeof RTP | typeof RTCP;

/**
 * RTP, RTCP or neither, by header shape: version 2; RTCP packet types 200-207 (RFC 5761: with the
 * marker bit these are RTP types 72-79, which RTP may not use) with a length that fits; RTP with a
 * header (CSRCs, extension) and padding that fit the datagram.
 */
export function classifyPacket(d: Uint8Array, start = 0, end = d.length): PacketKind {
  const n = end - start;
  if (n < 8) return OTHER;
  const b0 = d[start]!;
  if ((b0 & 0xc0) !== 0x80) return OTHER;
  const b1 = d[start + 1]!;
  if (b1 >= 200 && b1 <= 207) return (((d[start + 2]! << 8) | d[start + 3]!) + 1) * 4 <= n ? RTCP : OTHER;
  if (n < 12) return OTHER;
  let header = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (header + 4 > n) return OTHER;
    header += 4 + ((d[start + header + 2]! << 8) | d[start + header + 3]!) * 4;
  }
  if (header > n) return OTHER;
  if (b0 & 0x20) {
    const padding = d[end - 1]!;
    if (padding === 0 || header + padding > n) return OTHER;
  }
  return RTP;
}

/** Clock rate per payload type 0..127 (0 = unknown): static types, overridden by the SDP's rtpmaps. */
export function clockTable(sdpPayloadTypes: readonly (readonly PayloadTypeInfo[])[]): Float64Array {
  const table = new Float64Array(128);
  for (let pt = 0; pt < 128; pt++) table[pt] = staticClockRate(pt) ?? 0;
  // Earlier lists win (the receiver's SDP defines what it expects to receive).
  for (let i = sdpPayloadTypes.length - 1; i >= 0; i--) {
    for (const info of sdpPayloadTypes[i]!) if (info.clockRate !== undefined) table[info.pt] = info.clockRate;
  }
  return table;
}

const STATIC_CLOCKS = clockTable([]);

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 65536;

/** Statistics of one SSRC; the fields are the public RtpSsrcStats, the # fields the running state. */
export class SsrcState implements RtpSsrcStats {
  readonly ssrc: number;
  packets = 0;
  bytes = 0;
  readonly firstTs: Timestamp;
  readonly firstFrame: number;
  lastFrame: number;
  payloadTypes: number[] = [];
  clockRate: number | null = null;
  baseSeq: number;
  maxExtendedSeq: number;
  expected = 0;
  lost = 0;
  gaps = 0;
  reordered = 0;
  duplicates = 0;
  sequenceRestarts = 0;
  maxDeltaMs = 0;

  /** Packets that followed the highest sequence number by exactly one (orphan probation). */
  #inSequence = 0;
  #cycles = 0;
  #maxSeq: number;
  #badSeq = -1;
  /** Expected packets of sequence epochs before a restart. */
  #expectedBefore = 0;
  #seqReceived = 0;
  /** The last packet's time (lastTs), as numbers in this object: see StreamState.#lastSec. */
  #lastSec: number;
  #lastNsec: number;
  /** Arrival seconds are relative to this whole second, so doubles keep nanoseconds. */
  readonly #baseSec: number;
  #prevArrival = 0;
  #lastPt = -1;
  /**
   * The clock rate of #lastPt in #ptClocks: read again only when the payload type or the stream's
   * table changes, not from the table (memory of its own) for every packet.
   */
  #ptClock = 0;
  #ptClocks: Float64Array | undefined;
  /** Arrival, RTP timestamp and clock rate of the previous packet in the jitter chain. */
  #lastArrival = 0;
  #lastClock = 0;
  #lastRtpTs = 0;
  #jitter = 0;
  /**
   * The jitter figures are read through getters: a field that starts out undefined holds each
   * double written to it in a new heap box, which cost two allocations per packet.
   */
  #jitterComputed = false;
  #jitterMs = 0;
  #maxJitterMs = 0;
  #jitterSamples = 0;
  #jitterSumMs = 0;

  constructor(ssrc: number, seq: number, ts: Timestamp, frame: number) {
    this.ssrc = ssrc;
    this.firstTs = { sec: ts.sec, nsec: ts.nsec };
    this.#lastSec = ts.sec;
    this.#lastNsec = ts.nsec;
    this.firstFrame = frame;
    this.lastFrame = frame;
    this.baseSeq = seq;
    this.maxExtendedSeq = seq;
    this.#maxSeq = seq;
    this.#baseSec = ts.sec;
  }

  get lastTs(): Timestamp {
    return { sec: this.#lastSec, nsec: this.#lastNsec };
  }

  get inSequence(): number {
    return this.#inSequence;
  }

  get jitterMs(): number | undefined {
    return this.#jitterComputed ? this.#jitterMs : undefined;
  }

  get maxJitterMs(): number | undefined {
    return this.#jitterSamples > 0 ? this.#maxJitterMs : undefined;
  }

  get meanJitterMs(): number | undefined {
    return this.#jitterSamples > 0 ? this.#jitterSumMs / this.#jitterSamples : undefined;
  }

  /** JSON.stringify writes own fields only: lastTs and the jitter getters go back in their place among them. */
  toJSON(): RtpSsrcStats {
    const { ssrc, packets, bytes, firstTs, maxDeltaMs, ...fields } = this;
    return { ssrc, packets, bytes, firstTs, lastTs: this.lastTs, ...fields, jitterMs: this.jitterMs, maxJitterMs: this.maxJitterMs, meanJitterMs: this.meanJitterMs, maxDeltaMs };
  }

  /** The RTP packet in d[start, end). */
  add(d: Uint8Array, start: number, end: number, ts: Timestamp, frame: number, clocks: Float64Array): void {
    const pt = d[start + 1]! & 0x7f;
    const seq = (d[start + 2]! << 8) | d[start + 3]!;
    const rtpTs = ((d[start + 4]! << 24) | (d[start + 5]! << 16) | (d[start + 6]! << 8) | d[start + 7]!) >>> 0;
    const arrival = ts.sec - this.#baseSec + ts.nsec / 1e9;
    if (this.packets === 0) {
      this.#seqReceived = 1;
    } else {
      const delta = (arrival - this.#prevArrival) * 1000;
      if (delta > this.maxDeltaMs) this.maxDeltaMs = delta;
      this.#sequence(seq);
    }
    this.packets++;
    this.bytes += end - start;
    this.#lastSec = ts.sec;
    this.#lastNsec = ts.nsec;
    this.lastFrame = frame;
    if (pt !== this.#lastPt || clocks !== this.#ptClocks) {
      if (!this.payloadTypes.includes(pt)) this.payloadTypes.push(pt);
      this.#lastPt = pt;
      this.#ptClocks = clocks;
      this.#ptClock = clocks[pt]!;
    }
    this.#jitterStep(rtpTs, arrival, this.#ptClock, (d[start + 1]! & 0x80) !== 0);
    this.#prevArrival = arrival;
    this.expected = this.#expectedBefore + this.#cycles + this.#maxSeq - this.baseSeq + 1;
    this.lost = this.expected - this.#seqReceived;
    this.maxExtendedSeq = this.#cycles + this.#maxSeq;
  }

  /** RFC 3550 A.1 update_seq, counting gaps, late packets and duplicates on the way. */
  #sequence(seq: number): void {
    const udelta = (seq - this.#maxSeq) & 0xffff;
    if (udelta === 0) {
      this.duplicates++;
      this.#seqReceived++;
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.#maxSeq) this.#cycles += SEQ_MOD;
      if (udelta === 1) this.#inSequence++;
      else this.gaps++;
      this.#maxSeq = seq;
      this.#badSeq = -1;
      this.#seqReceived++;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      if (seq === this.#badSeq) {
        // Two packets in a row after a big jump: the sender restarted its sequence.
        this.#expectedBefore += this.#cycles + this.#maxSeq - this.baseSeq + 1;
        this.sequenceRestarts++;
        this.baseSeq = seq;
        this.#cycles = 0;
        this.#maxSeq = seq;
        this.#badSeq = -1;
        this.#seqReceived++;
      } else {
        // Not counted until the next packet confirms the jump (RFC 3550 A.1).
        this.#badSeq = (seq + 1) & 0xffff;
      }
    } else {
      this.reordered++;
      this.#seqReceived++;
    }
  }

  /**
   * RFC 3550 6.4.1: J += (|D(i-1,i)| - J) / 16 over every packet, in timestamp units; a change of
   * clock rate (payload type) restarts the chain. As in Wireshark, the maximum and mean leave out
   * packets with the marker bit (talkspurt or video frame boundaries), so the figures compare.
   */
  #jitterStep(rtpTs: number, arrival: number, clock: number, marker: boolean): void {
    if (clock === 0) {
      this.clockRate = null;
      this.#lastClock = 0;
      return;
    }
    if (clock === this.#lastClock) {
      const d = (arrival - this.#lastArrival) * clock - ((rtpTs - this.#lastRtpTs) | 0);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
      const ms = (this.#jitter * 1000) / clock;
      this.#jitterMs = ms;
      this.#jitterComputed = true;
      if (!marker) {
        if (this.#jitterSamples === 0 || ms > this.#maxJitterMs) this.#maxJitterMs = ms;
        this.#jitterSamples++;
        this.#jitterSumMs += ms;
      }
    }
    this.clockRate = clock;
    this.#lastClock = clock;
    this.#lastRtpTs = rtpTs;
    this.#lastArrival = arrival;
  }

}

function emptyRtcp(): RtcpStats {
  return { packets: 0, bytes: 0, senderReports: 0, receiverReports: 0, byes: 0, ssrcs: [] };
}

/** One UDP 5-tuple at one capture point; the fields are the public MediaStream. */
export class StreamState implements MediaStream {
  readonly id: number;
  readonly point: CapturePointRef;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly firstTs: Timestamp;
  readonly firstFrame: number;
  lastFrame: number;
  packets = 0;
  bytes = 0;
  rtp: SsrcState[] = [];
  rtpUntracked = 0;
  rtcp: RtcpStats = emptyRtcp();
  otherPackets = 0;
  match?: StreamMatch;
  confirmed = false;

  // Lookup state, private so that it stays out of what a stream serializes to (getters are not own fields).
  readonly #srcIpv4: number | undefined;
  readonly #dstIpv4: number | undefined;
  #nextOnPorts: StreamState | undefined = undefined;
  readonly #maxSsrcs: number;
  #clocks: Float64Array = STATIC_CLOCKS;
  #current: SsrcState | undefined;
  /**
   * The last packet's time (lastTs), as numbers in this object: a Timestamp object of its own was
   * one more piece of memory to reach for every packet (about a tenth of RTP-heavy analysis).
   */
  #lastSec: number;
  #lastNsec: number;

  constructor(id: number, payload: TransportPayload, maxSsrcs: number) {
    this.id = id;
    this.#maxSsrcs = maxSsrcs;
    this.point = payload.point;
    this.src = { ip: payload.src.ip, port: payload.src.port };
    this.dst = { ip: payload.dst.ip, port: payload.dst.port };
    this.#srcIpv4 = ipv4KeyOfText(payload.src.ip);
    this.#dstIpv4 = ipv4KeyOfText(payload.dst.ip);
    this.firstTs = { sec: payload.ts.sec, nsec: payload.ts.nsec };
    this.#lastSec = payload.ts.sec;
    this.#lastNsec = payload.ts.nsec;
    this.firstFrame = frameOf(payload);
    this.lastFrame = this.firstFrame;
  }

  /** The time of the last packet: a new object each time, the caller's to keep. */
  get lastTs(): Timestamp {
    return { sec: this.#lastSec, nsec: this.#lastNsec };
  }

  /** JSON.stringify writes own fields only: lastTs goes back in its place among them. */
  toJSON(): MediaStream {
    const { id, point, src, dst, firstTs, ...fields } = this;
    return { id, point, src, dst, firstTs, lastTs: this.lastTs, ...fields };
  }

  /** The addresses as ipv4Key integers (undefined for IPv6), for the lookup by integers. */
  get srcIpv4(): number | undefined {
    return this.#srcIpv4;
  }

  get dstIpv4(): number | undefined {
    return this.#dstIpv4;
  }

  /** The next live stream on the same two ports (MediaTracker's lookup chain). */
  get nextOnPorts(): StreamState | undefined {
    return this.#nextOnPorts;
  }

  set nextOnPorts(stream: StreamState | undefined) {
    this.#nextOnPorts = stream;
  }

  /** Clock rates per payload type, from the dialog's SDP once the stream is matched. */
  setClocks(clocks: Float64Array): void {
    this.#clocks = clocks;
  }

  /** RTP packets so far (all SSRCs). */
  get rtpPackets(): number {
    let n = this.rtpUntracked;
    for (const s of this.rtp) n += s.packets;
    return n;
  }

  /** RTP and RTCP packets so far. */
  get mediaPackets(): number {
    return this.rtpPackets + this.rtcp.packets;
  }

  /** Folds in the datagram d[start, end), which frame `frame` completed at `ts`; returns what it was. */
  add(d: Uint8Array, start: number, end: number, ts: Timestamp, frame: number, probation: number): PacketKind {
    this.packets++;
    this.bytes += end - start;
    this.#lastSec = ts.sec;
    this.#lastNsec = ts.nsec;
    this.lastFrame = frame;
    const kind = classifyPacket(d, start, end);
    if (kind === RTP) this.#addRtp(d, start, end, ts, frame, probation);
    else if (kind === RTCP) this.#addRtcp(d.subarray(start, end), ts);
    else this.otherPackets++;
    return kind;
  }

  #addRtp(d: Uint8Array, start: number, end: number, ts: Timestamp, frame: number, probation: number): void {
    const ssrc = ((d[start + 8]! << 24) | (d[start + 9]! << 16) | (d[start + 10]! << 8) | d[start + 11]!) >>> 0;
    let state = this.#current;
    if (state === undefined || state.ssrc !== ssrc) {
      // A loop, not rtp.find: a closure over ssrc would make every call allocate a context for it.
      state = undefined;
      for (const known of this.rtp) {
        if (known.ssrc === ssrc) {
          state = known;
          break;
        }
      }
      if (state === undefined) {
        if (this.rtp.length >= this.#maxSsrcs) {
          this.rtpUntracked++;
          return;
        }
        state = new SsrcState(ssrc, (d[start + 2]! << 8) | d[start + 3]!, ts, frame);
        this.rtp.push(state);
      }
      this.#current = state;
    }
    state.add(d, start, end, ts, frame, this.#clocks);
    if (!this.confirmed && state.inSequence + 1 >= probation) this.confirmed = true;
  }

  #addRtcp(d: Uint8Array, ts: Timestamp): void {
    const rtcp = this.rtcp;
    rtcp.packets++;
    rtcp.bytes += d.length;
    if (!this.confirmed && rtcp.packets >= 2) this.confirmed = true;
    const reporter = ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
    if (rtcp.ssrcs.length < this.#maxSsrcs && !rtcp.ssrcs.includes(reporter)) rtcp.ssrcs.push(reporter);
    // Walk the compound packet: every part is version 2 and its length stays inside the datagram.
    let offset = 0;
    let bye = false;
    while (offset + 4 <= d.length && (d[offset]! & 0xc0) === 0x80) {
      const type = d[offset + 1]!;
      const length = (((d[offset + 2]! << 8) | d[offset + 3]!) + 1) * 4;
      if (offset + length > d.length) break;
      if (type === 200) rtcp.senderReports++;
      else if (type === 201) rtcp.receiverReports++;
      else if (type === 203) bye = true;
      if ((type === 200 || type === 201) && (d[offset]! & 0x1f) > 0) {
        const block = offset + (type === 200 ? 28 : 8);
        if (block + 24 <= offset + length) this.#report(d, offset, block, ts);
      }
      offset += length;
    }
    if (bye) rtcp.byes++;
  }

  #report(d: Uint8Array, packet: number, block: number, ts: Timestamp): void {
    const u32 = (o: number) => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
    const cumulative = (d[block + 5]! << 16) | (d[block + 6]! << 8) | d[block + 7]!;
    this.rtcp.lastReport = {
      ts: { sec: ts.sec, nsec: ts.nsec },
      reporterSsrc: u32(packet + 4),
      sourceSsrc: u32(block),
      fractionLost: d[block + 4]! / 256,
      // 24-bit two's complement
      cumulativeLost: cumulative & 0x800000 ? cumulative - 0x1000000 : cumulative,
      jitter: u32(block + 12),
    };
  }
}

/** The frame that completed the datagram (first segment's frame for UDP, which has one). */
export function frameOf(payload: TransportPayload): number {
  const segments = payload.segments;
  return segments.length > 0 ? segments[segments.length - 1]!.frameNumber : 0;
}
