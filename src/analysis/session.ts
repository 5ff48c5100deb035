/**
 * One analysis, fed from any number of capture sources (files, standard input, live capture
 * processes): capture -> decode -> SIP -> dialogs as frames arrive, and correlation, detection and
 * the verdict whenever a result is asked for (at the end of a file analysis, or on every refresh
 * of a live view). The stages only ever see their own input type.
 */
import type { CaptureInterface, CaptureProblem, CaptureSink, Timestamp } from '../capture/types.js';
import { correlate } from '../correlate/correlate.js';
import type { PointMessages, SideAssignment } from '../correlate/types.js';
import { PacketDecoder, type CapturePointRef, type DecodeStats } from '../decode/index.js';
import { detect } from '../detect/detect.js';
import type { DetectionContext, PointObservations } from '../detect/types.js';
import { DialogTracker } from '../dialog/index.js';
import type { DialogConfig } from '../dialog/types.js';
import { SipFramer, type SipKeepalive, type SipMessage } from '../sip/index.js';
import { groupDialogs } from './dialog-groups.js';
import type { AnalysisResult, CaptureFileReport } from './types.js';

interface PointState extends PointObservations {
  ref: CapturePointRef;
  interfaceName?: string;
}

/** One capture source being read: feed its frames through `sink`, then call `finish`. */
export interface SourceFeed {
  sink: CaptureSink;
  frames(): number;
  /** End of the source: flush its decoder, record its report. */
  finish(report: Omit<CaptureFileReport, 'problems'>): void;
}

function addCounts(target: Record<string, number>, counts: Record<string, number>, prefix = ''): void {
  for (const [reason, n] of Object.entries(counts)) {
    if (n > 0) target[prefix + reason] = (target[prefix + reason] ?? 0) + n;
  }
}

function mergeDecodeStats(total: DecodeStats, add: DecodeStats): void {
  total.frames += add.frames;
  total.udpDatagrams += add.udpDatagrams;
  total.tcpSegments += add.tcpSegments;
  total.fragmentsReassembled += add.fragmentsReassembled;
  total.fragmentsDropped += add.fragmentsDropped;
  total.tcpGapBytes += add.tcpGapBytes;
  addCounts(total.ignored, add.ignored);
  addCounts(total.problems, add.problems);
}

function later(a: Timestamp | undefined, b: Timestamp): Timestamp {
  return !a || b.sec > a.sec || (b.sec === a.sec && b.nsec > a.nsec) ? b : a;
}

export class AnalysisSession {
  private readonly points = new Map<string, PointState>();
  private readonly messages = new Map<number, SipMessage>();
  private readonly files: CaptureFileReport[] = [];
  private readonly decoders: PacketDecoder[] = [];
  private readonly finishedDecodeStats: DecodeStats = {
    frames: 0, udpDatagrams: 0, tcpSegments: 0, ignored: {}, problems: {}, fragmentsReassembled: 0, fragmentsDropped: 0, tcpGapBytes: 0,
  };
  private readonly framingProblemCounts: Record<string, number> = {};
  private readonly dialogs: DialogTracker;
  private readonly framer: SipFramer;
  private lastTs: Timestamp | undefined;
  private sipMessages = 0;

  constructor(
    private readonly sides: SideAssignment,
    dialogConfig: Partial<DialogConfig> = {},
  ) {
    this.dialogs = new DialogTracker(dialogConfig);
    this.framer = new SipFramer({
      onMessage: (message) => this.onMessage(message),
      onKeepalive: (keepalive: SipKeepalive) => this.pointOf(keepalive.origin.point).keepalives.push(keepalive),
      onProblem: (problem) => {
        this.framingProblemCounts[problem.code] = (this.framingProblemCounts[problem.code] ?? 0) + 1;
        this.pointOf(problem.origin.point).framingProblems.push(problem);
      },
    });
  }

  get sipMessageCount(): number {
    return this.sipMessages;
  }

  private pointOf(ref: CapturePointRef): PointState {
    let point = this.points.get(ref.key);
    if (!point) {
      point = { key: ref.key, ref, source: ref.source, side: 'unknown', messages: [], keepalives: [], framingProblems: [], icmpErrors: [] };
      this.points.set(ref.key, point);
    }
    return point;
  }

  /** A parsed SIP message enters the analysis (the framer calls this; tests may too). */
  onMessage(message: SipMessage): void {
    this.sipMessages++;
    this.lastTs = later(this.lastTs, message.origin.ts);
    this.messages.set(message.id, message);
    this.pointOf(message.origin.point).messages.push(message);
    this.dialogs.onMessage(message);
  }

