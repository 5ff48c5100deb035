/**
 * A large capture is concluded as it is read (finished dialogs judged and forgotten on the way):
 * the result must be the one reading it whole gives. The inputs are the benchmark's synthetic SIP
 * captures at a small scale (a NAT with a SIP ALG, both sides), concluded far more often than real
 * sizes would make it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSipHeavy } from '../../bench/generate.js';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { AnalysisSession, MAX_LISTED_DIALOGS_PER_RULE } from '../../src/analysis/session.js';
import type { SideAssignment } from '../../src/correlate/types.js';
import type { DialogConfig } from '../../src/dialog/types.js';
import { readCapturesInTimeOrder } from '../../src/capture/index.js';
import type { Finding } from '../../src/detect/types.js';
import { analysisJson, analysisJsonText } from '../../src/render/json.js';
import { parsedAgain } from '../../src/sip/index.js';
import { projectCapture } from '../helpers/paths.js';

let dir: string;
let inside: string;
let outside: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'algscope-conclude-'));
  const generated = generateSipHeavy(dir, 0.01);
  inside = generated.sipHeavyPcap.path;
  outside = generated.pairs.at(-1)!.outside.path;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Short retention, so that the minute and a half of capture sees many dialogs concluded; longer
 * idling than any call's talk time (a call without SIP for idleSeconds would be concluded in the
 * middle, and its BYE start a new entry).
 */
const DIALOGS: Partial<DialogConfig> = { retainFinishedSeconds: 5, idleSeconds: 60 };

async function analyze(files: string[], sides: SideAssignment, concludeAboveMessages: number) {
  const session = new AnalysisSession(sides, DIALOGS, { concludeAboveMessages });
  const result = await analyzeCaptures({ files, sides, session });
  return { result, json: analysisJson(result, { name: 'algscope', version: 'test' }) };
}

describe('concluding finished dialogs while reading', () => {
  it('gives the result of reading the pair whole, with every dialog, finding and count', async () => {
    const sides = { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] };
    const whole = await analyze([inside, outside], sides, Number.POSITIVE_INFINITY);
    const concluded = await analyze([inside, outside], sides, 300);
    expect([...whole.result.concludedDialogs!]).toEqual([]);
    expect(concluded.result.concludedDialogs!.length).toBeGreaterThan(300);
    expect(concluded.result.messages.size).toBeLessThan(whole.result.messages.size);
    // The dialogs list is in another order (concluded ones first); everything else is the same.
    const byCallId = (a: { callId: string }, b: { callId: string }) => a.callId.localeCompare(b.callId);
    expect([...concluded.json.dialogs].sort(byCallId)).toEqual([...whole.json.dialogs].sort(byCallId));
    expect({ ...concluded.json, dialogs: [] }).toEqual({ ...whole.json, dialogs: [] });
    expect(whole.json.verdict).toBe('alg-detected');
    expect(whole.json.stats.dialogs).toBe(1020);
    expect(whole.json.correlation.matchedMessages).toBe(4427);
  });

  it('writes the JSON document dialog by dialog, exactly as the whole document would be written', async () => {
    const sides = { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] };
    const session = new AnalysisSession(sides, DIALOGS, { concludeAboveMessages: 300 });
    const result = await analyzeCaptures({ files: [inside, outside], sides, session });
    expect(result.concludedDialogs!.length).toBeGreaterThan(300);
    expect(result.dialogGroups.length).toBeGreaterThan(0);
    const tool = { name: 'algscope', version: 'test' };
    const pieces = [...analysisJsonText(result, tool)];
    expect(pieces.length).toBeGreaterThan(result.concludedDialogs!.length);
    expect(pieces.join('')).toBe(JSON.stringify(analysisJson(result, tool), null, 2));
  });

  it('writes an empty dialog list as the whole document would', async () => {
    // A pcap file header and no packets: nothing to group.
    const empty = path.join(dir, 'empty.pcap');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20);
    writeFileSync(empty, header);
    const result = await analyzeCaptures({ files: [empty], sides: NO_SIDES });
    const tool = { name: 'algscope', version: 'test' };
    const text = [...analysisJsonText(result, tool)].join('');
    expect(text).toContain('"dialogs": []');
    expect(text).toBe(JSON.stringify(analysisJson(result, tool), null, 2));
  });

  it('gives the result of reading one side whole', async () => {
    const sides = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };
    const whole = await analyze([inside], sides, Number.POSITIVE_INFINITY);
    const concluded = await analyze([inside], sides, 300);
    expect(concluded.result.concludedDialogs!.length).toBeGreaterThan(200);
    const byCallId = (a: { callId: string }, b: { callId: string }) => a.callId.localeCompare(b.callId);
    expect([...concluded.json.dialogs].sort(byCallId)).toEqual([...whole.json.dialogs].sort(byCallId));
    expect({ ...concluded.json, dialogs: [] }).toEqual({ ...whole.json, dialogs: [] });
  });

  it('finds every held message by id, at whichever side it was taken, and none it forgot', async () => {
    const sides = { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] };
    const { result } = await analyze([inside, outside], sides, 300);
    expect(result.points).toHaveLength(2);
    // Ids are given in order of arrival across both files: the held ones, and the gaps the forgotten left.
    const ids = result.dialogGroups.flatMap((g) => g.dialogs.flatMap((d) => d.entries.map((e) => (e.kind === 'message' ? e.observed.message.id : e.retransmission.messageId))));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(result.messages.get(id)?.id).toBe(id);
    const forgotten = result.findings.flatMap((f) => f.evidence.flatMap((e) => e.at.map((a) => a.messageId!))).filter((id) => !ids.includes(id));
    expect(forgotten.length).toBeGreaterThan(0);
    for (const id of forgotten) expect(result.messages.get(id)).toBeUndefined();
    expect(result.messages.get(-1)).toBeUndefined();
    expect(result.messages.size).toBe(new Set(ids).size);
  });

  it('parses no message twice: what conclusions read was worked out as the message arrived', async () => {
    const before = parsedAgain();
    const session = new AnalysisSession(NO_SIDES, DIALOGS, { concludeAboveMessages: 300 });
    const result = await analyzeCaptures({ files: [inside], sides: NO_SIDES, session });
    expect(result.concludedDialogs!.length).toBeGreaterThan(200);
    expect(parsedAgain() - before).toBe(0);
  });

  it('parses a message twice at most to compare it with its copy at the other side', async () => {
    const sides = { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] };
    const before = parsedAgain();
    const session = new AnalysisSession(sides, DIALOGS, { concludeAboveMessages: 300 });
    const result = await analyzeCaptures({ files: [inside, outside], sides, session });
    expect(result.concludedDialogs!.length).toBeGreaterThan(200);
    // The first copy of a pair may be parsed again when the second arrives; nothing else is.
    expect(result.stats.matchedMessages).toBeGreaterThan(4000);
    expect(parsedAgain() - before).toBeLessThanOrEqual(result.stats.matchedMessages!);
  });

  it(`lists ${MAX_LISTED_DIALOGS_PER_RULE} dialogs per rule and counts the others in one finding`, async () => {
    const sides = { insideFiles: [inside], outsideFiles: [outside], insideInterfaces: [], outsideInterfaces: [] };
    const { result } = await analyze([inside, outside], sides, 300);
    const via = result.findings.filter((f) => f.rule === 'via-rewritten');
    const listed = via.filter((f) => f.dialog !== undefined);
    const counted = via.filter((f) => f.dialog === undefined);
    expect(listed).toHaveLength(MAX_LISTED_DIALOGS_PER_RULE);
    expect(counted).toHaveLength(1);
    // Every registration, OPTIONS ping and call went through the ALG: one Via finding each.
    expect(counted[0]!.summary).toContain(`also in ${1020 - MAX_LISTED_DIALOGS_PER_RULE} more dialogs`);
    expect(counted[0]!.evidence).toEqual([]);
    // The earliest dialogs are the ones listed.
    const firstTimes = listed.map((f) => f.evidence[0]!.at[0]!.ts.sec + f.evidence[0]!.at[0]!.ts.nsec / 1e9);
    expect(Math.max(...firstTimes)).toBeLessThan(1_700_000_000 + 20);
  });
});

