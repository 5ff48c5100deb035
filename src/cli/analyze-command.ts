/**
 * `algscope analyze`: read every capture, print the verdict with its evidence (text or JSON), and
 * exit 0 (no ALG), 1 (ALG detected or suspected) or 2 (input could not be analyzed).
 */
import { analyzeCaptures } from '../analysis/analyze.js';
import type { AnalysisProgress } from '../analysis/types.js';
import type { SideAssignment } from '../correlate/types.js';
import { analysisJsonText } from '../render/json.js';
import { renderText } from '../render/text.js';
import { EXIT_INPUT_ERROR, UsageError, exitCodeFor } from './exit.js';
import { TOOL_VERSION } from './version.js';
import { writePieces } from './write-pieces.js';

export interface AnalyzeCommandOptions {
  inside: string[];
  outside: string[];
  insideIf: string[];
  outsideIf: string[];
  format: 'text' | 'json';
  color: boolean;
}

/** Positional captures plus the ones named by --inside/--outside, each once, in the order given. */
export function captureList(captures: string[], options: Pick<AnalyzeCommandOptions, 'inside' | 'outside'>): string[] {
  return [...new Set([...options.inside, ...captures, ...options.outside])];
}

export function sideAssignment(options: Pick<AnalyzeCommandOptions, 'inside' | 'outside' | 'insideIf' | 'outsideIf'>): SideAssignment {
  return { insideFiles: options.inside, outsideFiles: options.outside, insideInterfaces: options.insideIf, outsideInterfaces: options.outsideIf };
}

function useColor(options: AnalyzeCommandOptions): boolean {
  return options.color && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** A one-line progress indicator on stderr, only on a terminal. */
function progressReporter(): ((p: AnalysisProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const percent = p.totalBytes ? ` ${Math.floor((100 * p.bytesRead) / p.totalBytes)}%` : '';
    process.stderr.write(`\r\u001b[Kreading ${p.fileIndex + 1}/${p.files}${percent}: ${p.frames} frames, ${p.sipMessages} SIP messages`);
  };
}

export async function runAnalyze(captures: string[], options: AnalyzeCommandOptions): Promise<number> {
  const files = captureList(captures, options);
  if (files.length === 0) throw new UsageError('no capture given: algscope analyze CAPTURE... (or --inside FILE --outside FILE)');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be given only once');

  const onProgress = progressReporter();
  const result = await analyzeCaptures({ files, sides: sideAssignment(options), onProgress });
  if (onProgress) process.stderr.write('\r\u001b[K');

  for (const file of result.files) {
    if (file.error) process.stderr.write(`algscope: ${file.error}\n`);
  }
  if (options.format === 'json') {
    await writePieces(process.stdout, analysisJsonText(result, { name: 'algscope', version: TOOL_VERSION }));
    process.stdout.write('\n');
  } else {
    process.stdout.write(renderText(result, { color: useColor(options) }));
  }
  const unreadable = result.files.some((f) => f.error);
  return unreadable ? EXIT_INPUT_ERROR : exitCodeFor(result.verdict.verdict);
}
