/**
 * Capture reading throughput: reads one capture with readCapture, doing nothing per frame but
 * touching its length, and prints MB/s, frames/s and peak RSS.
 *
 *   npx tsx bench/capture-read.ts FILE
 */
import { stat } from 'node:fs/promises';
import { readCapture } from '../src/capture/index.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/capture-read.ts CAPTURE\n');
    process.exit(2);
  }
  const { size } = await stat(file);
  let capturedBytes = 0;
  let problems = 0;
  const started = process.hrtime.bigint();
  const summary = await readCapture(file, {
    onInterface() {},
    onFrame(frame) {
      capturedBytes += frame.data.length;
    },
    onProblem() {
      problems++;
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const megabytes = summary.bytesRead / 1e6;
  const report = {
    file,
    fileBytes: size,
    streamBytes: summary.bytesRead,
    compressed: summary.compressed,
    format: summary.format,
    frames: summary.frames,
    capturedBytes,
    problems,
    seconds: Number(seconds.toFixed(3)),
    mbPerSecond: Number((megabytes / seconds).toFixed(1)),
    framesPerSecond: Math.round(summary.frames / seconds),
    peakRssMiB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
