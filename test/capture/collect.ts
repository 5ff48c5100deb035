/** Test sink that keeps copies of everything the capture stage reports, and chunked feeding. */
import { CaptureStreamReader, frameData } from '../../src/capture/index.js';
import type {
  CaptureInterface,
  CaptureProblem,
  CaptureReadSummary,
  CaptureSink,
  Frame,
  InterfaceStatistics,
} from '../../src/capture/index.js';

export interface CollectedFrame extends Frame {
  data: Uint8Array;
}

export interface Collected {
  sink: CaptureSink;
  interfaces: CaptureInterface[];
  /** Frames copied out of the reader's buffers: bytes is their own, data a view of it. */
  frames: CollectedFrame[];
  problems: CaptureProblem[];
  statistics: InterfaceStatistics[];
  /** Event order, e.g. ["interface 0", "frame 1", "problem truncated-packet"]. */
  events: string[];
}

export function collect(): Collected {
  const c: Collected = {
    interfaces: [],
    frames: [],
    problems: [],
    statistics: [],
    events: [],
    sink: {
      onInterface(iface) {
        c.interfaces.push({ ...iface });
        c.events.push(`interface ${iface.id}`);
      },
      onFrame(frame) {
        const data = Uint8Array.from(frameData(frame));
        c.frames.push({ ...frame, ts: { ...frame.ts }, bytes: data, start: 0, data });
        c.events.push(`frame ${frame.frameNumber}`);
      },
      onProblem(problem) {
        c.problems.push(problem);
        c.events.push(`problem ${problem.code}`);
      },
      onInterfaceStatistics(stats) {
        c.statistics.push(stats);
        c.events.push(`statistics ${stats.interfaceId}`);
      },
    },
  };
  return c;
}

/** Deterministic pseudo-random chunk sizes (1..max), so a failure can be replayed. */
function* randomSizes(seed: number, max: number): Generator<number> {
  let state = seed >>> 0 || 1;
  for (;;) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    yield 1 + ((state >>> 0) % max);
  }
}

export type Chunking = 'whole' | 'bytes' | { seed: number; max: number };

export const CHUNKINGS: Array<[string, Chunking]> = [
  ['one chunk', 'whole'],
  ['1-byte chunks', 'bytes'],
  ['random chunks up to 7 bytes', { seed: 7, max: 7 }],
  ['random chunks up to 100 bytes', { seed: 42, max: 100 }],
  ['random chunks up to 5000 bytes', { seed: 2024, max: 5000 }],
];

/** Feeds bytes to a CaptureStreamReader in the given chunking; each chunk is a fresh copy. */
export function feed(bytes: Uint8Array, chunking: Chunking = 'whole', source = 'test.pcap'): Collected & { summary: CaptureReadSummary } {
  const c = collect();
  const reader = new CaptureStreamReader(source, c.sink);
  if (chunking === 'whole') {
    reader.push(bytes);
  } else {
    const sizes = chunking === 'bytes' ? undefined : randomSizes(chunking.seed, chunking.max);
    for (let pos = 0; pos < bytes.length; ) {
      const size = sizes ? sizes.next().value : 1;
      const end = Math.min(bytes.length, pos + size);
      reader.push(Buffer.from(bytes.subarray(pos, end)));
      pos = end;
    }
  }
  return { ...c, summary: reader.end() };
}

/** "sec.nnnnnnnnn", as tshark prints frame.time_epoch. */
export function epoch(ts: { sec: number; nsec: number }): string {
  return `${ts.sec}.${String(ts.nsec).padStart(9, '0')}`;
}