/**
 * Reads the lab captures the way a live capture is read: before every frame, whatever finished
 * more than `retainFinishedSeconds` ago is concluded and forgotten.
 */
async function analyzeAgeingEveryFrame(files: string[], retainFinishedSeconds: number) {
  const session = new AnalysisSession(NO_SIDES, { retainFinishedSeconds });
  const feeds = files.map((file) => session.addSource(file));
  const summaries = await readCapturesInTimeOrder(
    files.map((file, i) => ({
      source: file,
      sink: {
        onInterface: (iface) => feeds[i]!.sink.onInterface(iface),
        onFrame: (frame) => {
          session.ageOut(frame.ts);
          feeds[i]!.sink.onFrame(frame);
        },
        onProblem: (problem) => feeds[i]!.sink.onProblem(problem),
      },
    })),
  );
  for (const [i, file] of files.entries()) {
    const summary = summaries[i]!;
    if (summary instanceof Error) throw summary;
    feeds[i]!.finish({ path: file, format: summary.format, compressed: summary.compressed, bytes: summary.bytesRead, frames: summary.frames, interfaces: summary.interfaces });
  }
  return session.result(true);
}

const NO_SIDES: SideAssignment = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };
const labPair = (scenario: string) => ['inside.pcap', 'outside.pcap'].map((file) => projectCapture(`lab/${scenario}/${file}`));

describe('a registration concluded before the inbound call (kernel NAT lab)', () => {
  it('still shows the pinhole that closed, citing the same frames as reading whole', async () => {
    // The 200 OK to REGISTER comes 8 s before the INVITE: with 2 s retention the registration is
    // concluded and its messages forgotten before the INVITE arrives.
    const files = labPair('inbound-after-expiry-noalg');
    const whole = await analyzeCaptures({ files, sides: NO_SIDES });
    const concluded = await analyzeAgeingEveryFrame(files, 2);
    expect([...concluded.concludedDialogs!].map((d) => d.kind)).toContain('registration');
    expect(concluded.dialogs.points.flatMap((p) => p.dialogs).map((d) => d.kind)).not.toContain('registration');
    const pinhole = (findings: Finding[]) => findings.find((f) => f.rule === 'pinhole-expired');
    expect(pinhole(whole.findings)).toBeDefined();
    expect(pinhole(concluded.findings)).toEqual(pinhole(whole.findings));
    expect(concluded.verdict).toEqual(whole.verdict);
  });

  it('reports no pinhole when the INVITE was answered', async () => {
    const concluded = await analyzeAgeingEveryFrame(labPair('inbound-binding-alive-noalg'), 2);
    expect([...concluded.concludedDialogs!].map((d) => d.kind)).toContain('registration');
    expect(concluded.findings.map((f) => f.rule)).not.toContain('pinhole-expired');
  });
});
