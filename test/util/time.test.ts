import { describe, expect, it } from 'vitest';
import { formatDuration, formatTimestamp, isoTimestamp } from '../../src/util/time.js';

describe('timestamps as text', () => {
  it('writes UTC with every nanosecond, the date worked out again whenever the second changes', () => {
    // Alternating seconds, as a dialog list alternates start and end times.
    const times = [
      { sec: 1_700_000_000, nsec: 5 },
      { sec: 1_700_000_000, nsec: 123_456_789 },
      { sec: 1_700_086_399, nsec: 999_999_999 },
      { sec: 1_700_000_000, nsec: 0 },
      { sec: 0, nsec: 1 },
    ];
    expect(times.map(formatTimestamp)).toEqual([
      '2023-11-14 22:13:20.000000005Z',
      '2023-11-14 22:13:20.123456789Z',
      '2023-11-15 22:13:19.999999999Z',
      '2023-11-14 22:13:20.000000000Z',
      '1970-01-01 00:00:00.000000001Z',
    ]);
    expect(isoTimestamp({ sec: 1_700_000_000, nsec: 42 })).toBe('2023-11-14T22:13:20.000000042Z');
  });

  it('writes intervals in the unit people read them in', () => {
    expect([1.5, 0.32, 0.000_045].map(formatDuration)).toEqual(['1.500 s', '320.0 ms', '45 µs']);
  });
});
