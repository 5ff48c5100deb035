/**
 * Capture backends without a capture process, for the live command's tests: one replays a real
 * capture file as if a capture process were writing it, one fails the way a real one does.
 */
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { LiveCaptureError, type LiveCapture, type LiveCaptureBackend, type LiveCaptureEnd, type LiveCaptureErrorCode } from '../../src/capture/live/index.js';

/** Streams a capture file in small chunks; ends at the file's end, or at stop() when `holdOpen`. */
export class ReplayBackend implements LiveCaptureBackend {
  readonly name = 'replay';
  readonly executable = 'replay';
  stopCalls = 0;

  constructor(
    private readonly file: string,
    private readonly options: { chunkBytes?: number; holdOpen?: boolean } = {},
  ) {}

  unsupported(): string | undefined {
    return undefined;
  }

  start(): LiveCapture {
    const out = new PassThrough();
    const source = createReadStream(this.file, { highWaterMark: this.options.chunkBytes ?? 4096 });
    source.pipe(out, { end: !this.options.holdOpen });
    let sourceClosed = false;
    let stopRequested = false;
    source.on('close', () => {
      sourceClosed = true;
      if (stopRequested) out.end();
    });
    const finished = new Promise<LiveCaptureEnd>((resolve) => out.on('end', () => resolve({ exitCode: 0, signal: null, reportedCounts: [] })));
    return {
      backend: this.name,
      command: ['replay', this.file],
      stream: out,
      started: Promise.resolve(),
      finished,
      stop: () => {
        this.stopCalls++;
        stopRequested = true;
        if (this.options.holdOpen && sourceClosed) out.end();
      },
    };
  }
}

/** Fails to start with the given error, as a capture process that printed it and exited 1. */
export class FailingBackend implements LiveCaptureBackend {
  readonly name = 'failing';
  readonly executable = 'failing';

  constructor(
    private readonly code: LiveCaptureErrorCode,
    private readonly message: string,
  ) {}

  unsupported(): string | undefined {
    return undefined;
  }

  start(): LiveCapture {
    const error = new LiveCaptureError(this.code, this.message);
    const stream = new PassThrough();
    stream.end();
    const started = Promise.reject(error);
    started.catch(() => {});
    return {
      backend: this.name,
      command: ['failing'],
      stream,
      started,
      finished: Promise.resolve({ exitCode: 1, signal: null, error, reportedCounts: [] }),
      stop() {},
    };
  }
}
