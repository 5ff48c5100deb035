import { readU16, readU32 } from './bytes.js';
import { MAX_INTERFACES, hex } from './parser.js';
import type { FormatParser, ParseContext } from './parser.js';
import { TimestampConverter } from './timestamp.js';
import type { CaptureInterface, InterfaceStatistics } from './types.js';

/** Section Header Block type: a byte palindrome, so it reads the same in either byte order. */
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_ISB = 5;
const BLOCK_EPB = 6;

/** Type, length and trailing length. */
const MIN_BLOCK_LENGTH = 12;
const MIN_SHB_LENGTH = 28;
const MIN_IDB_LENGTH = 20;
const MIN_EPB_LENGTH = 32;
const MIN_SPB_LENGTH = 16;
const MIN_ISB_LENGTH = 24;
/** Far above any real block: a longer one is corruption, and is never buffered. */
export const MAX_BLOCK_LENGTH = 64 * 1024 * 1024;

const OPT_END = 0;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_FILTERACCEPT = 6;
const ISB_OSDROP = 7;

const BLOCK_NAMES: Record<number, string> = {
  [PCAPNG_SHB_TYPE]: 'Section Header Block',
  1: 'Interface Description Block',
  2: 'Packet Block',
  3: 'Simple Packet Block',
  4: 'Name Resolution Block',
  5: 'Interface Statistics Block',
  6: 'Enhanced Packet Block',
};

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block of type 0x${type.toString(16).padStart(8, '0')}`;
}

function isPacketBlock(type: number): boolean {
  return type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_PB;
}

interface SectionInterface {
  iface: CaptureInterface;
  clock: TimestampConverter;
}

const DEFAULT_UNITS_PER_SECOND = 1_000_000n;

/**
 * pcapng: a sequence of blocks, each framed by its length at both ends. Sections start with
 * an SHB that sets the byte order and resets the interface table; interfaces still get ids
 * unique in the file. Packet blocks whose own content is bad are skipped (the framing is
 * intact); a bad block length stops reading, since nothing after it can be trusted.
 */
export class PcapngParser implements FormatParser {
  readonly format = 'pcapng' as const;
  needed = MIN_BLOCK_LENGTH;
  private littleEndian = true;
  private section = -1;
  private sectionInterfaces: SectionInterface[] = [];

  constructor(private readonly ctx: ParseContext) {}

  parse(buf: Buffer, start: number, end: number, streamOffset: number): number {
    const toStream = streamOffset - start;
    let pos = start;
    while (end - pos >= MIN_BLOCK_LENGTH) {
      const type = this.u32(buf, pos);
      if (type === PCAPNG_SHB_TYPE && !this.readByteOrder(buf, pos, pos + toStream)) return pos - start;
      const length = this.u32(buf, pos + 4);
      if (!this.checkBlockLength(type, length, pos + toStream)) return pos - start;
      if (end - pos < length) {
        this.needed = length;
        return pos - start;
      }
      const trailingLength = this.u32(buf, pos + length - 4);
      if (trailingLength !== length) {
        this.ctx.report(
          'bad-block-length',
          pos + toStream,
          `${blockName(type)} says it is ${length} bytes long at its start but ${trailingLength} at its end: ` +
            'the file is corrupt here, reading stops',
          true,
          isPacketBlock(type) ? this.ctx.lastFrameNumber + 1 : undefined,
        );
        return pos - start;
      }
      this.readBlock(type, buf, pos, length, pos + toStream);
      if (this.ctx.stopped) return pos - start;
      pos += length;
    }
    this.needed = MIN_BLOCK_LENGTH;
    return pos - start;
  }

  reportTruncated(length: number, streamOffset: number, tail: Buffer): void {
    const code = this.section < 0 ? 'truncated-header' : 'truncated-block';
    if (length < MIN_BLOCK_LENGTH) {
      this.ctx.report(code, streamOffset, `block header cut off after ${length} of ${MIN_BLOCK_LENGTH} bytes`, true);
      return;
    }
    // With a whole header in hand, needed is the block's (validated) length.
    const type = this.u32(tail, 0);
    this.ctx.report(
      code,
      streamOffset,
      `${blockName(type)} of ${this.needed} bytes runs past the end of the stream: ${this.needed - length} bytes missing`,
      true,
      isPacketBlock(type) ? this.ctx.lastFrameNumber + 1 : undefined,
    );
  }

  private u16(buf: Buffer, pos: number): number {
    return readU16(buf, pos, this.littleEndian);
  }

  private u32(buf: Buffer, pos: number): number {
    return readU32(buf, pos, this.littleEndian);
  }

  private u64(buf: Buffer, pos: number): bigint {
    return this.littleEndian ? buf.readBigUInt64LE(pos) : buf.readBigUInt64BE(pos);
  }

  /** An SHB's byte-order magic decides how this block and its section are read. */
  private readByteOrder(buf: Buffer, pos: number, offset: number): boolean {
    const magic = buf.readUInt32LE(pos + 8);
    if (magic === BYTE_ORDER_MAGIC || magic === BYTE_ORDER_MAGIC_SWAPPED) {
      this.littleEndian = magic === BYTE_ORDER_MAGIC;
      return true;
    }
    this.ctx.report(
      'bad-section-header',
      offset,
      `Section Header Block has byte-order magic ${hex(buf.subarray(pos + 8, pos + 12))}, ` +
        'expected 1a 2b 3c 4d in either byte order: the file is corrupt here, reading stops',
      true,
    );
    return false;
  }

  private checkBlockLength(type: number, length: number, offset: number): boolean {
    let problem: string | undefined;
    if (length % 4 !== 0 || length < MIN_BLOCK_LENGTH) {
      problem = `${blockName(type)} has length ${length}, which is not a multiple of 4 of at least ${MIN_BLOCK_LENGTH}`;
    } else if (length > MAX_BLOCK_LENGTH) {
      problem = `${blockName(type)} has length ${length}, above the ${MAX_BLOCK_LENGTH}-byte limit for a block`;
    }
    if (problem === undefined) return true;
    this.ctx.report(
      length > MAX_BLOCK_LENGTH ? 'block-too-large' : 'bad-block-length',
      offset,
      `${problem}: the file is corrupt here, reading stops`,
      true,
      isPacketBlock(type) ? this.ctx.lastFrameNumber + 1 : undefined,
    );
    return false;
  }

  private readBlock(type: number, buf: Buffer, pos: number, length: number, offset: number): void {
    switch (type) {
      case BLOCK_EPB:
        this.readPacketBlock(buf, pos, length, offset, this.u32(buf, pos + 8));
        return;
      case BLOCK_SPB:
        this.readSimplePacketBlock(buf, pos, length, offset);
        return;
      case BLOCK_PB:
        this.readPacketBlock(buf, pos, length, offset, this.u16(buf, pos + 8));
        return;
      case BLOCK_IDB:
        this.readInterfaceBlock(buf, pos, length, offset);
        return;
      case BLOCK_ISB:
        this.readStatisticsBlock(buf, pos, length, offset);
        return;
      case PCAPNG_SHB_TYPE:
        this.readSectionHeader(buf, pos, length, offset);
        return;
      default:
        // NRB, DSB, custom and unknown blocks: nothing this analyzer needs; the length skips them.
        return;
    }
  }

  private readSectionHeader(buf: Buffer, pos: number, length: number, offset: number): void {
    if (length < MIN_SHB_LENGTH) {
      this.ctx.report('bad-section-header', offset, `Section Header Block of ${length} bytes is too short`, true);
      return;
    }
    const major = this.u16(buf, pos + 12);
    if (major !== 1) {
      this.ctx.report(
        'unsupported-version',
        offset,
        `pcapng section has major version ${major}.${this.u16(buf, pos + 14)}; only version 1 is defined: reading stops`,
        true,
      );
      return;
    }
    this.section++;
    this.sectionInterfaces = [];
  }

  private readInterfaceBlock(buf: Buffer, pos: number, length: number, offset: number): void {
    if (length < MIN_IDB_LENGTH) {
      this.ctx.report('bad-block', offset, `Interface Description Block of ${length} bytes is too short; skipped`, false);
      return;
    }
    if (this.ctx.interfaces.length >= MAX_INTERFACES) {
      this.ctx.report('too-many-interfaces', offset, `more than ${MAX_INTERFACES} interfaces: reading stops`, true);
      return;
    }
    const iface: CaptureInterface = {
      id: this.ctx.interfaces.length,
      section: this.section,
      idInSection: this.sectionInterfaces.length,
      linkType: this.u16(buf, pos + 8),
      snaplen: this.u32(buf, pos + 12),
      tsUnitsPerSecond: 1_000_000,
      tsOffsetSeconds: 0,
    };
    let unitsPerSecond = DEFAULT_UNITS_PER_SECOND;
    this.forEachOption(buf, pos + 16, pos + length - 4, offset - pos, (code, valueStart, valueLength) => {
      if (code === IF_NAME) iface.name = optionString(buf, valueStart, valueLength);
      else if (code === IF_DESCRIPTION) iface.description = optionString(buf, valueStart, valueLength);
      else if (code === IF_TSRESOL && valueLength === 1) {
        const resolution = buf[valueStart];
        const exponent = BigInt(resolution & 0x7f);
        unitsPerSecond = resolution & 0x80 ? 1n << exponent : 10n ** exponent;
      } else if (code === IF_TSOFFSET && valueLength === 8) {
        const value = this.littleEndian ? buf.readBigInt64LE(valueStart) : buf.readBigInt64BE(valueStart);
        iface.tsOffsetSeconds = Number(value);
      }
    });
    const clock = new TimestampConverter(unitsPerSecond, iface.tsOffsetSeconds);
    iface.tsUnitsPerSecond = clock.unitsPerSecond;
    this.sectionInterfaces.push({ iface, clock });
    this.ctx.addInterface(iface);
  }

  /** EPB and the obsolete PB: same layout after the interface id (32 bits in an EPB, 16 in a PB). */
  private readPacketBlock(buf: Buffer, pos: number, length: number, offset: number, idInSection: number): void {
    const ctx = this.ctx;
    const frameNumber = ++ctx.lastFrameNumber;
    if (length < MIN_EPB_LENGTH) {
      ctx.report('bad-packet-block', offset, `packet block of ${length} bytes is too short; skipped`, false, frameNumber);
      return;
    }
    const bound = this.sectionInterfaces[idInSection];
    if (bound === undefined) {
      this.reportUnknownInterface(idInSection, offset, frameNumber);
      return;
    }
    const capturedLength = this.u32(buf, pos + 20);
    const dataStart = pos + 28;
    if (capturedLength > length - MIN_EPB_LENGTH) {
      ctx.report(
        'bad-packet-block',
        offset,
        `packet block says ${capturedLength} bytes were captured but holds at most ${length - MIN_EPB_LENGTH}; skipped`,
        false,
        frameNumber,
      );
      return;
    }
    const frame = ctx.frame;
    frame.frameNumber = frameNumber;
    frame.interfaceId = bound.iface.id;
    bound.clock.convert(this.u32(buf, pos + 12), this.u32(buf, pos + 16), frame.ts);
    frame.timestampMissing = false;
    frame.capturedLength = capturedLength;
    frame.wireLength = this.u32(buf, pos + 24);
    frame.bytes = buf;
    frame.start = dataStart;
    frame.streamOffset = offset + 28;
    ctx.deliver();
  }

  /** SPB: no interface id (always the section's first), no timestamp, captured length from snaplen. */
  private readSimplePacketBlock(buf: Buffer, pos: number, length: number, offset: number): void {
    const ctx = this.ctx;
    const frameNumber = ++ctx.lastFrameNumber;
    const bound = this.sectionInterfaces[0];
    if (bound === undefined) {
      this.reportUnknownInterface(0, offset, frameNumber);
      return;
    }
    const wireLength = this.u32(buf, pos + 8);
    const snaplen = bound.iface.snaplen;
    const capturedLength = snaplen > 0 && wireLength > snaplen ? snaplen : wireLength;
    if (capturedLength > length - MIN_SPB_LENGTH) {
      ctx.report(
        'bad-packet-block',
        offset,
        `Simple Packet Block of a ${wireLength}-byte packet holds only ${length - MIN_SPB_LENGTH} bytes; skipped`,
        false,
        frameNumber,
      );
      return;
    }
    const frame = ctx.frame;
    frame.frameNumber = frameNumber;
    frame.interfaceId = bound.iface.id;
    frame.ts.sec = 0;
    frame.ts.nsec = 0;
    frame.timestampMissing = true;
    frame.capturedLength = capturedLength;
    frame.wireLength = wireLength;
    frame.bytes = buf;
    frame.start = pos + 12;
    frame.streamOffset = offset + 12;
    ctx.deliver();
  }

  private readStatisticsBlock(buf: Buffer, pos: number, length: number, offset: number): void {
    if (length < MIN_ISB_LENGTH) {
      this.ctx.report('bad-block', offset, `Interface Statistics Block of ${length} bytes is too short; skipped`, false);
      return;
    }
    const idInSection = this.u32(buf, pos + 8);
    const bound = this.sectionInterfaces[idInSection];
    if (bound === undefined) {
      this.reportUnknownInterface(idInSection, offset);
      return;
    }
    const stats: InterfaceStatistics = {
      interfaceId: bound.iface.id,
      ts: bound.clock.convert(this.u32(buf, pos + 12), this.u32(buf, pos + 16)),
    };
    this.forEachOption(buf, pos + 20, pos + length - 4, offset - pos, (code, valueStart, valueLength) => {
      if (valueLength !== 8) return;
      if (code === ISB_IFRECV) stats.packetsReceived = this.u64(buf, valueStart);
      else if (code === ISB_IFDROP) stats.packetsDroppedByInterface = this.u64(buf, valueStart);
      else if (code === ISB_FILTERACCEPT) stats.packetsAccepted = this.u64(buf, valueStart);
      else if (code === ISB_OSDROP) stats.packetsDroppedByOs = this.u64(buf, valueStart);
    });
    this.ctx.sink.onInterfaceStatistics?.(stats);
  }

  private reportUnknownInterface(idInSection: number, offset: number, frameNumber?: number): void {
    this.ctx.report(
      'unknown-interface',
      offset,
      `block refers to interface ${idInSection} but section ${this.section} describes ` +
        `${this.sectionInterfaces.length} interface(s); skipped`,
      false,
      frameNumber,
    );
  }

  /**
   * Walks options in [start, end); a malformed option list is reported and the rest ignored.
   * toStream converts a buffer position to a stream offset.
   */
  private forEachOption(
    buf: Buffer,
    start: number,
    end: number,
    toStream: number,
    visit: (code: number, valueStart: number, valueLength: number) => void,
  ): void {
    let pos = start;
    while (end - pos >= 4) {
      const code = this.u16(buf, pos);
      if (code === OPT_END) return;
      const valueLength = this.u16(buf, pos + 2);
      const valueStart = pos + 4;
      if (valueStart + valueLength > end) {
        this.ctx.report(
          'bad-option',
          pos + toStream,
          `option ${code} claims ${valueLength} bytes, past the end of its block; ` +
            'the remaining options are ignored',
          false,
        );
        return;
      }
      visit(code, valueStart, valueLength);
      pos = valueStart + ((valueLength + 3) & ~3);
    }
  }
}

/** Option strings are UTF-8, sometimes NUL-terminated by the writer. */
function optionString(buf: Buffer, start: number, length: number): string {
  let end = start + length;
  while (end > start && buf[end - 1] === 0) end--;
  return buf.toString('utf8', start, end);
}
