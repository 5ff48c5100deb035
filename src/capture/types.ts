/**
 * Capture stage: turns a byte stream (pcap, pcapng, gzip'd or not, a file, stdin or a
 * live capture process's stdout) into frames with their exact provenance.
 */

/** Where the bytes came from: a file path, "-" for standard input, or "live:IFACE". */
export interface CaptureSource {
  /** Display name and identity: the path as the user gave it, "-" or "live:eth0". */
  name: string;
}

/** One interface of a capture: a pcapng IDB, or the single implicit interface of a pcap file. */
export interface CaptureInterface {
  /**
   * Index of the IDB in the file, counting across sections (capinfos' "Interface #n"), so it is
   * unique per file. tshark 4.0's frame.interface_id restarts at 0 in every section: that is
   * idInSection.
   */
  id: number;
  /** pcapng section number (0-based) the IDB belongs to; 0 for classic pcap. */
  section: number;
  /** Index of the IDB within its section (what packet blocks refer to); 0 for classic pcap. */
  idInSection?: number;
  linkType: number;
  snaplen: number;
  name?: string;
  description?: string;
  /** Units per second of this interface's timestamps (1e6 by default, 1e9 for nanosecond pcap). */
  tsUnitsPerSecond: number;
  /** if_tsoffset in seconds, added to every timestamp of the interface. */
  tsOffsetSeconds: number;
}

/**
 * A timestamp with full resolution. Nanoseconds since the epoch do not fit in a double,
 * so seconds and the nanosecond remainder are kept apart.
 */
export interface Timestamp {
  sec: number;
  nsec: number;
}

export interface Frame {
  /** 1-based, as Wireshark numbers frames (counts every packet block of the file). */
  frameNumber: number;
  interfaceId: number;
  ts: Timestamp;
  /** True for pcapng Simple Packet Blocks, which carry no timestamp (ts is then 0.0, as tshark leaves it empty). */
  timestampMissing: boolean;
  /** Bytes captured (may be less than wireLength when the snaplen cut the packet). */
  capturedLength: number;
  wireLength: number;
  /**
   * Holds the captured bytes at [start, start + capturedLength): the reader's own buffer, so valid
   * only during the callback (a stage that keeps bytes copies them). No view is made per frame:
   * making one costs more than most frames' decoding (frameData makes one when wanted).
   */
  bytes: Uint8Array;
  start: number;
  /** Byte offset of bytes[start] (the frame's first byte) in the (decompressed) capture stream. */
  streamOffset: number;
}

/** A problem in the capture itself: names the source, the frame (if any) and the byte offset. */
export interface CaptureProblem {
  source: string;
  /** The frame the problem belongs to (the one that would have had this number), if known. */
  frameNumber?: number;
  /** Byte offset in the decompressed capture stream. */
  byteOffset: number;
  /**
   * Short stable code for counting. The reader reports: not-a-capture, truncated-header,
   * truncated-packet, truncated-block, bad-record-length, bad-block-length, block-too-large,
   * bad-section-header, unsupported-version, too-many-interfaces (all fatal); bad-block,
   * bad-packet-block, unknown-interface, bad-option (block skipped, reading goes on);
   * captured-above-snaplen (pcap, once per file: the packet is read anyway);
   * decompress-error, read-error (the source failed part-way; fatal).
   */
  code: string;
  message: string;
  /** True when reading stopped here: nothing after this offset was read. */
  fatal: boolean;
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureSink {
  /** Called when an interface becomes known, before any frame that uses it. */
  onInterface(iface: CaptureInterface): void;
  /**
   * The frame object, its ts and its bytes are the reader's, refilled for the next frame (one
   * object per packet was a tenth of the time of reading an RTP capture): a sink that keeps any
   * of it copies it.
   */
  onFrame(frame: Frame): void;
  onProblem(problem: CaptureProblem): void;
  /** pcapng ISB counters (kernel drops) for live and file captures that carry them. */
  onInterfaceStatistics?(stats: InterfaceStatistics): void;
}

export interface InterfaceStatistics {
  interfaceId: number;
  ts?: Timestamp;
  packetsReceived?: bigint;
  packetsDroppedByInterface?: bigint;
  packetsDroppedByOs?: bigint;
  packetsAccepted?: bigint;
}

export interface CaptureReadSummary {
  source: string;
  format: CaptureFormat | 'unknown';
  /** True when the source was gzip'd (detected by content). */
  compressed: boolean;
  /** Bytes of the (decompressed) capture stream that were read. */
  bytesRead: number;
  /** Frames delivered to onFrame (a corrupt packet block that was skipped keeps its number but is not counted). */
  frames: number;
  interfaces: CaptureInterface[];
  /** Problems in the order found; the first 1000 are kept, all reach the sink. */
  problems: CaptureProblem[];
  /** Problems reported to the sink but not kept in `problems`. */
  problemsNotKept?: number;
}
