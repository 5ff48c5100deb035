/**
 * Fast, allocation-free writer of Ethernet/IPv4/UDP captures (classic pcap or pcapng, microsecond
 * timestamps) for the benchmark inputs: millions of packets are written straight into one large
 * buffer that is flushed to the file when full.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type CaptureFormat = 'pcap' | 'pcapng';

const FLUSH_BYTES = 8 << 20;
const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;
/** Ethernet + IPv4 + UDP: where a UDP payload starts in a frame. */
export const UDP_PAYLOAD_OFFSET = ETHERNET_HEADER + IPV4_HEADER + UDP_HEADER;
const PCAP_RECORD_HEADER = 16;
const EPB_HEADER = 28;
const EPB_TRAILER = 4;
const TWO_POW_32 = 4294967296;
const SNAPLEN = 262144;

/** 10.1.2.3 as the 32-bit number written in an IPv4 header. */
export function ipv4(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export interface UdpPacket {
  /** Capture time in microseconds since the epoch (exact in a double until year 2255). */
  timeUs: number;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  ttl: number;
}

export class CaptureWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(FLUSH_BYTES + 2 * SNAPLEN);
  private pos = 0;
  private ipId = 0;
  /** Bytes written to the file so far (flushed or not): the offset of the next record. */
  offset = 0;
  packets = 0;

  constructor(
    readonly path: string,
    readonly format: CaptureFormat,
    interfaceName = 'eth0',
  ) {
    this.fd = openSync(path, 'w');
    if (format === 'pcap') this.pcapHeader();
    else this.pcapngHeaders(interfaceName);
  }

  /**
   * Writes one frame whose UDP payload is `length` bytes; `fill(buf, at)` writes the payload at
   * buf[at .. at + length). Returns nothing: the frame is in the file (or the buffer) afterwards.
   */
  udp(packet: UdpPacket, length: number, fill: (buf: Buffer, at: number) => void): void {
    const frameLength = UDP_PAYLOAD_OFFSET + length;
    const recordHeader = this.format === 'pcap' ? PCAP_RECORD_HEADER : EPB_HEADER;
    const padded = (frameLength + 3) & ~3;
    const recordLength = this.format === 'pcap' ? PCAP_RECORD_HEADER + frameLength : EPB_HEADER + padded + EPB_TRAILER;
    if (this.pos + recordLength > this.buf.length) this.flush();
    const buf = this.buf;
    const start = this.pos;
    const sec = Math.floor(packet.timeUs / 1e6);
    if (this.format === 'pcap') {
      buf.writeUInt32LE(sec, start);
      buf.writeUInt32LE(packet.timeUs - sec * 1e6, start + 4);
      buf.writeUInt32LE(frameLength, start + 8);
      buf.writeUInt32LE(frameLength, start + 12);
    } else {
      const high = Math.floor(packet.timeUs / TWO_POW_32);
      buf.writeUInt32LE(6, start);
      buf.writeUInt32LE(recordLength, start + 4);
      buf.writeUInt32LE(0, start + 8);
      buf.writeUInt32LE(high, start + 12);
      buf.writeUInt32LE(packet.timeUs - high * TWO_POW_32, start + 16);
      buf.writeUInt32LE(frameLength, start + 20);
      buf.writeUInt32LE(frameLength, start + 24);
      buf.fill(0, start + recordHeader + frameLength, start + recordHeader + padded);
      buf.writeUInt32LE(recordLength, start + recordLength - 4);
    }
    const frame = start + recordHeader;
    // Ethernet: locally administered MACs made of the IP addresses.
    buf.writeUInt16BE(0x0200, frame);
    buf.writeUInt32BE(packet.dst, frame + 2);
    buf.writeUInt16BE(0x0200, frame + 6);
    buf.writeUInt32BE(packet.src, frame + 8);
    buf.writeUInt16BE(0x0800, frame + 12);
    const ip = frame + ETHERNET_HEADER;
    buf.writeUInt16BE(0x4500, ip);
    buf.writeUInt16BE(IPV4_HEADER + UDP_HEADER + length, ip + 2);
    buf.writeUInt16BE((this.ipId = (this.ipId + 1) & 0xffff), ip + 4);
    buf.writeUInt16BE(0x4000, ip + 6); // don't fragment
    buf[ip + 8] = packet.ttl;
    buf[ip + 9] = 17;
    buf.writeUInt16BE(0, ip + 10);
    buf.writeUInt32BE(packet.src, ip + 12);
    buf.writeUInt32BE(packet.dst, ip + 16);
    buf.writeUInt16BE(ipChecksum(buf, ip), ip + 10);
    const udp = ip + IPV4_HEADER;
    buf.writeUInt16BE(packet.srcPort, udp);
    buf.writeUInt16BE(packet.dstPort, udp + 2);
    buf.writeUInt16BE(UDP_HEADER + length, udp + 4);
    buf.writeUInt16BE(0, udp + 6); // no checksum (allowed for UDP over IPv4)
    fill(buf, udp + UDP_HEADER);
    this.pos += recordLength;
    this.offset += recordLength;
    this.packets++;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    let written = 0;
    while (written < this.pos) written += writeSync(this.fd, this.buf, written, this.pos - written);
    this.pos = 0;
  }

  private pcapHeader(): void {
    const buf = this.buf;
    buf.writeUInt32LE(0xa1b2c3d4, 0);
    buf.writeUInt16LE(2, 4);
    buf.writeUInt16LE(4, 6);
    buf.writeUInt32LE(0, 8);
    buf.writeUInt32LE(0, 12);
    buf.writeUInt32LE(SNAPLEN, 16);
    buf.writeUInt32LE(1, 20);
    this.pos = this.offset = 24;
  }

  private pcapngHeaders(interfaceName: string): void {
    const buf = this.buf;
    // Section Header Block: no options, section length unknown (-1).
    buf.writeUInt32LE(0x0a0d0d0a, 0);
    buf.writeUInt32LE(28, 4);
    buf.writeUInt32LE(0x1a2b3c4d, 8);
    buf.writeUInt16LE(1, 12);
    buf.writeUInt16LE(0, 14);
    buf.writeInt32LE(-1, 16);
    buf.writeInt32LE(-1, 20);
    buf.writeUInt32LE(28, 24);
    // Interface Description Block: Ethernet, if_name, default microsecond resolution.
    const name = Buffer.from(interfaceName, 'utf8');
    const namePadded = (name.length + 3) & ~3;
    const idbLength = 20 + 4 + namePadded + 4;
    const idb = 28;
    buf.writeUInt32LE(1, idb);
    buf.writeUInt32LE(idbLength, idb + 4);
    buf.writeUInt16LE(1, idb + 8);
    buf.writeUInt16LE(0, idb + 10);
    buf.writeUInt32LE(SNAPLEN, idb + 12);
    buf.writeUInt16LE(2, idb + 16); // if_name
    buf.writeUInt16LE(name.length, idb + 18);
    buf.fill(0, idb + 20, idb + 20 + namePadded);
    name.copy(buf, idb + 20);
    buf.writeUInt32LE(0, idb + 20 + namePadded); // opt_endofopt
    buf.writeUInt32LE(idbLength, idb + idbLength - 4);
    this.pos = this.offset = idb + idbLength;
  }
}

function ipChecksum(buf: Buffer, at: number): number {
  let sum = 0;
  for (let i = at; i < at + IPV4_HEADER; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
