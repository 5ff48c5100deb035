import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, addAbortSignal, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * The step of reading: progress is reported (and a file analysis may conclude) after each, a plain
 * file gives the event loop a turn after each, and streams (standard input, gzip) are read in
 * chunks of this size.
 */
export const READ_CHUNK_BYTES = 1 << 20;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface OpenedCapture {
  /** The path as given, or "-". */
  source: string;
  /**
   * The capture bytes, decompressed when the source is gzip'd, chunk by chunk. A chunk is valid
   * until the next one is asked for (a plain file is read into one buffer again and again). Rejects with
   * an AbortError once the signal given to openCapture aborts, and with the error when reading fails.
   */
  chunks: AsyncIterator<Buffer>;
  /** Stops reading and releases the source (also after a failure); may be called more than once. */
  close(): void;
  /** True when the source starts with the gzip magic (1f 8b), whatever its name. */
  compressed: boolean;
  /** Size of the source as stored (compressed size for gzip), when it is a regular file. */
  totalBytes?: number;
  /**
   * For gzip: compressed bytes consumed so far, for progress against totalBytes. Absent for a
   * plain source, whose stream bytes are the stored bytes.
   */
  compressedBytesRead?: () => number;
}

/** "ENOENT" and friends as words a support engineer reads at 2 a.m. */
const ERROR_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent of it is not a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
};

/** An Error whose message names the source and the reason; the system error is its cause. */
export function captureOpenError(source: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && ERROR_REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new Error(`cannot read capture ${JSON.stringify(source)}: ${reason}`, { cause: err });
}

/**
 * Opens a capture file, or standard input for "-", as the bytes of the capture, gunzipped when
 * the content is gzip. Rejects, naming the path, when the file cannot be opened.
 */
export async function openCapture(source: string, signal?: AbortSignal): Promise<OpenedCapture> {
  signal?.throwIfAborted();
  let raw: Readable;
  let totalBytes: number | undefined;
  if (source === '-') {
    raw = process.stdin;
  } else {
    let handle;
    try {
      handle = await open(source, 'r');
      const stats = await handle.stat();
      if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (stats.isFile()) {
        totalBytes = stats.size;
        const head = Buffer.alloc(2);
        const { bytesRead } = await handle.read(head, 0, 2, 0);
        if (bytesRead < 2 || head[0] !== GZIP_MAGIC_0 || head[1] !== GZIP_MAGIC_1) {
          const file = handle;
          return { source, chunks: new FileChunks(file.fd, signal), close: () => void file.close().catch(() => {}), compressed: false, totalBytes };
        }
      }
    } catch (err) {
      await handle?.close();
      throw captureOpenError(source, err);
    }
    raw = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }

  const head = await peek(raw, 2).catch((err: unknown) => {
    raw.destroy();
    throw captureOpenError(source, err);
  });
  if (head.ended) raw = Readable.from(head.bytes.length > 0 ? [head.bytes] : []);
  const compressed = head.bytes[0] === GZIP_MAGIC_0 && head.bytes[1] === GZIP_MAGIC_1;
  if (!compressed) return { source, ...streamChunks(raw, signal), compressed, totalBytes };
  const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
  // pipeline forwards a read error to the gunzip stream, where the consumer sees it.
  const stream = pipeline(raw, gunzip, () => {});
  return { source, ...streamChunks(stream, signal), compressed, totalBytes, compressedBytesRead: () => gunzip.bytesWritten };
}

/** The chunks of a stream (standard input, a pipe, gunzip's output). */
function streamChunks(stream: Readable, signal: AbortSignal | undefined): Pick<OpenedCapture, 'chunks' | 'close'> {
  // Errors reach the reader through the iterator; a stream not being read at the moment (while
  // other inputs are) must not turn an abort or read error into an uncaught 'error' event.
  stream.on('error', () => {});
  // Aborting destroys the stream, so that a read waiting on standard input ends too.
  if (signal) addAbortSignal(signal, stream);
  return { chunks: stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>, close: () => stream.destroy() };
}

/**
 * Bytes read from a plain file at a time. The kernel copies a read into the caller's buffer, and on
 * this kind of machine (measured: 2 x AMD EPYC) 128 KiB reads of a cached 1 GB file took 135 ms
 * where 256 KiB or 1 MiB reads took 480-520 ms: a small buffer stays in the core's cache, and the
 * parser then finds the bytes there too.
 */
export const FILE_READ_BYTES = 128 << 10;
/** Reads between two turns given to the event loop (progress, a terminal UI, an abort): 1 MiB. */
const FILE_READS_PER_TURN = READ_CHUNK_BYTES / FILE_READ_BYTES;

/**
 * A plain regular file, read on this thread into one small buffer (see FILE_READ_BYTES), which
 * the caller parses before asking for the next: a read on the thread pool lands in another
 * core's cache, and the stream machinery around each read, with the reads it left waiting, was
 * 5-10 % of analysing an RTP capture. A read of 128 KiB from the page cache takes about 20 µs;
 * every 1 MiB the event loop gets a turn.
 */
class FileChunks implements AsyncIterator<Buffer> {
  readonly #buffer = Buffer.allocUnsafeSlow(FILE_READ_BYTES);
  #position = 0;
  #reads = 0;

  constructor(
    private readonly fd: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async next(): Promise<IteratorResult<Buffer>> {
    if (++this.#reads % FILE_READS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    const bytesRead = readSync(this.fd, this.#buffer, 0, FILE_READ_BYTES, this.#position);
    if (bytesRead === 0) return { done: true, value: undefined };
    this.#position += bytesRead;
    return { done: false, value: this.#buffer.subarray(0, bytesRead) };
  }
}

/**
 * Reads until at least `count` bytes or the end, then puts them back so the stream still
 * starts at byte 0. A stream that ended cannot take bytes back: `ended` says so.
 */
function peek(stream: Readable, count: number): Promise<{ bytes: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (ended: boolean): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      const bytes = Buffer.concat(chunks);
      if (!ended && bytes.length > 0) stream.unshift(bytes);
      resolve({ bytes, ended });
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= count) {
          finish(false);
          return;
        }
      }
    };
    const onEnd = (): void => finish(true);
    const onError = (err: Error): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
