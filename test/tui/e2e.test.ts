/**
 * The real bundled command in a real terminal (tmux, 120x40) on the lab capture of the Linux kernel
 * SIP ALG: open the TUI, move to the rewritten INVITE, open its message view, and read the private
 * and public Contact side by side off the screen; then quit and get the exit status.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { LAB_INSIDE, LAB_OUTSIDE, haveLabCapture, noLabCaptureReason } from './fixtures.js';

const haveTmux = spawnSync('tmux', ['-V']).status === 0;
const skipReason = !haveTmux ? 'tmux is not installed' : !haveLabCapture ? noLabCaptureReason : '';
// Built inside the repository so that the bundle resolves commander, ink and react from node_modules.
const BUILD_DIR = path.join(repoRoot, 'node_modules/.cache/algscope-tui-e2e');
const SESSION = 'algscope';
// A tmux server of its own (-L): the user's sessions are neither seen nor touched.
const SOCKET = `algscope-tui-e2e-${process.pid}`;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);

async function waitForScreen(pattern: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(skipReason !== '')(`algscope tui in tmux${skipReason ? `: skipped, ${skipReason}` : ''}`, () => {
  let work: string;

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', BUILD_DIR, '--silent'], { cwd: repoRoot, stdio: 'pipe' });
    work = mkdtempSync(path.join(tmpdir(), 'algscope-tui-e2e-'));
  });

  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    rmSync(BUILD_DIR, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the rewritten Contact of the INVITE, private inside and public outside, side by side', async () => {
    const status = path.join(work, 'status');
    const command = `node ${JSON.stringify(path.join(BUILD_DIR, 'cli.js'))} tui --inside ${JSON.stringify(LAB_INSIDE)} --outside ${JSON.stringify(LAB_OUTSIDE)}; echo $? > ${JSON.stringify(status)}`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', command);

    const list = await waitForScreen(/^algscope ALG DETECTED/m, 'the dialog list with its verdict');
    const rows = list.split('\n');
    const inviteRow = rows.findIndex((l) => /^. \S+ INVITE /.test(l));
    const firstRow = rows.findIndex((l) => l.startsWith('▸ '));
    expect(inviteRow).toBeGreaterThan(0);
    for (let i = firstRow; i < inviteRow; i++) tmux('send-keys', '-t', SESSION, 'Down');
    await waitForScreen(/^▸ \S+ INVITE /m, 'the cursor on the INVITE');

    tmux('send-keys', '-t', SESSION, 'Enter');
    const flow = await waitForScreen(/NAT +outside outside\.pcap/, 'the call flow');
    expect(flow).toMatch(/^▸ \+0\.000 .*INVITE \(SDP\).*≠\d+.*INVITE \(SDP\)/m);

    tmux('send-keys', '-t', SESSION, 'Enter');
    const message = await waitForScreen(/Changed by the router/, 'the message view');
    expect(message).toMatch(/^INVITE sip:bob@203\.0\.113\.10:5060 \(CSeq 1 INVITE\)/m);
    expect(message).toMatch(/^Contact\[0\] +sip:alice@192\.168\.10\.2:5060;transport=UDP +sip:alice@203\.0\.113\.1:5060;transport=UDP *$/m);

    tmux('send-keys', '-t', SESSION, 'q', 'q', 'q');
    for (const deadline = Date.now() + 30_000; !existsSync(status) || readFileSync(status, 'utf8') === ''; ) {
      if (Date.now() > deadline) throw new Error('algscope did not exit after q');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(readFileSync(status, 'utf8').trim()).toBe('1');
  });
});
