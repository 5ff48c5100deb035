/**
 * Capture stage: pcap and pcapng (gzip'd or not) from a file, stdin or a live capture's output,
 * as frames with their provenance. Later stages call readCapture (or readCapturesInTimeOrder for
 * several files read together); the live-capture layer feeds a CaptureStreamReader.
 */
export type * from './types.js';
export { readCapture } from './read.js';
export type { ReadCaptureOptions } from './read.js';
export { readCapturesInTimeOrder } from './merge.js';
export type { MergedSource } from './merge.js';
export { openCapture } from './open.js';
export type { OpenedCapture } from './open.js';
export { CaptureStreamReader } from './stream-reader.js';
export type { CaptureStreamReaderOptions } from './stream-reader.js';
export { formatCaptureProblem } from './parser.js';
export { frameData } from './bytes.js';
