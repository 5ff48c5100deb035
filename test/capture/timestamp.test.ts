import { describe, expect, it } from 'vitest';
import { TimestampConverter } from '../../src/capture/timestamp.js';

/** Reference: exact BigInt arithmetic, truncating below the nanosecond. */
function reference(value: bigint, units: bigint, offset = 0n): { sec: number; nsec: number } {
  return { sec: Number(value / units + offset), nsec: Number(((value % units) * 1_000_000_000n) / units) };
}

function convert(value: bigint, units: bigint, offset = 0): { sec: number; nsec: number } {
  return new TimestampConverter(units, offset).convert(Number(value >> 32n), Number(value & 0xffffffffn));
}

/** Deterministic 64-bit values: edges plus a spread of magnitudes. */
function sampleValues(): bigint[] {
  const values = [0n, 1n, 999_999n, 1_000_000n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x8000000000000000n];
  let state = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 2000; i++) {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    values.push(state >> BigInt(i % 64));
  }
  return values;
}

describe('TimestampConverter', () => {
  it('converts microsecond and nanosecond timestamps of today exactly', () => {
    expect(convert(1_700_000_000_123_456n, 1_000_000n)).toEqual({ sec: 1_700_000_000, nsec: 123_456_000 });
    expect(convert(1_700_000_000_123_456_789n, 1_000_000_000n)).toEqual({ sec: 1_700_000_000, nsec: 123_456_789 });
    // Beyond 2^53 ns a double cannot hold the value: the last nanosecond must still be right.
    expect(convert(9_007_199_254_740_993n * 1000n + 7n, 1_000_000_000n)).toEqual({
      sec: 9_007_199_254,
      nsec: 740_993_007,
    });
  });

  it.each([
    ['1 s', 1n],
    ['ms', 1000n],
    ['us', 1_000_000n],
    ['100 ns', 10_000_000n],
    ['ns', 1_000_000_000n],
    ['2^-20 s', 1n << 20n],
    ['2^-32 s', 1n << 32n],
    ['2^-40 s', 1n << 40n],
    ['ps', 1_000_000_000_000n],
  ])('matches exact arithmetic for every sample at %s resolution', (_name, units) => {
    for (const value of sampleValues()) {
      const expected = reference(value, units);
      // Seconds beyond 2^53 cannot be exact in a number; such dates are meaningless anyway.
      if (expected.sec > Number.MAX_SAFE_INTEGER) continue;
      expect(convert(value, units), `value ${value}`).toEqual(expected);
    }
  });

  it('truncates below the nanosecond like Wireshark (2^-20 s units)', () => {
    // tshark 4.0 shows 1700000000.117737770 for this value (123457/2^20 = 0.11773777008...).
    expect(convert((1_700_000_000n << 20n) + 123_457n, 1n << 20n)).toEqual({ sec: 1_700_000_000, nsec: 117_737_770 });
  });

  it('adds the interface offset in whole seconds, negative too', () => {
    expect(convert(1_000_000_500n, 1_000_000_000n, 100)).toEqual({ sec: 101, nsec: 500 });
    expect(convert(1_000_000_500n, 1_000_000_000n, -1)).toEqual({ sec: 0, nsec: 500 });
    expect(convert(1n << 20n, 1n << 20n, 1_600_000_000)).toEqual({ sec: 1_600_000_001, nsec: 0 });
  });

  it('reports units per second as a number', () => {
    expect(new TimestampConverter(1n << 20n).unitsPerSecond).toBe(1_048_576);
    expect(new TimestampConverter(1_000_000_000n).unitsPerSecond).toBe(1e9);
  });
});
