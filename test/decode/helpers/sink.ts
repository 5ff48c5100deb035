/**
 * A DecodeSink that keeps everything (payload bytes copied, as the contract asks), and
 * helpers that run the decoder over hand-built frames or a capture file.
 */
import { readCapture } from '../../../src/capture/index.js';
import { PacketDecoder, type DecodeOptions } from '../../../src/decode/decoder.js';
import type { CapturePointRef, DecodeProblem, DecodeSink, DecodeStats, IcmpError, TcpGap, TransportPayload } from '../../../src/decode/types.js';
import type { Bytes, FrameOptions } from './packets.js';
import { captureInterface, frame } from './packets.js';

export class CollectingSink implements DecodeSink {
  readonly payloads: TransportPayload[] = [];
  readonly icmpErrors: IcmpError[] = [];
  readonly gaps: TcpGap[] = [];
  readonly streamEnds: { streamId: string; point: CapturePointRef }[] = [];
  readonly problems: DecodeProblem[] = [];
  /** Every event in order, for tests of ordering (data before end, gap before data). */
  readonly events: string[] = [];

  onPayload(payload: TransportPayload): void {
    this.payloads.push({ ...payload, data: Uint8Array.from(payload.data) });
    this.events.push(`payload ${payload.transport} ${payload.streamOffset ?? ''} ${payload.data.length}`.trimEnd());
  }

  onIcmpError(error: IcmpError): void {
    this.icmpErrors.push(error);
    this.events.push(`icmp ${error.kind}`);
  }

  onTcpGap(gap: TcpGap): void {
    this.gaps.push(gap);
    this.events.push(`gap ${gap.streamOffset} ${gap.length}`);
  }

  onTcpStreamEnd(streamId: string, point: CapturePointRef): void {
    this.streamEnds.push({ streamId, point });
    this.events.push(`end ${streamId}`);
  }

  onProblem(problem: DecodeProblem): void {
    this.problems.push(problem);
    this.events.push(`problem ${problem.code}`);
  }

  udp(): TransportPayload[] {
    return this.payloads.filter((p) => p.transport === 'udp');
  }

  tcpStreams(): Map<string, TransportPayload[]> {
    const streams = new Map<string, TransportPayload[]>();
    for (const payload of this.payloads) {
      if (payload.transport !== 'tcp') continue;
      const list = streams.get(payload.streamId!) ?? [];
      list.push(payload);
      streams.set(payload.streamId!, list);
    }
    return streams;
  }

  /** The bytes delivered for one TCP direction, concatenated (gaps leave nothing). */
  streamBytes(streamId: string): Buffer {
    return Buffer.concat((this.tcpStreams().get(streamId) ?? []).map((p) => p.data));
  }
}

export interface DecodeRun {
  sink: CollectingSink;
  decoder: PacketDecoder;
  stats: DecodeStats;
}

/** Decodes hand-built frames of one link type (frame numbers 1, 2, ... unless given) and finishes. */
export function decodeFrames(
  linkType: number,
  frames: (Bytes | { data: Bytes; options: FrameOptions })[],
  options: DecodeOptions = {},
  source = 'test.pcap',
): DecodeRun {
  const sink = new CollectingSink();
  const decoder = new PacketDecoder(source, sink, options);
  decoder.addInterface(captureInterface(linkType));
  frames.forEach((item, i) => {
    const data = item instanceof Uint8Array ? item : item.data;
    const frameOptions = item instanceof Uint8Array ? {} : item.options;
    decoder.decode(frame(data, { frameNumber: i + 1, sec: 1_700_000_000 + i, ...frameOptions }));
  });
  decoder.finish();
  return { sink, decoder, stats: decoder.stats() };
}

/** Reads a capture file with the capture stage and decodes every frame. */
export async function decodeCaptureFile(path: string, options: DecodeOptions = {}): Promise<DecodeRun> {
  const sink = new CollectingSink();
  const decoder = new PacketDecoder(path, sink, options);
  await readCapture(path, {
    onInterface: (iface) => decoder.addInterface(iface),
    onFrame: (f) => decoder.decode(f),
    onProblem: (problem) => {
      throw new Error(`capture problem in ${path}: ${problem.code} ${problem.message}`);
    },
  });
  decoder.finish();
  return { sink, decoder, stats: decoder.stats() };
}

/** The frame accounting identity every run must satisfy once finished. */
export function accountedFrames(stats: DecodeStats): number {
  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  return (stats.payloadFrames ?? 0) + (stats.icmpErrors ?? 0) + sum(stats.ignored) + sum(stats.problems);
}
