import { readU32 } from './bytes.js';
import type { ParseContext, FormatParser } from './parser.js';
import type { Timestamp } from './types.js';

/** Classic pcap magic numbers as read big-endian from the first four bytes. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_MAGIC_MICRO_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NANO_SWAPPED = 0x4d3cb2a1;

export const FILE_HEADER_LENGTH = 24;
export const RECORD_HEADER_LENGTH = 16;
/** Larger than any packet a capture of IP traffic holds (Wireshark's limit for most link types). */
export const MAX_PCAP_CAPTURED_LENGTH = 262144;

/**
 * Classic pcap: a 24-byte file header, then records of a 16-byte header and caplen bytes.
 * A record length that cannot be right stops reading: pcap has no marker to resynchronise on.
 */
export class PcapParser implements FormatParser {
  readonly format = 'pcap' as const;
  needed = FILE_HEADER_LENGTH;
  private headerRead = false;
  private littleEndian = true;
  private unitsPerSecond = 1_000_000;
  private nanosPerUnit = 1000;
  private snaplen = 0;
  private snaplenExceededReported = false;

  constructor(private readonly ctx: ParseContext) {}

  parse(buf: Buffer, start: number, end: number, streamOffset: number): number {
    let pos = start;
    if (!this.headerRead) {
      if (end - pos < FILE_HEADER_LENGTH) return 0;
      this.readFileHeader(buf, pos);
      pos += FILE_HEADER_LENGTH;
    }
    const ctx = this.ctx;
    const le = this.littleEndian;
    const toStream = streamOffset - start;
    while (end - pos >= RECORD_HEADER_LENGTH) {
      const capturedLength = readU32(buf, pos + 8, le);
      if (capturedLength > MAX_PCAP_CAPTURED_LENGTH) {
        this.reportBadLength(capturedLength, pos + toStream);
        return pos - start;
      }
      if (capturedLength > this.snaplen && this.snaplen > 0 && !this.snaplenExceededReported) {
        // Wireshark reads these too: some writers put a small snaplen in the header and full packets in the records.
        this.snaplenExceededReported = true;
        this.ctx.report(
          'captured-above-snaplen',
          pos + toStream,
          `packet record says ${capturedLength} bytes were captured, above the file's snapshot length of ${this.snaplen} bytes; the packet is read anyway (reported once per file)`,
          false,
          this.ctx.lastFrameNumber + 1,
        );
      }
      const dataStart = pos + RECORD_HEADER_LENGTH;
      const recordEnd = dataStart + capturedLength;
      if (recordEnd > end) {
        this.needed = RECORD_HEADER_LENGTH + capturedLength;
        return pos - start;
      }
      const frame = ctx.frame;
      frame.frameNumber = ++ctx.lastFrameNumber;
      this.timestamp(readU32(buf, pos, le), readU32(buf, pos + 4, le), frame.ts);
      frame.capturedLength = capturedLength;
      frame.wireLength = readU32(buf, pos + 12, le);
      frame.bytes = buf;
      frame.start = dataStart;
      frame.streamOffset = dataStart + toStream;
      ctx.deliver();
      pos = recordEnd;
    }
    this.needed = RECORD_HEADER_LENGTH;
    return pos - start;
  }

  reportTruncated(length: number, streamOffset: number): void {
    if (!this.headerRead) {
      this.ctx.report(
        'truncated-header',
        streamOffset,
        `pcap file header cut off after ${length} of ${FILE_HEADER_LENGTH} bytes`,
        true,
      );
      return;
    }
    const frameNumber = this.ctx.lastFrameNumber + 1;
    const message =
      length < RECORD_HEADER_LENGTH
        ? `packet record header cut off after ${length} of ${RECORD_HEADER_LENGTH} bytes`
        : `packet record of ${this.needed} bytes (${this.needed - RECORD_HEADER_LENGTH} captured) cut off: ` +
          `${this.needed - length} bytes missing at the end of the stream`;
    this.ctx.report('truncated-packet', streamOffset, message, true, frameNumber);
  }

  private readFileHeader(buf: Buffer, pos: number): void {
    const magic = buf.readUInt32BE(pos);
    this.littleEndian = magic === PCAP_MAGIC_MICRO_SWAPPED || magic === PCAP_MAGIC_NANO_SWAPPED;
    const nano = magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_NANO_SWAPPED;
    this.unitsPerSecond = nano ? 1_000_000_000 : 1_000_000;
    this.nanosPerUnit = nano ? 1 : 1000;
    const le = this.littleEndian;
    this.snaplen = readU32(buf, pos + 16, le);
    const linkTypeField = readU32(buf, pos + 20, le);
    this.headerRead = true;
    this.ctx.addInterface({
      id: 0,
      section: 0,
      idInSection: 0,
      // The upper bits may carry FCS information (LT_FCS_DATAWITHFCS); the link type is the low 16.
      linkType: linkTypeField & 0xffff,
      snaplen: this.snaplen,
      tsUnitsPerSecond: this.unitsPerSecond,
      tsOffsetSeconds: 0,
    });
  }

  private timestamp(sec: number, fraction: number, into: Timestamp): void {
    // An out-of-range fraction still means that many units: carry whole seconds.
    const carry = fraction < this.unitsPerSecond ? 0 : Math.floor(fraction / this.unitsPerSecond);
    into.sec = sec + carry;
    into.nsec = (fraction - carry * this.unitsPerSecond) * this.nanosPerUnit;
  }

  private reportBadLength(capturedLength: number, recordOffset: number): void {
    this.ctx.report(
      'bad-record-length',
      recordOffset,
      `packet record says ${capturedLength} bytes were captured, above ${MAX_PCAP_CAPTURED_LENGTH} bytes, more than any real packet: the file is corrupt here, ` +
        'and pcap has no marker to find the next record, so reading stops',
      true,
      this.ctx.lastFrameNumber + 1,
    );
  }
}
