import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { findingKey } from '../../src/analysis/session.js';
import type { Finding } from '../../src/detect/types.js';
import { UsageError } from '../../src/cli/exit.js';
import { liveRequest, runLive, type LiveCommandEnv, type LiveCommandOptions } from '../../src/cli/live-command.js';
import { projectCapture } from '../helpers/paths.js';
import { FailingBackend, ReplayBackend } from './fake-backends.js';

/** dumpcap on the lab router's lan0 and wan0 during a call through the kernel SIP ALG (with its ISBs). */
const routerCapture = projectCapture('lab/udp-call-alg/router.pcapng');
const haveRouterCapture = existsSync(routerCapture);
const tmp = mkdtempSync(path.join(tmpdir(), 'algscope-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(overrides: Partial<LiveCommandOptions> = {}): LiveCommandOptions {
  return {
    interface: ['lan0', 'wan0'],
    insideIf: ['lan0'],
    outsideIf: ['wan0'],
    format: 'json',
    tui: false,
    color: false,
    bufferSize: 32,
    retainFinished: 300,
    ...overrides,
  };
}

function testEnv(backend: LiveCommandEnv['backend']) {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (() => void) | undefined;
  const env: LiveCommandEnv = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    stdoutIsTTY: false,
    stdinIsTTY: false,
    onStopRequest(handler) {
      stop = handler;
      return () => {
        stop = undefined;
      };
    },
    backend,
    refreshMs: 1,
  };
  return { env, stdout: () => out.join(''), stderr: () => err.join(''), requestStop: () => stop?.() };
}

describe.skipIf(!haveRouterCapture)(`live command on a replayed capture stream (${routerCapture})`, () => {
  it('prints one JSON line per finding, then the complete analyze document last, saves the exact bytes, and exits 1 for an ALG', async () => {
    const saved = path.join(tmp, 'json.pcapng');
    const io = testEnv(new ReplayBackend(routerCapture, { chunkBytes: 1000 }));
    const status = await runLive(options({ write: saved }), io.env);

    const lines = io.stdout().trimEnd().split('\n');
    const documentLine = JSON.parse(lines.at(-1)!);
    const findingLines = lines.slice(0, -1).map((l) => JSON.parse(l));
    const file = await analyzeCaptures({
      files: [routerCapture],
      sides: { insideFiles: [], outsideFiles: [], insideInterfaces: ['lan0'], outsideInterfaces: ['wan0'] },
    });

    expect(status).toBe(1);
    expect(documentLine.schema).toBe('algscope.analysis/1');
    expect(documentLine.verdict).toBe('alg-detected');
    // The same findings as the file analysis, each streamed exactly once.
    const keyOf = (f: { rule: string; dialog: string | null }) => `${f.rule}|${f.dialog ?? ''}`;
    const expected = file.findings.map((f) => keyOf({ rule: f.rule, dialog: f.dialog ?? null })).sort();
    expect(documentLine.findings.map(keyOf).sort()).toEqual(expected);
    expect(findingLines.map(keyOf).sort()).toEqual(expected);
    expect(findingLines.every((f) => f.schema === undefined && Array.isArray(f.evidence))).toBe(true);

    // Saved byte for byte; frame numbers in the evidence are the saved file's.
    expect(readFileSync(saved).equals(readFileSync(routerCapture))).toBe(true);
    expect(documentLine.files[0].path).toBe(saved);
    expect(documentLine.findings[0].wireshark[0].file).toBe(saved);
    expect(documentLine.live).toMatchObject({
      backend: 'replay',
      savedTo: saved,
      running: false,
      bytes: readFileSync(routerCapture).length,
      packets: file.stats.packets,
      drops: 0,
    });
    expect(documentLine.live.interfaces.map((i: { name: string }) => i.name)).toEqual(['lan0', 'wan0']);
    for (const iface of documentLine.live.interfaces) expect(iface.received).toBe(iface.packets);
    expect(documentLine.captures.map((c: { side: string; sideSource: string }) => `${c.side}/${c.sideSource}`)).toEqual([
      'inside/user-interface',
      'outside/user-interface',
    ]);
    expect(io.stderr()).toMatch(/^algscope: capturing on lan0, wan0 with replay, saving to /);
  });

  it('prints findings as text while capturing and the full report with the live section at the end', async () => {
    const io = testEnv(new ReplayBackend(routerCapture));
    const status = await runLive(options({ format: 'text' }), io.env);
    const text = io.stdout();
    expect(status).toBe(1);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] new finding in dialog /);
    expect(text.indexOf('new finding')).toBeLessThan(text.indexOf('Verdict: ALG DETECTED'));
    expect(text).toContain('Live capture (replay)');
    expect(text).toMatch(/ {2}lan0: \d+ packets \(\d+ received by the capture process\), 0 dropped/);
  });

  it('stops on request: the capture is asked to stop and the final report follows', async () => {
    const backend = new ReplayBackend(routerCapture, { holdOpen: true });
    const io = testEnv(backend);
    const running = runLive(options(), io.env);
    // The stream stays open until stop: wait until the command has registered its stop handler.
    while (!io.stderr().includes('capturing on')) await new Promise((r) => setTimeout(r, 5));
    io.requestStop();
    io.requestStop();
    const status = await running;
    expect(backend.stopCalls).toBe(1);
    expect(status).toBe(1);
    expect(io.stderr()).toContain('algscope: stopping: letting the capture hand over its last packets');
    expect(JSON.parse(io.stdout().trimEnd().split('\n').at(-1)!).verdict).toBe('alg-detected');
  });
});