  /** Starts reading one capture source named `source` (a file path, "-", or "live:eth0"). */
  addSource(source: string): SourceFeed {
    const interfaceNames = new Map<number, string>();
    const problems: CaptureProblem[] = [];
    const framer = this.framer;
    const decoder = new PacketDecoder(source, {
      onPayload: (payload) => {
        this.lastTs = later(this.lastTs, payload.ts);
        if (!framer.onPayload(payload) && payload.transport === 'udp') this.dialogs.onRtpCandidate(payload);
      },
      onIcmpError: (error) => this.pointOf(error.point).icmpErrors.push(error),
      onTcpGap: (gap) => framer.gap(gap.streamId, gap),
      onTcpStreamEnd: (streamId) => framer.endStream(streamId),
      // Counted by code in the decoder's stats, which the result reports.
      onProblem: () => {},
    });
    this.decoders.push(decoder);
    let frames = 0;
    return {
      sink: {
        onInterface(iface: CaptureInterface) {
          if (iface.name) interfaceNames.set(iface.id, iface.name);
          decoder.addInterface(iface);
        },
        onFrame(frame) {
          frames++;
          decoder.decode(frame);
        },
        onProblem(problem) {
          problems.push(problem);
        },
      },
      frames: () => frames,
      finish: (report) => {
        decoder.finish();
        this.decoders.splice(this.decoders.indexOf(decoder), 1);
        mergeDecodeStats(this.finishedDecodeStats, decoder.stats());
        this.files.push({ ...report, problems });
        for (const point of this.points.values()) {
          if (point.source === source && point.ref.linuxIfIndex === undefined) point.interfaceName ??= interfaceNames.get(point.ref.interfaceId);
        }
      },
    };
  }

  /** Everything read so far, concluded: correlation, findings, verdict. `final` flushes open TCP streams and times transactions out. */
  result(final: boolean): AnalysisResult {
    if (final) {
      this.framer.finish();
      this.dialogs.finish(this.lastTs ?? { sec: 0, nsec: 0 });
    }
    const dialogAnalysis = this.dialogs.analysis();
    const pointList = [...this.points.values()];
    const pointMessages: PointMessages[] = pointList.map((p) => ({ ref: p.ref, interfaceName: p.interfaceName, messages: p.messages }));
    const correlation = correlate(pointMessages, this.sides);
    for (const info of correlation.points) this.pointOf(info.ref).side = info.side;

    const ctx: DetectionContext = {
      correlation,
      points: pointList,
      dialogs: dialogAnalysis,
      pointInfo: (key) => {
        const point = this.points.get(key);
        return { side: point?.side ?? 'unknown', source: point?.source ?? key };
      },
      message: (id) => this.messages.get(id),
    };
    const { findings, verdict } = detect(ctx, this.sipMessages);

    const decodeTotals: DecodeStats = structuredClone(this.finishedDecodeStats);
    for (const decoder of this.decoders) mergeDecodeStats(decodeTotals, decoder.stats());
    const malformed: Record<string, number> = {};
    for (const file of this.files) for (const problem of file.problems) malformed[`capture:${problem.code}`] = (malformed[`capture:${problem.code}`] ?? 0) + 1;
    addCounts(malformed, decodeTotals.problems, 'decode:');
    addCounts(malformed, this.framingProblemCounts, 'sip-framing:');
    for (const msg of this.messages.values()) for (const defect of msg.defects) malformed[`sip:${defect.code}`] = (malformed[`sip:${defect.code}`] ?? 0) + 1;
    const skipped: Record<string, number> = {};
    addCounts(skipped, decodeTotals.ignored);
    addCounts(skipped, dialogAnalysis.stats.skipped, 'sip-not-grouped:');
    const media = dialogAnalysis.stats.media;
    if (media.nonRtpDatagrams > 0) skipped['udp-not-sip-or-rtp'] = media.nonRtpDatagrams;
    if (media.untrackedDatagrams > 0) skipped['rtp-untracked-stream-limit'] = media.untrackedDatagrams;
    const unreadable = this.files.filter((f) => f.error).length;
    if (unreadable > 0) skipped['file-not-analyzed'] = unreadable;

    const dialogGroups = groupDialogs(dialogAnalysis, correlation.pairs, (key) => this.points.get(key)?.side ?? 'unknown');
    return {
      files: [...this.files],
      points: correlation.points,
      correlation,
      findings,
      verdict,
      dialogs: dialogAnalysis,
      dialogGroups,
      messages: this.messages,
      stats: {
        packets: decodeTotals.frames,
        sipMessages: this.sipMessages,
        retransmissions: dialogAnalysis.stats.retransmissions,
        // A call seen at two capture points is one dialog here.
        dialogs: dialogGroups.length,
        rtpPackets: media.rtpPackets + media.rtcpPackets,
        skipped,
        malformed,
        decode: decodeTotals,
      },
    };
  }
}
