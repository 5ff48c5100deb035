import type { Timestamp } from './types.js';

const TWO_POW_32 = 4294967296;
const NANOS_PER_SECOND = 1_000_000_000;

/**
 * Converts 64-bit capture timestamps (two 32-bit halves, in units of 1/unitsPerSecond s) to
 * {sec, nsec} exactly, truncating below the nanosecond as Wireshark does, then adds the
 * interface's whole-second offset.
 *
 * Resolutions that divide a nanosecond evenly (1 s .. 1 ns: every decimal resolution a capture
 * tool writes) take an exact double-only path; anything else (binary fractions, picoseconds)
 * goes through BigInt, which is slower but such files are rare.
 */
export class TimestampConverter {
  readonly unitsPerSecond: number;
  /** Nanoseconds per unit when the unit is a whole number of nanoseconds, else 0. */
  private readonly nanosPerUnit: number;
  private readonly unitsBig: bigint;
  private readonly offsetSeconds: number;

  /** unitsPerSecond is exact as a bigint (10^n or 2^n from if_tsresol). */
  constructor(unitsPerSecond: bigint, offsetSeconds = 0) {
    this.unitsBig = unitsPerSecond;
    this.unitsPerSecond = Number(unitsPerSecond);
    this.nanosPerUnit =
      unitsPerSecond <= BigInt(NANOS_PER_SECOND) && BigInt(NANOS_PER_SECOND) % unitsPerSecond === 0n
        ? NANOS_PER_SECOND / this.unitsPerSecond
        : 0;
    this.offsetSeconds = offsetSeconds;
  }

  /**
   * hi and lo are the unsigned upper and lower 32 bits of the timestamp; the result is written
   * into `into` (a reader refills one per frame) and returned.
   */
  convert(hi: number, lo: number, into: Timestamp = { sec: 0, nsec: 0 }): Timestamp {
    if (this.nanosPerUnit === 0) return this.convertBig(hi, lo, into);
    // Long division of hi*2^32 + lo by units (≤ 1e9 < 2^30) in 32/16/16-bit steps: every
    // intermediate dividend stays below 2^48, so each Math.floor(a / units) is exact.
    const units = this.unitsPerSecond;
    const qHi = Math.floor(hi / units);
    const mid = (hi - qHi * units) * 65536 + (lo >>> 16);
    const qMid = Math.floor(mid / units);
    const low = (mid - qMid * units) * 65536 + (lo & 0xffff);
    const qLow = Math.floor(low / units);
    into.sec = qHi * TWO_POW_32 + qMid * 65536 + qLow + this.offsetSeconds;
    into.nsec = (low - qLow * units) * this.nanosPerUnit;
    return into;
  }

  private convertBig(hi: number, lo: number, into: Timestamp): Timestamp {
    const value = (BigInt(hi) << 32n) | BigInt(lo);
    const units = this.unitsBig;
    into.sec = Number(value / units) + this.offsetSeconds;
    into.nsec = Number(((value % units) * BigInt(NANOS_PER_SECOND)) / units);
    return into;
  }
}
