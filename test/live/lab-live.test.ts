/**
 * End to end: the namespace NAT lab with the Linux kernel SIP ALG on the router, `algscope live`
 * on both router interfaces (saving with -w) while sipp registers and places a call with media,
 * and tcpdump on the same interfaces as an independent reference. Needs root and the lab's tools;
 * skips with the reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/capture/live/process.js';
import { projectCapture, repoRoot } from '../helpers/paths.js';

const NS = 'alglab-livetest';
const LAB = projectCapture('lab/lab.sh');
const SCENARIOS = projectCapture('lab/scenarios');
const SIPP_AUDIO = '/usr/share/sip-tester/g711a.pcap';
const PHONE = '192.168.10.2';
const PROVIDER = '203.0.113.10';
const labEnv = { ...process.env, ALGLAB_NS: NS, ALGLAB_STATE_DIR: `/tmp/${NS}-state` };

function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'the namespace lab needs root';
  const missing = ['ip', 'nft', 'sipp', 'dumpcap', 'tcpdump', 'tshark', 'editcap'].filter((tool) => !findExecutable(tool));
  if (missing.length > 0) return `not installed: ${missing.join(', ')}`;
  if (!existsSync(SIPP_AUDIO)) return `no ${SIPP_AUDIO} (package sip-tester)`;
  const probe = `alglab-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `network namespaces unavailable: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const unavailable = labUnavailable();

function lab(...args: string[]): string {
  const run = spawnSync(LAB, args, { env: labEnv, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`lab.sh ${args.join(' ')} failed (${run.status}): ${run.stderr}${run.stdout}`);
  return run.stdout;
}

function tshark(file: string, filter: string, ...fields: string[]): string[] {
  const args = ['-r', file, '-Y', filter, ...(fields.length ? ['-T', 'fields', ...fields.flatMap((f) => ['-e', f])] : [])];
  const run = spawnSync('tshark', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.split('\n').filter(Boolean);
}

function sipp(role: 'phone' | 'provider', cwd: string, args: string[]): ChildProcess {
  return spawn(LAB, ['exec', role, 'sipp', ...args, '-nostdin', '-m', '1'], { env: labEnv, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function listening(role: 'provider'): boolean {
  return spawnSync(LAB, ['exec', role, 'ss', '-Hlnu', 'sport = :5060'], { env: labEnv, encoding: 'utf8' }).stdout.trim() !== '';
}

/** Runs one sipp exchange: the provider side in the background, the phone side to completion. */
async function exchange(cwd: string, provider: string[], phone: string[]): Promise<void> {
  const server = sipp('provider', cwd, ['-t', 'u1', '-i', PROVIDER, '-p', '5060', ...provider]);
  await until('sipp listening in the provider namespace', () => listening('provider'));
  const client = sipp('phone', cwd, [`${PROVIDER}:5060`, '-t', 'u1', '-i', PHONE, '-p', '5060', ...phone]);
  expect(await exited(client)).toBe(0);
  expect(await exited(server)).toBe(0);
}

