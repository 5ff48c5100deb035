/**
 * `--format json`: one document, schema "algscope.analysis/1" (documented in the README). Field
 * names and rule ids are an interface for scripts: add fields freely, never rename or remove.
 * Captured text is written as JSON strings (escaped by JSON itself, not sanitized: scripts get the
 * exact bytes as latin1 text).
 */
import { randomUUID } from 'node:crypto';
import { summarizeGroup } from '../analysis/dialog-groups.js';
import type { AnalysisResult, DialogGroupSummary, LiveCaptureReport } from '../analysis/types.js';
import type { Evidence, Finding } from '../detect/types.js';
import { isoTimestamp } from '../util/time.js';
import { wiresharkFilters } from './evidence-format.js';

export const JSON_SCHEMA_ID = 'algscope.analysis/1';

function evidenceJson(evidence: Evidence) {
  return {
    message: evidence.message,
    callId: evidence.callId,
    field: evidence.field,
    inside: evidence.inside,
    outside: evidence.outside,
    value: evidence.value,
    note: evidence.note,
    at: evidence.at.map((at) => ({
      capturePoint: at.point,
      file: at.source,
      side: at.side,
      frame: at.frame,
      ts: isoTimestamp(at.ts),
      messageId: at.messageId,
      byteOffset: at.span?.offset,
      byteLength: at.span?.length,
    })),
  };
}

export function findingJson(finding: Finding) {
  return {
    rule: finding.rule,
    title: finding.title,
    severity: finding.severity,
    confidence: finding.confidence,
    implies: finding.implies,
    dialog: finding.dialog ?? null,
    summary: finding.summary,
    explanation: finding.explanation,
    advice: finding.advice,
    evidence: finding.evidence.map(evidenceJson),
    moreEvidence: finding.moreEvidence,
    wireshark: wiresharkFilters(finding).map(({ source, filter }) => ({ file: source, filter })),
  };
}

function dialogGroupJson(group: DialogGroupSummary) {
  return {
    callId: group.callId,
    method: group.method,
    kind: group.kind,
    state: group.state,
    from: group.fromUri,
    to: group.toUri,
    findings: group.findings,
    capturePoints: group.points.map((at) => ({
      capturePoint: at.pointKey,
      side: at.side,
      callId: at.callId,
      state: at.state,
      finalStatus: at.finalStatus,
      start: isoTimestamp(at.start),
      answer: at.answerTs && isoTimestamp(at.answerTs),
      end: at.endTs && isoTimestamp(at.endTs),
      messages: at.messages,
      retransmissions: at.retransmissions,
    })),
  };
}

/** `live` (algscope live only): the capture process, the saved file, packets and drops per interface. */
function liveJson(live: LiveCaptureReport) {
  return {
    backend: live.backend,
    command: live.command,
    filter: live.filter ?? null,
    savedTo: live.savedTo ?? null,
    bytes: live.bytes,
    startedAt: isoTimestamp(live.startedAt),
    stoppedAt: live.stoppedAt ? isoTimestamp(live.stoppedAt) : null,
    running: live.running,
    packets: live.packets,
    drops: live.drops ?? null,
    interfaces: live.interfaces.map((i) => ({ name: i.name, packets: i.packets, received: i.received ?? null, dropped: i.dropped ?? null })),
    error: live.error ?? null,
  };
}

export function analysisJson(result: AnalysisResult, tool: { name: string; version: string }) {
  return documentJson(result, tool, [...dialogsJson(result)]);
}

/** What JSON.stringify([[x]], null, 2) writes around x. */
const NESTED_OPEN = '[\n  [\n    ';
const NESTED_CLOSE = '\n  ]\n]';

/**
 * The text of the analysisJson document (JSON.stringify with an indent of 2), in pieces: the
 * dialogs one at a time, so a capture of 100,000 calls never has all of them as objects, or the
 * whole document as one string, at once. Joined, the pieces are exactly that text.
 */
export function* analysisJsonText(result: AnalysisResult, tool: { name: string; version: string }): Generator<string> {
  // Stands for the dialogs in the rest of the document; no capture can carry a fresh random UUID.
  const token = `algscope-dialogs-${randomUUID()}`;
  const placeholder = JSON.stringify(token);
  const rest = JSON.stringify(documentJson(result, tool, token), null, 2);
  const at = rest.indexOf(placeholder);
  yield rest.slice(0, at);
  let count = 0;
  for (const dialog of dialogsJson(result)) {
    // An element of the top-level "dialogs" array sits two levels deep: stringified two levels deep
    // (in two arrays), then cut out of them, it is indented as there without a second pass.
    const nested = JSON.stringify([[dialog]], null, 2);
    yield `${count++ === 0 ? '[\n    ' : ',\n    '}${nested.slice(NESTED_OPEN.length, nested.length - NESTED_CLOSE.length)}`;
  }
  yield count === 0 ? '[]' : '\n  ]';
  yield rest.slice(at + placeholder.length);
}

/** The dialog groups concluded while reading, then those still held, as the document lists them. */
function* dialogsJson(result: AnalysisResult): Generator<ReturnType<typeof dialogGroupJson>> {
  for (const group of result.concludedDialogs ?? []) yield dialogGroupJson(group);
  const sideOf = new Map(result.points.map((p) => [p.ref.key, p.side] as const));
  for (const { dialogs } of result.dialogGroups) {
    yield dialogGroupJson(summarizeGroup(dialogs, (key) => sideOf.get(key) ?? 'unknown', (callId) => result.findingsPerDialog.get(callId) ?? 0));
  }
}

function documentJson<Dialogs>(result: AnalysisResult, tool: { name: string; version: string }, dialogs: Dialogs) {
  return {
    schema: JSON_SCHEMA_ID,
    tool,
    verdict: result.verdict.verdict,
    verdictReason: result.verdict.reason,
    nextSteps: result.verdict.nextSteps,
    findings: result.findings.map(findingJson),
    dialogs,
    captures: result.points.map((p) => ({
      capturePoint: p.ref.key,
      file: p.ref.source,
      interfaceId: p.ref.interfaceId,
      interfaceName: p.interfaceName,
      linuxIfIndex: p.ref.linuxIfIndex,
      side: p.side,
      sideSource: p.sideSource,
      sideReason: p.sideReason,
      sipMessages: p.sipMessages,
    })),
    files: result.files.map((f) => ({
      path: f.path,
      format: f.format,
      compressed: f.compressed,
      bytes: f.bytes,
      frames: f.frames,
      interfaces: f.interfaces.map((i) => ({ id: i.id, name: i.name, description: i.description, linkType: i.linkType, snaplen: i.snaplen })),
      problems: f.problems.map((p) => ({ code: p.code, frame: p.frameNumber, byteOffset: p.byteOffset, message: p.message, fatal: p.fatal })),
      error: f.error,
    })),
    correlation: {
      matchedMessages: result.stats.matchedMessages ?? result.correlation.pairs.length,
      droppedMessages: result.stats.droppedMessages ?? result.correlation.dropped.length,
      clockOffsets: result.correlation.clockOffsets,
    },
    stats: {
      packets: result.stats.packets,
      sipMessages: result.stats.sipMessages,
      retransmissions: result.stats.retransmissions,
      dialogs: result.stats.dialogs,
      rtpPackets: result.stats.rtpPackets,
      skipped: result.stats.skipped,
      malformed: result.stats.malformed,
    },
    live: result.live && liveJson(result.live),
  };
}
