import type { Timestamp } from '../capture/types.js';

/** Seconds since the epoch as a double (sub-microsecond precision is lost; use for intervals). */
export function toSeconds(ts: Timestamp): number {
  return ts.sec + ts.nsec / 1e9;
}

/** The second formatTimestamp wrote last, and its text: output lists many times of one second in a row. */
let lastSecond = Number.NaN;
let lastSecondText = '';

/** UTC, with the full resolution the capture had ("2026-11-22 04:01:02.123456789Z"). */
export function formatTimestamp(ts: Timestamp): string {
  if (ts.sec !== lastSecond) {
    lastSecondText = new Date(ts.sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
    lastSecond = ts.sec;
  }
  return `${lastSecondText}.${String(ts.nsec).padStart(9, '0')}Z`;
}

/** "1.234 s", "320 ms" — for intervals shown to people. */
export function formatDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs >= 1) return `${seconds.toFixed(3)} s`;
  if (abs >= 0.001) return `${(seconds * 1000).toFixed(1)} ms`;
  return `${(seconds * 1e6).toFixed(0)} µs`;
}

/** ISO 8601 UTC with the capture's full resolution, for machine-readable output. */
export function isoTimestamp(ts: Timestamp): string {
  return formatTimestamp(ts).replace(' ', 'T');
}
