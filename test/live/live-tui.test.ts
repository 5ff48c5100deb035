/**
 * `algscope live` on a terminal (tmux): the same TUI as for files, updating as SIP arrives on lo;
 * q stops the capture and the final report follows on the normal screen.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/capture/live/process.js';
import { repoRoot } from '../helpers/paths.js';

const tmux = findExecutable('tmux');
const dumpcap = findExecutable('dumpcap');
const isRoot = process.getuid?.() === 0;
const reason = !tmux ? 'tmux not installed' : !dumpcap ? 'dumpcap not installed' : !isRoot ? 'capturing on lo needs root' : undefined;
const socket = `algscope-live-tui-${process.pid}`;
const PORT = 15099;

function tmuxRun(...args: string[]): string {
  return spawnSync(tmux!, ['-L', socket, ...args], { encoding: 'utf8' }).stdout;
}

async function screenShows(text: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const screen = tmuxRun('capture-pane', '-p', '-J');
    if (screen.includes(text)) return screen;
    if (Date.now() > deadline) throw new Error(`the screen never showed "${text}":\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sendOptions(callId: string): Promise<void> {
  const message = [
    `OPTIONS sip:probe@127.0.0.1:${PORT} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:15098;branch=z9hG4bK-${callId}`,
    'From: <sip:tester@127.0.0.1>;tag=1',
    `To: <sip:probe@127.0.0.1:${PORT}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const udp = dgram.createSocket('udp4');
  return new Promise((resolve) => udp.send(message, PORT, '127.0.0.1', () => udp.close(() => resolve())));
}

describe.skipIf(reason !== undefined)(`live TUI in a terminal (${reason ?? 'tmux, dumpcap, root'})`, () => {
  afterAll(() => {
    tmuxRun('kill-server');
  });

  it('shows the calls as they arrive, and q stops the capture and prints the report', { timeout: 90_000 }, async () => {
    const command = `cd ${repoRoot} && ${process.execPath} --import tsx src/cli/main.ts live -i lo -f 'udp port ${PORT}'; echo "EXIT=$?"; sleep 60`;
    tmuxRun('new-session', '-d', '-x', '160', '-y', '30', command);
    await screenShows('capturing on lo');
    await sendOptions('live-tui-1');
    const running = await screenShows('OPTIONS');
    expect(running).toMatch(/^algscope .* · 1 SIP · 1 call · 0 findings · capturing on lo: \d+ packets/m);

    tmuxRun('send-keys', 'q');
    const done = await screenShows('EXIT=');
    expect(done).toContain('Verdict: INCONCLUSIVE');
    expect(done).toMatch(/Live capture \(dumpcap\)\n {2}lo: 1 packets \(1 received by the capture process\), 0 dropped/);
    expect(done).toContain('EXIT=0');
  });
});
