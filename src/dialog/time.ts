/** Capture-time arithmetic: timestamps stay {sec, nsec}; differences are seconds as numbers. */
import type { Timestamp } from '../capture/types.js';

/** b - a in seconds, exact to the nanosecond for spans a double can hold. */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

/**
 * An owned copy, for a time its giver may change in place later. Timestamps of messages never
 * change once made, so the dialog stage keeps those as they are.
 */
export function copyTimestamp(ts: Timestamp): Timestamp {
  return { sec: ts.sec, nsec: ts.nsec };
}

export function isBefore(a: Timestamp, b: Timestamp): boolean {
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

/** ts + seconds (seconds >= 0). */
export function addSeconds(ts: Timestamp, seconds: number): Timestamp {
  const whole = Math.floor(seconds);
  let sec = ts.sec + whole;
  let nsec = ts.nsec + Math.round((seconds - whole) * 1e9);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return { sec, nsec };
}
