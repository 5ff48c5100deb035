/**
 * File analysis: every capture file read through one AnalysisSession, then concluded. A file that
 * cannot be read is reported in `files[].error` and the rest are still analyzed.
 */
import { readCapture } from '../capture/index.js';
import { AnalysisSession } from './session.js';
import type { AnalysisResult, AnalyzeOptions } from './types.js';

export async function analyzeCaptures(options: AnalyzeOptions): Promise<AnalysisResult> {
  const session = options.session ?? new AnalysisSession(options.sides);
  for (const [fileIndex, file] of options.files.entries()) {
    const feed = session.addSource(file);
    try {
      const summary = await readCapture(file, feed.sink, {
        signal: options.signal,
        onProgress: (bytesRead, totalBytes) =>
          options.onProgress?.({
            file,
            fileIndex,
            files: options.files.length,
            bytesRead,
            totalBytes,
            frames: feed.frames(),
            sipMessages: session.sipMessageCount,
          }),
      });
      const unreadable = summary.format === 'unknown' ? summary.problems.find((p) => p.fatal) : undefined;
      feed.finish({
        path: file,
        format: summary.format,
        compressed: summary.compressed,
        bytes: summary.bytesRead,
        frames: summary.frames,
        interfaces: summary.interfaces,
        error: unreadable && `${file}: ${unreadable.message}`,
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      feed.finish({
        path: file,
        format: 'unknown',
        compressed: false,
        bytes: 0,
        frames: feed.frames(),
        interfaces: [],
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return session.result(true);
}
