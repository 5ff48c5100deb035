import { ParseContext, hex } from './parser.js';
import type { FormatParser } from './parser.js';
import {
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_MICRO_SWAPPED,
  PCAP_MAGIC_NANO,
  PCAP_MAGIC_NANO_SWAPPED,
  PcapParser,
} from './pcap.js';
import { PCAPNG_SHB_TYPE, PcapngParser } from './pcapng.js';
import type { CaptureReadSummary, CaptureSink } from './types.js';

const MAGIC_LENGTH = 4;
const EMPTY = Buffer.alloc(0);
const EXPECTED_MAGICS =
  'expected a1 b2 c3 d4 or a1 b2 3c 4d (pcap, either byte order) or 0a 0d 0d 0a (pcapng)';

export interface CaptureStreamReaderOptions {
  /** The bytes pushed were decompressed from gzip: the summary and a not-a-capture message say so. */
  compressed?: boolean;
}

/**
 * Push parser for a classic pcap or pcapng byte stream, fed chunks of any size. Frames,
 * interfaces and problems go to the sink synchronously from push() and end().
 *
 * A frame's bytes are in the chunk when the frame lies inside it (Frame.bytes is the chunk); only
 * a unit (record or block) that straddles chunks is copied, into a tail buffer that grows to that
 * unit's validated length at most.
 *
 * Used by readCapture for files and stdin, and directly for a live capture's output
 * (e.g. `tcpdump -w -`). An exception thrown by the sink propagates out of push() or end(),
 * and leaves the reader unusable.
 */
export class CaptureStreamReader {
  private readonly ctx: ParseContext;
  private readonly compressed: boolean;
  private parser: FormatParser | undefined;
  /** Start of an unfinished unit: tail[0, tailLength) is at stream offset tailOffset. */
  private tail: Buffer = EMPTY;
  private tailLength = 0;
  private tailOffset = 0;
  private bytesPushed = 0;
  private ended = false;

  constructor(source: string, sink: CaptureSink, options: CaptureStreamReaderOptions = {}) {
    this.ctx = new ParseContext(source, sink);
    this.compressed = options.compressed ?? false;
  }

  /** True after a fatal problem: further input is ignored, the caller may stop reading. */
  get stopped(): boolean {
    return this.ctx.stopped;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('CaptureStreamReader.push() after end()');
    if (this.ctx.stopped || chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const chunkOffset = this.bytesPushed;
    this.bytesPushed += buf.length;
    let pos = 0;
    // Complete the unit left unfinished by earlier chunks, copying only the bytes it lacks.
    while (this.tailLength > 0) {
      const take = Math.min(this.needed() - this.tailLength, buf.length - pos);
      this.appendToTail(buf, pos, take);
      pos += take;
      if (this.tailLength < this.needed()) return;
      // The tail holds exactly what the unit needs: the parser uses all of it, or learns from
      // the now complete header that the unit is longer.
      const used = this.parseUnits(this.tail, 0, this.tailLength, this.tailOffset);
      if (this.ctx.stopped) return;
      if (used === this.tailLength) this.tailLength = 0;
      else if (used !== 0 || this.needed() <= this.tailLength) {
        throw new Error(`capture parser stalled at stream offset ${this.tailOffset}`);
      }
    }
    if (pos === buf.length) return;
    pos += this.parseUnits(buf, pos, buf.length, chunkOffset + pos);
    if (this.ctx.stopped || pos === buf.length) return;
    this.tailOffset = chunkOffset + pos;
    this.appendToTail(buf, pos, buf.length - pos);
  }

  /** The stream is over: reports an empty stream or a cut-off last unit, and returns the summary. */
  end(): CaptureReadSummary {
    if (!this.ended) {
      this.ended = true;
      if (!this.ctx.stopped) this.reportEnd();
    }
    return this.summary();
  }

  /**
   * Reading the source failed part-way (I/O or decompression error): the stream ends here, so
   * a cut-off unit is reported as at the end, then the failure, as a fatal problem.
   */
  fail(code: string, message: string): void {
    if (this.ctx.stopped || this.ended) return;
    if (this.tailLength > 0) this.reportEnd();
    this.ctx.report(code, this.bytesPushed, message, true);
  }

  summary(): CaptureReadSummary {
    const ctx = this.ctx;
    const summary: CaptureReadSummary = {
      source: ctx.source,
      format: this.parser?.format ?? 'unknown',
      compressed: this.compressed,
      bytesRead: this.bytesPushed,
      frames: ctx.framesDelivered,
      interfaces: ctx.interfaces,
      problems: ctx.problems,
    };
    if (ctx.problemsNotKept > 0) summary.problemsNotKept = ctx.problemsNotKept;
    return summary;
  }

  private needed(): number {
    return this.parser?.needed ?? MAGIC_LENGTH;
  }

  private parseUnits(buf: Buffer, start: number, end: number, streamOffset: number): number {
    if (this.parser === undefined) {
      if (end - start < MAGIC_LENGTH) return 0;
      this.parser = this.createParser(buf.readUInt32BE(start));
      if (this.parser === undefined) {
        this.reportNotACapture(buf.subarray(start, start + MAGIC_LENGTH));
        return 0;
      }
    }
    return this.parser.parse(buf, start, end, streamOffset);
  }

  private createParser(magic: number): FormatParser | undefined {
    switch (magic) {
      case PCAP_MAGIC_MICRO:
      case PCAP_MAGIC_MICRO_SWAPPED:
      case PCAP_MAGIC_NANO:
      case PCAP_MAGIC_NANO_SWAPPED:
        return new PcapParser(this.ctx);
      case PCAPNG_SHB_TYPE:
        return new PcapngParser(this.ctx);
      default:
        return undefined;
    }
  }

  private reportEnd(): void {
    if (this.bytesPushed === 0) {
      this.ctx.report('not-a-capture', 0, `not a capture file: it is empty; ${EXPECTED_MAGICS}`, true);
    } else if (this.tailLength > 0) {
      if (this.parser === undefined) this.reportNotACapture(this.tail.subarray(0, this.tailLength));
      else this.parser.reportTruncated(this.tailLength, this.tailOffset, this.tail);
    }
  }

  private reportNotACapture(firstBytes: Buffer): void {
    const gzipHint =
      firstBytes[0] === 0x1f && firstBytes[1] === 0x8b ? ' (gzip data: open it with readCapture, which decompresses)' : '';
    this.ctx.report(
      'not-a-capture',
      0,
      `not a capture file: ${this.compressed ? 'once gunzipped, ' : ''}it starts with ${hex(firstBytes)}${gzipHint}` +
        `${firstBytes.length < MAGIC_LENGTH ? ` and ends after ${firstBytes.length} byte(s)` : ''}; ${EXPECTED_MAGICS}`,
      true,
    );
  }

  /** Grows the tail geometrically, but never past the current unit's validated length. */
  private appendToTail(src: Buffer, start: number, length: number): void {
    const required = this.tailLength + length;
    if (required > this.tail.length) {
      const grown = Buffer.allocUnsafe(Math.max(required, Math.min(this.needed(), this.tail.length * 2)));
      this.tail.copy(grown, 0, 0, this.tailLength);
      this.tail = grown;
    }
    src.copy(this.tail, this.tailLength, start, start + length);
    this.tailLength = required;
  }
}
