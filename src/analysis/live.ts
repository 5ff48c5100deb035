/**
 * Live analysis: a capture process's stream goes, chunk by chunk, to the saved file (byte for byte,
 * so the file is exactly what was analyzed) and through the same reader and AnalysisSession as a
 * file. Every refresh concludes what was read so far (a snapshot), names the findings that are new,
 * and now and then ages out finished dialogs so a run of days stays within bounded memory.
 */
import { open, unlink } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import { CaptureStreamReader } from '../capture/index.js';
import type { LiveCapture, LiveCaptureBackend, LiveCaptureRequest } from '../capture/live/index.js';
import type { CaptureInterface, CaptureSink, Frame, InterfaceStatistics, Timestamp } from '../capture/types.js';
import type { SideAssignment } from '../correlate/types.js';
import type { Finding } from '../detect/types.js';
import type { DialogConfig } from '../dialog/types.js';
import { AnalysisSession, findingKey, type SourceFeed } from './session.js';
import { toSeconds } from '../util/time.js';
import type { AnalysisResult, LiveCaptureReport, LiveInterfaceReport } from './types.js';

export interface LiveSnapshot {
  /** Everything read so far, concluded; `result.live` holds the capture's counters. */
  result: AnalysisResult;
  /**
   * Findings reported for the first time. While capturing, a finding is reported once every
   * interface has caught up with it (see SETTLE_SECONDS); the final snapshot reports every finding
   * not reported yet.
   */
  newFindings: Finding[];
  final: boolean;
}

export interface LiveAnalysisOptions {
  backend: LiveCaptureBackend;
  request: LiveCaptureRequest;
  sides: SideAssignment;
  dialogConfig?: Partial<DialogConfig>;
  /** Save the capture stream to this file, byte for byte (created 0600: captures hold calls). */
  saveTo?: string;
  /** Milliseconds between snapshots. Default 1000. */
  refreshMs?: number;
  /** Milliseconds between age-outs of finished dialogs. Default 10000. */
  ageOutMs?: number;
  /** The wall clock, as capture time (kernel timestamps follow it). */
  clock?: () => Timestamp;
  onSnapshot?(snapshot: LiveSnapshot): void;
}

/**
 * A capture process hands each interface's packets over in blocks (dumpcap: every 250 ms), so the
 * stream can hold a message seen inside before its copy seen outside; until the copy arrives the
 * message looks dropped. A finding first seen when the stream reached capture time T is reported
 * once every interface has delivered packets up to T + SETTLE_SECONDS, or has been silent for
 * IDLE_MS (nothing of it is in flight then), and the finding still stands.
 */
const SETTLE_SECONDS = 1;
const IDLE_MS = 1500;

/** An interface as read so far: its report, and how far its packets have come. */
interface InterfaceState {
  report: LiveInterfaceReport;
  /** Capture time of its latest frame, in seconds. */
  lastSeconds: number;
  /** Date.now() when its latest frame arrived (or when the capture started). */
  lastArrivalMs: number;
}

