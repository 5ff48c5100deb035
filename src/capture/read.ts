import { openCapture, READ_CHUNK_BYTES, type OpenedCapture } from './open.js';
import { CaptureStreamReader } from './stream-reader.js';
import type { CaptureReadSummary, CaptureSink } from './types.js';

export interface ReadCaptureOptions {
  /**
   * Called after each chunk: bytes of the source consumed (compressed bytes for gzip) and the
   * source's size when it is a regular file.
   */
  onProgress?(bytesRead: number, totalBytes?: number): void;
  /** Aborting stops reading; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * One capture source being read chunk by chunk into a sink: what readCapture loops over, and what
 * readCapturesInTimeOrder interleaves.
 */
export class CaptureInput {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly reader: CaptureStreamReader;
  private streamBytes = 0;
  private done = false;

  private constructor(
    private readonly opened: OpenedCapture,
    sink: CaptureSink,
    private readonly options: ReadCaptureOptions,
  ) {
    this.reader = new CaptureStreamReader(opened.source, sink, { compressed: opened.compressed });
    this.chunks = opened.chunks;
  }

  /** Opens `source`; rejects, naming the path and the reason, when it cannot be opened. */
  static async open(source: string, sink: CaptureSink, options: ReadCaptureOptions = {}): Promise<CaptureInput> {
    return new CaptureInput(await openCapture(source, options.signal), sink, options);
  }

  /** True once the source ended, failed or hit a fatal problem: readChunk() then does nothing. */
  get ended(): boolean {
    return this.done || this.reader.stopped;
  }

  /**
   * Reads a chunk, READ_CHUNK_BYTES or up to the end, in as many pieces as the source hands out,
   * and hands its complete frames to the sink; then reports progress. So from a plain file
   * progress (and the conclusions an analysis makes at progress) comes at the same offsets
   * however small its reads. A read or decompression error ends the input with a fatal problem;
   * an abort or an exception from the sink rejects.
   */
  async readChunk(): Promise<void> {
    const from = this.streamBytes;
    const until = from + READ_CHUNK_BYTES;
    while (!this.ended && this.streamBytes < until) {
      let next: IteratorResult<Buffer>;
      try {
        next = await this.chunks.next();
      } catch (err) {
        if (this.options.signal?.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        if (this.opened.compressed) {
          this.reader.fail('decompress-error', `gzip data is corrupt or cut off after ${this.streamBytes} decompressed bytes: ${reason}`);
        } else {
          this.reader.fail('read-error', `reading failed after ${this.streamBytes} bytes: ${reason}`);
        }
        this.done = true;
        return;
      }
      if (next.done) {
        this.done = true;
        break;
      }
      this.reader.push(next.value);
      this.streamBytes += next.value.length;
    }
    if (this.streamBytes > from) {
      this.options.onProgress?.(this.opened.compressedBytesRead?.() ?? this.streamBytes, this.opened.totalBytes);
    }
  }

  /** The source was read to its end: reports a cut-off last unit and returns the summary. */
  finish(): CaptureReadSummary {
    this.close();
    return this.reader.end();
  }

  /** Releases the source (also after a failure). */
  close(): void {
    this.opened.close();
  }
}

/**
 * Reads a capture file (pcap or pcapng, gzip'd or not; "-" for standard input) to its end,
 * calling the sink for every interface, frame and problem. Resolves with a summary, also when
 * the capture is corrupt (the problems say where). Rejects when the file cannot be opened (the
 * message names the path and the reason), on abort, or when the sink throws.
 */
export async function readCapture(
  source: string,
  sink: CaptureSink,
  options: ReadCaptureOptions = {},
): Promise<CaptureReadSummary> {
  const input = await CaptureInput.open(source, sink, options);
  try {
    while (!input.ended) await input.readChunk();
  } finally {
    input.close();
  }
  return input.finish();
}
