/**
 * The command as a user runs it: a child process, real files, exit status and output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectCapture, repoRoot } from '../helpers/paths.js';

const CLI = path.join(repoRoot, 'src/cli/main.ts');

function algscope(args: string[], input?: Buffer) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: repoRoot, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const lab = (scenario: string, side: 'inside' | 'outside') => projectCapture(`lab/${scenario}/${side}.pcap`);

describe('algscope command line', () => {
  it('prints its version and help', () => {
    const version = algscope(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    const help = algscope(['analyze', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--inside <file>');
  });

  it('exits 1 with the verdict and evidence when the ALG rewrote SIP', () => {
    const run = algscope(['analyze', '--inside', lab('udp-call-alg', 'inside'), '--outside', lab('udp-call-alg', 'outside')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Verdict: ALG DETECTED \(alg-detected\)/);
    expect(run.stdout).toContain('contact-rewritten');
    expect(run.stdout).toMatch(/Wireshark \(inside\.pcap\): frame\.number in \{[\d,]+\}/);
    expect(run.stdout).toContain('Where the SIP ALG setting lives');
  });

  it('exits 0 when the NAT left SIP alone', () => {
    const run = algscope(['analyze', lab('udp-call-noalg', 'inside'), lab('udp-call-noalg', 'outside')]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Verdict: NAT WITHOUT ALG/);
  });

  it('writes one JSON document with the documented top-level fields', () => {
    const run = algscope(['analyze', '--format', 'json', lab('udp-call-alg', 'inside'), lab('udp-call-alg', 'outside')]);
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(Object.keys(doc)).toEqual(['schema', 'tool', 'verdict', 'verdictReason', 'nextSteps', 'findings', 'dialogs', 'captures', 'files', 'correlation', 'stats']);
    expect(doc.schema).toBe('algscope.analysis/1');
    expect(doc.verdict).toBe('alg-detected');
    const finding = doc.findings.find((f: { rule: string }) => f.rule === 'sdp-connection-rewritten');
    expect(finding).toMatchObject({ severity: 'critical', dialog: expect.stringContaining('@192.168.10.2') });
    expect(finding.evidence[0].at.map((a: { side: string }) => a.side)).toEqual(['inside', 'outside']);
    expect(doc.captures.map((c: { side: string; sideSource: string }) => [c.side, c.sideSource])).toEqual([
      ['inside', 'inferred'],
      ['outside', 'inferred'],
    ]);
    expect(doc.dialogs.every((d: { capturePoints: unknown[] }) => d.capturePoints.length === 2)).toBe(true);
  });

  it('reads a capture from standard input', () => {
    const run = algscope(['analyze', '-', '--format', 'json'], readFileSync(lab('udp-call-noalg', 'outside')));
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).stats.sipMessages).toBe(9);
  });

  it('exits 2 naming the file when a capture is missing or not a capture, and still analyzes the rest', () => {
    const run = algscope(['analyze', 'no-such.pcap', path.join(repoRoot, 'README.md'), lab('udp-call-noalg', 'outside')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot read capture "no-such.pcap": no such file');
    expect(run.stderr).toMatch(/README\.md: not a capture file/);
    expect(run.stdout).toContain('9 SIP messages');
  });

  it('exits 2 on a bad option, with one line of explanation', () => {
    const run = algscope(['analyze', '--format', 'xml', lab('udp-call-noalg', 'outside')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("option '--format <format>' argument 'xml' is invalid");
  });
});