function wallClock(): Timestamp {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

/** Ends the file and waits until its descriptor is closed (at once if a write error already closed it). */
async function closeFile(file: WriteStream): Promise<void> {
  if (file.closed) return;
  await new Promise<void>((resolve) => {
    file.once('close', resolve);
    file.end();
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

export class LiveAnalysis {
  readonly sourceName: string;
  private readonly session: AnalysisSession;
  private readonly feed: SourceFeed;
  private readonly reader: CaptureStreamReader;
  private finalResult: Promise<AnalysisResult> | undefined;
  private readonly interfaces: InterfaceState[] = [];
  private readonly startedAt: Timestamp;
  private readonly clock: () => Timestamp;
  private bytes = 0;
  private frames = 0;
  private framesAtLastSnapshot = -1;
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAgeOut = Date.now();
  /** Date.now() when the chunk being parsed arrived. */
  private chunkArrivalMs = Date.now();
  /** Finding keys already reported; pending ones with the stream's capture time when first seen. */
  private readonly reported = new Set<string>();
  private pending = new Map<string, number>();

  /**
   * Starts the capture and resolves once it is capturing. Rejects with a LiveCaptureError when it
   * cannot (not installed, not permitted, no such interface, bad filter), or with the file system's
   * error when the save file cannot be created; no file is left behind then.
   */
  static async start(options: LiveAnalysisOptions): Promise<LiveAnalysis> {
    const file = options.saveTo === undefined ? undefined : (await open(options.saveTo, 'w', 0o600)).createWriteStream();
    const capture = options.backend.start(options.request);
    const live = new LiveAnalysis(options, capture, file);
    try {
      await capture.started;
    } catch (err) {
      await capture.finished;
      if (file) {
        await closeFile(file);
        await unlink(options.saveTo!).catch(() => {});
      }
      throw err;
    }
    live.finalResult = live.run();
    return live;
  }

  /** The final result (result.live.running false) once the capture has stopped and everything is read. */
  get done(): Promise<AnalysisResult> {
    return this.finalResult!;
  }

  private constructor(
    private readonly options: LiveAnalysisOptions,
    private readonly capture: LiveCapture,
    private readonly file: WriteStream | undefined,
  ) {
    this.clock = options.clock ?? wallClock;
    this.startedAt = this.clock();
    this.sourceName = options.saveTo ?? `live:${options.request.interfaces.join('+')}`;
    this.session = new AnalysisSession(options.sides, options.dialogConfig);
    this.feed = this.session.addSource(this.sourceName);
    const reader = new CaptureStreamReader(this.sourceName, this.countingSink(this.feed.sink));
    this.reader = reader;
    const { stream } = capture;
    stream.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.chunkArrivalMs = Date.now();
      if (file?.writable && !file.write(chunk)) {
        // The disk is behind: stop reading, so the capture process waits and its kernel buffer
        // takes up the slack (and counts what it cannot hold), instead of memory growing here.
        stream.pause();
        file.once('drain', () => stream.resume());
      }
      // After a failure the capture is stopping; what still drains is saved but not analyzed.
      if (reader.stopped || this.failure !== undefined) return;
      try {
        reader.push(chunk);
      } catch (err) {
        this.fail(`internal error while analyzing: ${errorText(err)}`);
      }
      if (reader.stopped) this.fail('the capture stream is corrupt (see the capture problems)');
    });
    file?.on('error', (err) => {
      this.fail(`cannot write ${options.saveTo}: ${err.message}`);
      stream.resume();
    });
  }

  /** Everything read so far, concluded now (a snapshot outside the refresh cycle, e.g. for a first frame). */
  current(): AnalysisResult {
    const result = this.session.result(false);
    result.live = this.report(true);
    return result;
  }

  /** Asks the capture to stop; `done` resolves when the last packets are read and concluded. */
  stop(): void {
    this.capture.stop();
  }

  get backendCommand(): string[] {
    return this.capture.command;
  }

  private fail(message: string): void {
    this.failure ??= message;
    this.capture.stop();
  }

  /** Counts frames per interface, names interfaces a classic pcap stream leaves unnamed, keeps the drop counters. */
  private countingSink(sink: CaptureSink): CaptureSink {
    const { interfaces } = this;
    const requested = this.options.request.interfaces;
    return {
      onInterface: (iface: CaptureInterface) => {
        const name = iface.name ?? requested[iface.id] ?? `interface ${iface.id}`;
        interfaces[iface.id] = { report: { name, packets: 0 }, lastSeconds: 0, lastArrivalMs: Date.now() };
        sink.onInterface(iface.name === undefined ? { ...iface, name } : iface);
      },
      onFrame: (frame: Frame) => {
        this.frames++;
        const entry = interfaces[frame.interfaceId];
        if (entry) {
          entry.report.packets++;
          entry.lastSeconds = toSeconds(frame.ts);
          entry.lastArrivalMs = this.chunkArrivalMs;
        }
        sink.onFrame(frame);
      },
      onProblem: (problem) => sink.onProblem(problem),
      onInterfaceStatistics: (stats: InterfaceStatistics) => {
        const entry = interfaces[stats.interfaceId]?.report;
        if (!entry) return;
        if (stats.packetsReceived !== undefined) entry.received = Number(stats.packetsReceived);
        const drops = [stats.packetsDroppedByInterface, stats.packetsDroppedByOs].filter((n) => n !== undefined);
        if (drops.length > 0) entry.dropped = drops.reduce((sum, n) => sum + Number(n), 0);
      },
    };
  }

  private report(running: boolean): LiveCaptureReport {
    const interfaces = this.interfaces.filter(Boolean).map((i) => ({ ...i.report }));
    const known = interfaces.length > 0 && interfaces.every((i) => i.dropped !== undefined);
    return {
      backend: this.capture.backend,
      command: this.capture.command,
      filter: this.options.request.filter,
      savedTo: this.options.saveTo,
      bytes: this.bytes,
      startedAt: this.startedAt,
      stoppedAt: running ? undefined : this.clock(),
      running,
      interfaces,
      packets: this.frames,
      drops: known ? interfaces.reduce((sum, i) => sum + i.dropped!, 0) : undefined,
      error: this.failure,
    };
  }

  /** Capture time every interface has delivered up to (Infinity when all are silent). */
  private settledSeconds(): number {
    const now = Date.now();
    let settled = Infinity;
    for (const entry of this.interfaces) {
      if (entry && now - entry.lastArrivalMs < IDLE_MS) settled = Math.min(settled, entry.lastSeconds);
    }
    return settled;
  }

  private newFindings(findings: Finding[], final: boolean): Finding[] {
    const streamSeconds = Math.max(0, ...this.interfaces.filter(Boolean).map((i) => i.lastSeconds));
    const settled = this.settledSeconds();
    const fresh: Finding[] = [];
    const pending = new Map<string, number>();
    for (const finding of findings) {
      const key = findingKey(finding);
      if (this.reported.has(key)) continue;
      const firstSeen = this.pending.get(key) ?? streamSeconds;
      if (final || settled >= firstSeen + SETTLE_SECONDS) {
        this.reported.add(key);
        fresh.push(finding);
      } else {
        pending.set(key, firstSeen);
      }
    }
    this.pending = pending;
    return fresh;
  }

  private tick(): void {
    try {
      const ageOutMs = this.options.ageOutMs ?? 10_000;
      if (Date.now() - this.lastAgeOut >= ageOutMs) {
        this.lastAgeOut = Date.now();
        this.session.ageOut(this.clock());
      }
      // Nothing new read and no finding waiting for the interfaces to catch up: the previous snapshot stands.
      if (this.frames === this.framesAtLastSnapshot && this.pending.size === 0) return;
      this.framesAtLastSnapshot = this.frames;
      const result = this.current();
      this.options.onSnapshot?.({ result, newFindings: this.newFindings(result.findings, false), final: false });
    } catch (err) {
      this.fail(`internal error while analyzing: ${errorText(err)}`);
    }
  }

  private async run(): Promise<AnalysisResult> {
    const { reader, feed } = this;
    this.timer = setInterval(() => this.tick(), this.options.refreshMs ?? 1000);
    const end = await this.capture.finished;
    clearInterval(this.timer);
    if (end.error) this.failure ??= end.error.message;
    for (const counts of end.reportedCounts) {
      const entry = this.interfaces.find((i) => i?.report.name === counts.interface)?.report;
      if (!entry) continue;
      entry.received ??= counts.received;
      entry.dropped ??= counts.dropped;
    }
    if (this.file) await closeFile(this.file);
    const summary = reader.end();
    const unreadable = summary.format === 'unknown' ? summary.problems.find((p) => p.fatal) : undefined;
    feed.finish({
      path: this.sourceName,
      format: summary.format,
      compressed: false,
      bytes: summary.bytesRead,
      frames: summary.frames,
      interfaces: summary.interfaces,
      error: unreadable && `${this.sourceName}: ${unreadable.message}`,
    });
    const result = this.session.result(true);
    result.live = this.report(false);
    this.options.onSnapshot?.({ result, newFindings: this.newFindings(result.findings, true), final: true });
    return result;
  }
}
