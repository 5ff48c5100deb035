import type { CaptureFormat, CaptureInterface, CaptureProblem, CaptureSink, Frame } from './types.js';

/** Problems kept in the summary; every problem still reaches the sink. */
export const MAX_KEPT_PROBLEMS = 1000;
/** More interfaces than this in one file is corruption, not a capture setup: stop rather than grow. */
export const MAX_INTERFACES = 65536;

/**
 * State one read shares between the stream reader and its format parser: the sink, frame
 * counters, interfaces and problems.
 */
export class ParseContext {
  /** Frame number given to the last packet record or block seen (delivered or not). */
  lastFrameNumber = 0;
  framesDelivered = 0;
  /** Set by a fatal problem: nothing after it is parsed. */
  stopped = false;
  readonly interfaces: CaptureInterface[] = [];
  /** The frame every delivery refills (see CaptureSink.onFrame). */
  readonly frame: Frame = {
    frameNumber: 0,
    interfaceId: 0,
    ts: { sec: 0, nsec: 0 },
    timestampMissing: false,
    capturedLength: 0,
    wireLength: 0,
    bytes: new Uint8Array(0),
    start: 0,
    streamOffset: 0,
  };
  readonly problems: CaptureProblem[] = [];
  problemsNotKept = 0;

  constructor(
    readonly source: string,
    readonly sink: CaptureSink,
  ) {}

  addInterface(iface: CaptureInterface): void {
    this.interfaces.push(iface);
    this.sink.onInterface(iface);
  }

  /** Hands `frame` (filled by the parser) to the sink. */
  deliver(): void {
    this.framesDelivered++;
    this.sink.onFrame(this.frame);
  }

  report(code: string, byteOffset: number, message: string, fatal: boolean, frameNumber?: number): void {
    const problem: CaptureProblem = { source: this.source, byteOffset, code, message, fatal };
    if (frameNumber !== undefined) problem.frameNumber = frameNumber;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push(problem);
    else this.problemsNotKept++;
    if (fatal) this.stopped = true;
    this.sink.onProblem(problem);
  }
}

/**
 * A push parser for one capture format. The stream reader hands it contiguous bytes; it parses
 * every complete unit (file header, record, block) and says how many bytes it used.
 */
export interface FormatParser {
  readonly format: CaptureFormat;
  /**
   * Bytes the next unit needs, counted from its first byte. After parse() returns, this is
   * larger than the bytes it left unconsumed, and never more than a validated length.
   */
  readonly needed: number;
  /** Parses complete units in buf[start, end); streamOffset is the stream offset of buf[start]. */
  parse(buf: Buffer, start: number, end: number, streamOffset: number): number;
  /** The stream ended with `length` (≥ 1) unconsumed bytes, starting at streamOffset. */
  reportTruncated(length: number, streamOffset: number, tail: Buffer): void;
}

/** One line for a person: "lan.pcap: frame 12, byte offset 3456: packet record ... cut off". */
export function formatCaptureProblem(problem: CaptureProblem): string {
  const frame = problem.frameNumber === undefined ? '' : `frame ${problem.frameNumber}, `;
  return `${problem.source}: ${frame}byte offset ${problem.byteOffset}: ${problem.message}`;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
