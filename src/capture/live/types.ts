/**
 * Live capture: a separate capture process (dumpcap, tcpdump) opens the interfaces with the
 * privileges capture needs and streams pcap/pcapng to algscope, which never touches a raw socket.
 * A backend only starts and stops that process; the bytes go through the same CaptureStreamReader
 * as a file, and kernel drop counts come in-stream (pcapng Interface Statistics Blocks) or from
 * the process's own closing report.
 */
import type { Readable } from 'node:stream';

export interface LiveCaptureRequest {
  /** Interface names, in the order given (the capture's interface ids follow it). */
  interfaces: string[];
  /** BPF capture filter (libpcap syntax), applied to every interface. */
  filter?: string;
  /** Kernel capture buffer per interface, in MiB. */
  bufferMiB: number;
}

/** Why a live capture could not run: each maps to one clear line for the user. */
export type LiveCaptureErrorCode =
  | 'not-installed'
  | 'permission-denied'
  | 'no-such-interface'
  | 'interface-down'
  | 'bad-filter'
  | 'unsupported'
  | 'capture-failed';

export class LiveCaptureError extends Error {
  constructor(
    readonly code: LiveCaptureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

/** Packets the capture process counted for one interface (its closing report). */
export interface ReportedInterfaceCounts {
  interface: string;
  received?: number;
  dropped?: number;
}

/** How the capture process ended. */
export interface LiveCaptureEnd {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process failed (before or during the capture): a one-line explanation. */
  error?: LiveCaptureError;
  /**
   * Counts the process printed when it stopped, for backends whose stream cannot carry them
   * (classic pcap has no statistics block). Empty for pcapng backends: those counts are in-stream.
   */
  reportedCounts: ReportedInterfaceCounts[];
}

/** A running capture process. */
export interface LiveCapture {
  /** "dumpcap" or "tcpdump". */
  readonly backend: string;
  /** The command line that runs (for the report). */
  readonly command: string[];
  /** The capture exactly as the process wrote it (pcapng for dumpcap, pcap for tcpdump). */
  readonly stream: Readable;
  /** Resolves once the interfaces are open and capturing; rejects with a LiveCaptureError otherwise. */
  readonly started: Promise<void>;
  /** Resolves when the process has exited and its output is closed. Never rejects. */
  readonly finished: Promise<LiveCaptureEnd>;
  /** Asks the process to stop cleanly: it hands over what it holds, writes its statistics and exits. */
  stop(): void;
}

export interface LiveCaptureBackend {
  readonly name: string;
  /** Executable the backend runs (a name looked up in PATH, or a path). */
  readonly executable: string;
  /** Which requests it cannot serve (e.g. several interfaces): a reason, or undefined when it can. */
  unsupported(request: LiveCaptureRequest): string | undefined;
  start(request: LiveCaptureRequest): LiveCapture;
}
