/**
 * The result of one analysis: what every renderer (text, JSON, TUI, reports) draws from. The JSON
 * renderer writes the serialisable part of it; its shape is documented in the README and stable.
 */
import type { CaptureInterface, CaptureProblem } from '../capture/types.js';
import type { CapturePointInfo, Correlation, SideAssignment } from '../correlate/types.js';
import type { DecodeStats } from '../decode/types.js';
import type { Finding, VerdictResult } from '../detect/types.js';
import type { DialogAnalysis } from '../dialog/types.js';
import type { SipMessage } from '../sip/types.js';
import type { DialogGroup } from './dialog-groups.js';
import type { AnalysisSession } from './session.js';

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
  /** Every SIP message kept by the analysis, by SipMessage.id (the TUI and reports show them). */
  messages: Map<number, SipMessage>;
  stats: AnalysisStats;
}