describe('live command errors: one line, exit status 2', () => {
  it('reports a capture that cannot start without a stack trace, and leaves no save file', async () => {
    const saved = path.join(tmp, 'never.pcapng');
    const io = testEnv(new FailingBackend('no-such-interface', 'no interface named "nosuch0" here (list them with: ip link)'));
    const status = await runLive(options({ interface: ['nosuch0'], insideIf: [], outsideIf: [], write: saved }), io.env);
    expect(status).toBe(2);
    expect(io.stderr()).toBe('algscope: no interface named "nosuch0" here (list them with: ip link)\n');
    expect(io.stdout()).toBe('');
    expect(existsSync(saved)).toBe(false);
  });

  it('reports a save file that cannot be created', async () => {
    const io = testEnv(new ReplayBackend(routerCapture));
    const status = await runLive(options({ write: path.join(tmp, 'no-such-dir', 'x.pcapng') }), io.env);
    expect(status).toBe(2);
    expect(io.stderr()).toMatch(/^algscope: cannot create .*no-such-dir\/x\.pcapng: ENOENT/);
    expect(io.stderr().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('rejects side names that are not captured, given twice, or on both sides', () => {
    expect(() => liveRequest(options({ insideIf: ['eth9'] }))).toThrow(new UsageError('--inside-if eth9 is not one of the captured interfaces (-i lan0 -i wan0)'));
    expect(() => liveRequest(options({ interface: ['lan0', 'lan0'], insideIf: [], outsideIf: [] }))).toThrow('interface lan0 is given twice');
    expect(() => liveRequest(options({ insideIf: ['lan0'], outsideIf: ['lan0'] }))).toThrow('interface lan0 cannot be both --inside-if and --outside-if');
    expect(liveRequest(options({ filter: 'udp', bufferSize: 64 }))).toEqual({ interfaces: ['lan0', 'wan0'], filter: 'udp', bufferMiB: 64 });
  });
});

describe('findings identity', () => {
  it('is the rule and the dialog', () => {
    const base = { title: '', severity: 'critical', confidence: 'high', implies: 'alg', summary: '', explanation: '', advice: '', evidence: [], moreEvidence: 0 } satisfies Omit<Finding, 'rule'>;
    expect(findingKey({ ...base, rule: 'via-rewritten', dialog: 'a' })).toBe(findingKey({ ...base, rule: 'via-rewritten', dialog: 'a', summary: 'more evidence' }));
    expect(findingKey({ ...base, rule: 'via-rewritten', dialog: 'a' })).not.toBe(findingKey({ ...base, rule: 'via-rewritten', dialog: 'b' }));
    expect(findingKey({ ...base, rule: 'via-rewritten' })).not.toBe(findingKey({ ...base, rule: 'contact-rewritten' }));
  });
});
