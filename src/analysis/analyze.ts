/**
 * File analysis: every capture file read through one AnalysisSession, then concluded. Several
 * files are read together in time order, so both sides of a router are compared as the reading
 * goes and a large capture's finished dialogs can be concluded and forgotten on the way. A file
 * that cannot be read is reported in `files[].error` and the rest are still analyzed.
 */
import { readCapturesInTimeOrder } from '../capture/index.js';
import { AnalysisSession, FILE_DIALOG_CONFIG, type SourceFeed } from './session.js';
import type { AnalysisResult, AnalyzeOptions } from './types.js';

export async function analyzeCaptures(options: AnalyzeOptions): Promise<AnalysisResult> {
  const session = options.session ?? new AnalysisSession(options.sides, FILE_DIALOG_CONFIG);
  const feeds: SourceFeed[] = options.files.map((file) => session.addSource(file));
  const sources = options.files.map((file, fileIndex) => ({
    source: file,
    sink: feeds[fileIndex]!.sink,
    onProgress: (bytesRead: number, totalBytes?: number) => {
      // Between chunks no stage is in the middle of a frame: a safe point to conclude finished dialogs.
      session.concludeIfLarge();
      options.onProgress?.({
        file,
        fileIndex,
        files: options.files.length,
        bytesRead,
        totalBytes,
        frames: feeds[fileIndex]!.frames(),
        sipMessages: session.sipMessageCount,
      });
    },
  }));
  let summaries: Awaited<ReturnType<typeof readCapturesInTimeOrder>>;
  try {
    summaries = await readCapturesInTimeOrder(sources, { signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    // A stage failed on some frame: nothing more can be read, what was read is still reported.
    summaries = options.files.map(() => (err instanceof Error ? err : new Error(String(err))));
  }
  for (const [fileIndex, file] of options.files.entries()) {
    const feed = feeds[fileIndex]!;
    const summary = summaries[fileIndex]!;
    if (summary instanceof Error) {
      feed.finish({ path: file, format: 'unknown', compressed: false, bytes: 0, frames: feed.frames(), interfaces: [], error: summary.message });
      continue;
    }
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
  }
  return session.result(true);
}
