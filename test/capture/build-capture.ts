/**
 * Builds classic pcap and pcapng byte streams for tests, in either byte order, so the reader
 * can be checked against bytes whose every field the test chose.
 */

export interface PcapRecord {
  sec: number;
  /** Microseconds, or nanoseconds when the file is nanosecond. */
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  wireLength?: number;
  /** Written as the record's caplen; defaults to data.length (set it to fake a corrupt record). */
  capturedLength?: number;
}

export interface PcapOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  snaplen?: number;
  linkType?: number;
}

function writeU16(buf: Buffer, value: number, offset: number, littleEndian: boolean): void {
  if (littleEndian) buf.writeUInt16LE(value, offset);
  else buf.writeUInt16BE(value, offset);
}

function writeU32(buf: Buffer, value: number, offset: number, littleEndian: boolean): void {
  if (littleEndian) buf.writeUInt32LE(value >>> 0, offset);
  else buf.writeUInt32BE(value >>> 0, offset);
}

function writeU64(buf: Buffer, value: bigint, offset: number, littleEndian: boolean): void {
  if (littleEndian) buf.writeBigUInt64LE(BigInt.asUintN(64, value), offset);
  else buf.writeBigUInt64BE(BigInt.asUintN(64, value), offset);
}

export function pcapHeader(options: PcapOptions = {}): Buffer {
  const le = options.littleEndian ?? true;
  const header = Buffer.alloc(24);
  writeU32(header, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0, le);
  writeU16(header, 2, 4, le);
  writeU16(header, 4, 6, le);
  writeU32(header, options.snaplen ?? 65535, 16, le);
  writeU32(header, options.linkType ?? 1, 20, le);
  return header;
}

export function pcapRecord(record: PcapRecord, littleEndian = true): Buffer {
  const out = Buffer.alloc(16 + record.data.length);
  writeU32(out, record.sec, 0, littleEndian);
  writeU32(out, record.frac, 4, littleEndian);
  writeU32(out, record.capturedLength ?? record.data.length, 8, littleEndian);
  writeU32(out, record.wireLength ?? record.data.length, 12, littleEndian);
  out.set(record.data, 16);
  return out;
}

export function pcapFile(records: PcapRecord[], options: PcapOptions = {}): Buffer {
  const le = options.littleEndian ?? true;
  return Buffer.concat([pcapHeader(options), ...records.map((r) => pcapRecord(r, le))]);
}

/** A pcapng option: code and raw value (padding is added). */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

function encodeOptions(options: PcapngOption[], le: boolean): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const option of options) {
    const padded = (option.value.length + 3) & ~3;
    const part = Buffer.alloc(4 + padded);
    writeU16(part, option.code, 0, le);
    writeU16(part, option.value.length, 2, le);
    part.set(option.value, 4);
    parts.push(part);
  }
  parts.push(Buffer.alloc(4)); // opt_endofopt
  return Buffer.concat(parts);
}

export interface BlockOverrides {
  /** Leading block length to write instead of the real one. */
  length?: number;
  /** Trailing block length to write instead of the real one. */
  trailingLength?: number;
}

/** Any pcapng block: type, body (padded to 4 bytes here) and both length fields. */
export function pcapngBlock(type: number, body: Uint8Array, le: boolean, overrides: BlockOverrides = {}): Buffer {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = Buffer.alloc(total);
  writeU32(out, type, 0, le);
  writeU32(out, overrides.length ?? total, 4, le);
  out.set(body, 8);
  writeU32(out, overrides.trailingLength ?? total, total - 4, le);
  return out;
}

export function shb(le: boolean, options: { majorVersion?: number } = {}): Buffer {
  const body = Buffer.alloc(16);
  writeU32(body, 0x1a2b3c4d, 0, le);
  writeU16(body, options.majorVersion ?? 1, 4, le);
  writeU16(body, 0, 6, le);
  writeU64(body, -1n, 8, le);
  return pcapngBlock(0x0a0d0d0a, body, le);
}

export interface IdbOptions {
  linkType?: number;
  snaplen?: number;
  name?: string;
  description?: string;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  tsoffset?: bigint;
}

