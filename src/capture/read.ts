import { addAbortSignal } from 'node:stream';
import { openCapture } from './open.js';
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
  const { onProgress, signal } = options;
  signal?.throwIfAborted();
  const opened = await openCapture(source);
  const { stream, compressed } = opened;
  if (signal) addAbortSignal(signal, stream);
  const reader = new CaptureStreamReader(source, sink, { compressed });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let streamBytes = 0;
  try {
    while (!reader.stopped) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (signal?.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        if (compressed) {
          reader.fail('decompress-error', `gzip data is corrupt or cut off after ${streamBytes} decompressed bytes: ${reason}`);
        } else {
          reader.fail('read-error', `reading failed after ${streamBytes} bytes: ${reason}`);
        }
        break;
      }
      if (next.done) break;
      reader.push(next.value);
      streamBytes += next.value.length;
      onProgress?.(opened.compressedBytesRead?.() ?? streamBytes, opened.totalBytes);
    }
  } finally {
    stream.destroy();
  }
  return reader.end();
}