describe.skipIf(unavailable !== undefined)(`algscope live in the NAT lab (${unavailable ?? 'root, namespaces, sipp, dumpcap'})`, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'algscope-lab-live-'));

  beforeAll(() => {
    lab('down');
    lab('up', '--alg', 'on');
  });
  afterAll(() => {
    spawnSync(LAB, ['capture-stop'], { env: labEnv });
    spawnSync(LAB, ['down'], { env: labEnv });
    rmSync(work, { recursive: true, force: true });
  });

  it('finds the kernel ALG while the call runs, and saves exactly what it captured', { timeout: 180_000 }, async () => {
    const saved = path.join(work, 'live.pcapng');
    const reference = path.join(work, 'reference');
    spawnSync('editcap', ['-r', SIPP_AUDIO, path.join(work, 'g711a-3s.pcap'), '1-100']);

    const live = spawn(
      'ip',
      ['netns', 'exec', `${NS}-router`, process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'live', '-i', 'lan0', '-i', 'wan0',
        '--inside-if', 'lan0', '--outside-if', 'wan0', '-f', 'udp or tcp or icmp', '-w', saved, '--format', 'json', '--no-tui'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    live.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    live.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    await until('algscope live to start capturing', () => stderr.includes('capturing on') || live.exitCode !== null, 30_000);
    expect(stderr).toContain('algscope: capturing on lan0, wan0 with');

    lab('capture-start', reference, '--no-pcapng');
    await exchange(work, ['-sf', path.join(SCENARIOS, 'provider-registrar.xml'), '-key', 'expires', '3600'],
      ['-sf', path.join(SCENARIOS, 'phone-register.xml'), '-key', 'expires', '3600']);
    await exchange(work, ['-sf', path.join(SCENARIOS, 'provider-callee.xml'), '-mi', PROVIDER, '-mp', '6000', '-rtp_echo'],
      ['-sf', path.join(SCENARIOS, 'phone-call.xml'), '-mi', PHONE, '-mp', '16000']);
    lab('capture-stop');
    // Findings are printed while capturing: the call's were out before the user stops.
    const foundWhileCapturing = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).rule);

    live.kill('SIGINT');
    const status = await exited(live);
    const lines = stdout.trimEnd().split('\n');
    const doc = JSON.parse(lines.at(-1)!);
    const streamed = lines.slice(0, -1).map((l) => JSON.parse(l));

    // The verdict and the rewriting the kernel ALG does to an outbound call.
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    expect(status).toBe(1);
    expect(doc.verdict).toBe('alg-detected');
    const rules = new Set(doc.findings.map((f: { rule: string }) => f.rule));
    for (const rule of ['via-rewritten', 'contact-rewritten', 'sdp-connection-rewritten']) expect(rules).toContain(rule);
    const key = (f: { rule: string; dialog: string | null }) => `${f.rule}|${f.dialog}`;
    expect(streamed.map(key).sort()).toEqual(doc.findings.map(key).sort());
    expect(foundWhileCapturing).toEqual(expect.arrayContaining(['via-rewritten', 'sdp-connection-rewritten']));
    // Points are listed as first seen, and dumpcap interleaves its interfaces' packets only roughly in time.
    expect(doc.captures.map((c: { interfaceName: string; side: string }) => `${c.interfaceName}:${c.side}`).sort()).toEqual(['lan0:inside', 'wan0:outside']);

    // Counters: nothing dropped, every packet the capture process received was read.
    expect(doc.live.drops).toBe(0);
    expect(doc.live.interfaces.map((i: { name: string }) => i.name)).toEqual(['lan0', 'wan0']);
    for (const iface of doc.live.interfaces) {
      expect(iface.dropped).toBe(0);
      expect(iface.received).toBe(iface.packets);
    }

    // The saved file is the analyzed stream: same size, readable by tshark, same frames.
    expect(statSync(saved).size).toBe(doc.live.bytes);
    expect(tshark(saved, 'frame').length).toBe(doc.live.packets);
    expect(doc.files[0]).toMatchObject({ path: saved, format: 'pcapng', frames: doc.live.packets, problems: [] });
    // ... and it holds what tcpdump saw on each interface, SIP message for SIP message.
    const fields = ['ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'sip.CSeq', 'sip.Status-Line', 'sip.Request-Line'];
    for (const [iface, file] of [['lan0', 'inside.pcap'], ['wan0', 'outside.pcap']]) {
      const referenceSip = tshark(path.join(reference, file), 'sip', ...fields);
      expect(referenceSip.length).toBe(9);
      expect(tshark(saved, `frame.interface_name == "${iface}" && sip`, ...fields)).toEqual(referenceSip);
      expect(tshark(saved, `frame.interface_name == "${iface}" && udp`).length).toBe(tshark(path.join(reference, file), 'udp').length);
    }

    // Analyzing the saved file later gives the same answer.
    const again = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', saved, '--inside-if', 'lan0', '--outside-if', 'wan0', '--format', 'json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(again.status).toBe(1);
    const file = JSON.parse(again.stdout);
    expect(file.findings.map(key).sort()).toEqual(doc.findings.map(key).sort());
    expect(file.stats.packets).toBe(doc.stats.packets);
    expect(readFileSync(saved).subarray(0, 4).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });
});