export function idb(le: boolean, options: IdbOptions = {}): Buffer {
  const fixed = Buffer.alloc(8);
  writeU16(fixed, options.linkType ?? 1, 0, le);
  writeU32(fixed, options.snaplen ?? 262144, 4, le);
  const opts: PcapngOption[] = [];
  if (options.name !== undefined) opts.push({ code: 2, value: Buffer.from(options.name) });
  if (options.description !== undefined) opts.push({ code: 3, value: Buffer.from(options.description) });
  if (options.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([options.tsresol]) });
  if (options.tsoffset !== undefined) {
    const value = Buffer.alloc(8);
    if (le) value.writeBigInt64LE(options.tsoffset);
    else value.writeBigInt64BE(options.tsoffset);
    opts.push({ code: 14, value });
  }
  return pcapngBlock(1, Buffer.concat([fixed, encodeOptions(opts, le)]), le);
}

export interface PacketBlockOptions {
  interfaceId?: number;
  /** Timestamp in the interface's units. */
  ts: bigint;
  data: Uint8Array;
  wireLength?: number;
  /** Written as caplen; defaults to data.length. */
  capturedLength?: number;
}

function packetFields(le: boolean, p: PacketBlockOptions, interfaceIdBytes: 2 | 4): Buffer {
  const fixed = Buffer.alloc(20);
  if (interfaceIdBytes === 4) writeU32(fixed, p.interfaceId ?? 0, 0, le);
  else writeU16(fixed, p.interfaceId ?? 0, 0, le);
  writeU32(fixed, Number(p.ts >> 32n), 4, le);
  writeU32(fixed, Number(p.ts & 0xffffffffn), 8, le);
  writeU32(fixed, p.capturedLength ?? p.data.length, 12, le);
  writeU32(fixed, p.wireLength ?? p.data.length, 16, le);
  const padded = Buffer.alloc((p.data.length + 3) & ~3);
  padded.set(p.data);
  return Buffer.concat([fixed, padded]);
}

export function epb(le: boolean, p: PacketBlockOptions, overrides?: BlockOverrides): Buffer {
  return pcapngBlock(6, packetFields(le, p, 4), le, overrides);
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function pb(le: boolean, p: PacketBlockOptions): Buffer {
  return pcapngBlock(2, packetFields(le, p, 2), le);
}

export function spb(le: boolean, data: Uint8Array, wireLength = data.length): Buffer {
  const fixed = Buffer.alloc(4);
  writeU32(fixed, wireLength, 0, le);
  return pcapngBlock(3, Buffer.concat([fixed, data]), le);
}

/** Name Resolution Block with one IPv4 record and the end record. */
export function nrb(le: boolean, ip: [number, number, number, number], name: string): Buffer {
  const value = Buffer.concat([Buffer.from(ip), Buffer.from(name + '\0')]);
  const record = Buffer.alloc(4 + ((value.length + 3) & ~3));
  writeU16(record, 1, 0, le);
  writeU16(record, value.length, 2, le);
  record.set(value, 4);
  return pcapngBlock(4, Buffer.concat([record, Buffer.alloc(4)]), le);
}

export interface IsbCounters {
  interfaceId: number;
  ts: bigint;
  ifrecv?: bigint;
  ifdrop?: bigint;
  filteraccept?: bigint;
  osdrop?: bigint;
}

export function isb(le: boolean, c: IsbCounters): Buffer {
  const fixed = Buffer.alloc(12);
  writeU32(fixed, c.interfaceId, 0, le);
  writeU32(fixed, Number(c.ts >> 32n), 4, le);
  writeU32(fixed, Number(c.ts & 0xffffffffn), 8, le);
  const opts: PcapngOption[] = [];
  const counter = (code: number, v: bigint | undefined): void => {
    if (v === undefined) return;
    const value = Buffer.alloc(8);
    writeU64(value, v, 0, le);
    opts.push({ code, value });
  };
  counter(4, c.ifrecv);
  counter(5, c.ifdrop);
  counter(6, c.filteraccept);
  counter(7, c.osdrop);
  return pcapngBlock(5, Buffer.concat([fixed, encodeOptions(opts, le)]), le);
}

/** Deterministic payload bytes so frames can be told apart. */
export function payload(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}
