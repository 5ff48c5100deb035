/**
 * The result of one analysis: what every renderer (text, JSON, TUI, reports) draws from. The JSON
 * renderer writes the serialisable part of it; its shape is documented in the README and stable.
 */
import type { CaptureInterface, CaptureProblem, Timestamp } from '../capture/types.js';
import type { CapturePointInfo, Correlation, Side, SideAssignment } from '../correlate/types.js';
import type { DecodeStats } from '../decode/types.js';
import type { Finding, VerdictResult } from '../detect/types.js';
import type { DialogAnalysis, DialogKind, DialogState } from '../dialog/types.js';
import type { SipMessage } from '../sip/types.js';
import type { ConcludedDialogs } from './concluded.js';
import type { DialogGroup } from './dialog-groups.js';
import type { AnalysisSession } from './session.js';

/** Messages looked up by SipMessage.id. */
export interface MessagesById {
  get(id: number): SipMessage | undefined;
  readonly size: number;
}

export interface AnalyzeOptions {
  files: string[];
  sides: SideAssignment;
  /** Called as bytes are read, for progress lines and bars. */
  onProgress?(progress: AnalysisProgress): void;
  signal?: AbortSignal;
  /**
   * Read into this session instead of a new one, so that a caller can show partial results
   * (`session.result(false)`) while the files are being read, as the terminal UI does.
   */
  session?: AnalysisSession;
}

export interface AnalysisProgress {
  file: string;
  fileIndex: number;
  files: number;
  bytesRead: number;
  totalBytes?: number;
  frames: number;
  sipMessages: number;
}

export interface CaptureFileReport {
  path: string;
  format: string;
  compressed: boolean;
  bytes: number;
  frames: number;
  interfaces: CaptureInterface[];
  /** Capture-level problems (truncation, corrupt blocks), each naming the frame and byte offset. */
  problems: CaptureProblem[];
  /** Set when the file could not be read at all (missing, not a capture). */
  error?: string;
}

export interface AnalysisStats {
  packets: number;
  sipMessages: number;
  /** Retransmissions counted (not shown as new messages). */
  retransmissions: number;
  dialogs: number;
  rtpPackets: number;
  /** Everything that was not analyzed, by reason: nothing a user gave is silently dropped. */
  skipped: Record<string, number>;
  /** Malformed input by reason (capture problems, decode problems, SIP defects and framing problems). */
  malformed: Record<string, number>;
  decode: DecodeStats;
  /**
   * Messages matched across the router and messages seen on one side only, concluded ones
   * included (correlation.pairs and .dropped hold only those of dialogs still open).
   */
  matchedMessages?: number;
  droppedMessages?: number;
}

/**
 * What the output lists of a call or registration (every capture point it was seen at): made from
 * a DialogGroup, or kept of one that an analysis of a large capture concluded and forgot.
 */
export interface DialogGroupSummary {
  callId: string;
  method: string;
  kind: DialogKind;
  state: DialogState;
  fromUri?: string;
  toUri?: string;
  /** Findings citing the group's Call-IDs (when it was concluded, for a concluded one). */
  findings: number;
  points: DialogAtPointSummary[];
}

export interface DialogAtPointSummary {
  pointKey: string;
  side: Side;
  callId: string;
  state: DialogState;
  finalStatus?: number;
  start: Timestamp;
  answerTs?: Timestamp;
  endTs?: Timestamp;
  messages: number;
  retransmissions: number;
}

export interface AnalysisResult {
  files: CaptureFileReport[];
  points: CapturePointInfo[];
  correlation: Correlation;
  findings: Finding[];
  verdict: VerdictResult;
  dialogs: DialogAnalysis;
  /** The same call at every capture point it was seen at (one entry per call). */
  dialogGroups: DialogGroup[];
  /**
   * Dialog groups concluded while a large capture was read (analyzeCaptures keeps at most some
   * tens of thousands of messages): their findings are in `findings`, their messages and dialog
   * state are gone. Earliest first; dialogGroups holds the rest.
   */
  concludedDialogs?: ConcludedDialogs;
  /**
   * Findings per dialog (Call-ID) of the dialogs still held, counted before the listing limit
   * folds a rule's later dialogs into one finding (so dialogs whose findings are only counted
   * still show them).
   */
  findingsPerDialog: ReadonlyMap<string, number>;
  /**
   * Every SIP message kept by the analysis, by SipMessage.id (the TUI and reports show them). In a
   * long live run, messages of aged-out dialogs are forgotten while findings citing them are kept.
   */
  messages: MessagesById;
  stats: AnalysisStats;
  /** Set for a live capture (algscope live). */
  live?: LiveCaptureReport;
}

/** One interface of a live capture: what algscope read from it and what the capture lost. */
export interface LiveInterfaceReport {
  name: string;
  /** Frames read from the capture stream for this interface. */
  packets: number;
  /** Packets the capture process received, and dropped (kernel buffer full, or its own queue), as it reported them when it stopped. */
  received?: number;
  dropped?: number;
}

/** A live capture: the process that captured, where it saved, and its counters. */
export interface LiveCaptureReport {
  /** "dumpcap" or "tcpdump", and the command line that ran. */
  backend: string;
  command: string[];
  filter?: string;
  /** The capture stream saved byte for byte (-w): frame numbers in evidence are this file's. */
  savedTo?: string;
  /** Bytes of capture stream read (and saved). */
  bytes: number;
  /** Wall clock when capturing started and when the capture process ended. */
  startedAt: Timestamp;
  stoppedAt?: Timestamp;
  /** True in snapshots taken while capturing; false in the final result. */
  running: boolean;
  interfaces: LiveInterfaceReport[];
  /** Frames read, every interface. */
  packets: number;
  /** Packets dropped on every interface; undefined until the capture process reports it (when it stops). */
  drops?: number;
  /** The capture process failed mid-run (or its stream was corrupt): what it said. */
  error?: string;
}
