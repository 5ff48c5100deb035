/**
 * Several captures read at once, their frames handed out in time order across the files (as
 * mergecap would order them), each file's own order kept. Two captures of one call taken on both
 * sides of a router then reach the later stages together, so what has been compared can be
 * forgotten as the reading goes instead of holding one whole file until the other is read.
 */
import { frameData } from './bytes.js';
import { CaptureInput, type ReadCaptureOptions } from './read.js';
import type { CaptureInterface, CaptureProblem, CaptureReadSummary, CaptureSink, Frame, InterfaceStatistics } from './types.js';

export interface MergedSource {
  source: string;
  sink: CaptureSink;
  onProgress?: ReadCaptureOptions['onProgress'];
}

/** Frame bytes are copied into slabs of this size (a bigger frame gets a slab of its own). */
const SLAB_BYTES = 1 << 20;

type QueuedEvent =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'interface'; iface: CaptureInterface }
  | { kind: 'problem'; problem: CaptureProblem }
  | { kind: 'statistics'; stats: InterfaceStatistics };

/**
 * Holds what one input's reader produced until it is that input's turn. A frame, its time and its
 * bytes are only valid during the reader's callback, so they are copied; events keep their order
 * within the input.
 */
class QueuedSink implements CaptureSink {
  readonly events: QueuedEvent[] = [];
  head = 0;
  private slab = Buffer.allocUnsafe(0);
  private slabUsed = 0;

  onInterface(iface: CaptureInterface): void {
    this.events.push({ kind: 'interface', iface });
  }

  onFrame(frame: Frame): void {
    const length = frame.capturedLength;
    if (this.slabUsed + length > this.slab.length) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, length));
      this.slabUsed = 0;
    }
    const start = this.slabUsed;
    this.slab.set(frameData(frame), start);
    this.slabUsed += length;
    this.events.push({ kind: 'frame', frame: { ...frame, ts: { sec: frame.ts.sec, nsec: frame.ts.nsec }, bytes: this.slab, start } });
  }

  onProblem(problem: CaptureProblem): void {
    this.events.push({ kind: 'problem', problem });
  }

  onInterfaceStatistics(stats: InterfaceStatistics): void {
    this.events.push({ kind: 'statistics', stats });
  }

  get empty(): boolean {
    return this.head === this.events.length;
  }

  /** Seconds of the next event: a frame's time; anything else goes first (-Infinity). */
  nextTime(): number {
    const event = this.events[this.head]!;
    return event.kind === 'frame' ? event.frame.ts.sec + event.frame.ts.nsec / 1e9 : -Infinity;
  }

  deliverNext(sink: CaptureSink): void {
    const event = this.events[this.head++]!;
    if (this.head === this.events.length) {
      this.events.length = 0;
      this.head = 0;
    }
    switch (event.kind) {
      case 'frame':
        return sink.onFrame(event.frame);
      case 'interface':
        return sink.onInterface(event.iface);
      case 'problem':
        return sink.onProblem(event.problem);
      case 'statistics':
        return sink.onInterfaceStatistics?.(event.stats);
    }
  }
}

interface Reading {
  source: MergedSource;
  input: CaptureInput;
  queue: QueuedSink;
}

/**
 * Reads every source to its end, handing each sink its own frames, interleaved across sources by
 * timestamp. Resolves, in the order of `sources`, with each source's summary, or the Error that
 * kept it from being opened (the others are read all the same). Rejects on abort or when a sink
 * throws. One source is read straight into its sink.
 */
export async function readCapturesInTimeOrder(sources: MergedSource[], options: Pick<ReadCaptureOptions, 'signal'> = {}): Promise<(CaptureReadSummary | Error)[]> {
  const results: (CaptureReadSummary | Error)[] = [];
  const readings: Reading[] = [];
  const merging = sources.length > 1;
  for (const [i, source] of sources.entries()) {
    const queue = new QueuedSink();
    try {
      const input = await CaptureInput.open(source.source, merging ? queue : source.sink, { signal: options.signal, onProgress: source.onProgress });
      readings.push({ source, input, queue });
    } catch (err) {
      if (options.signal?.aborted) {
        for (const r of readings) r.input.close();
        throw err;
      }
      results[i] = err instanceof Error ? err : new Error(String(err));
    }
  }
  try {
    for (;;) {
      // Every input that is still being read needs an event in hand before the earliest is known.
      for (const r of readings) while (r.queue.empty && !r.input.ended) await r.input.readChunk();
      let next: Reading | undefined;
      let nextTime = Infinity;
      for (const r of readings) {
        if (r.queue.empty) continue;
        const time = r.queue.nextTime();
        if (next === undefined || time < nextTime) {
          next = r;
          nextTime = time;
        }
      }
      if (next === undefined) break;
      next.queue.deliverNext(next.source.sink);
    }
  } finally {
    for (const r of readings) r.input.close();
  }
  for (const r of readings) {
    const summary = r.input.finish();
    // Problems the end of the stream revealed (a cut-off last record) were queued by finish().
    while (!r.queue.empty) r.queue.deliverNext(r.source.sink);
    results[sources.indexOf(r.source)] = summary;
  }
  return results;
}
