/**
 * The TUI as a user drives it: keys in, frames out (ink-testing-library), at 80x24, for every
 * screen: dialog list (search, filters, sort), call flow, message view, findings, help.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { App } from '../../src/render/tui/App.js';
import { algCall, haveLabCapture, labCall, noLabCaptureReason } from './fixtures.js';

const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  backspace: '\u007f',
  f1: '\u001bOP',
  f2: '\u001bOQ',
  f3: '\u001bOR',
  f7: '\u001b[18~',
};

afterEach(() => cleanup());

function open(result: AnalysisResult = algCall(), options: { width?: number; height?: number; onQuit?: () => void } = {}) {
  const app = render(<App result={result} width={options.width ?? 80} height={options.height ?? 24} color={false} onQuit={options.onQuit} />);
  const frame = () => app.lastFrame() ?? '';
  /** Types keys one by one; Ink handles each within the next event loop turns (a lone Esc one turn later). */
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const see = (pattern: RegExp | string) => vi.waitFor(() => expect(frame()).toMatch(pattern));
  return { app, frame, press, see };
}

const lines = (frame: string) => frame.split('\n');

describe('dialog list', () => {
  it('shows the verdict, one row per call with its badge, and fills exactly 80x24', async () => {
    const { frame, see } = open();
    await see('Calls 2');
    const rows = lines(frame());
    expect(rows).toHaveLength(24);
    expect(rows.every((l) => l.length <= 80)).toBe(true);
    expect(rows[0]).toMatch(/^algscope ALG DETECTED · 8 SIP · 2 calls · 7 findings/);
    expect(rows[3]).toMatch(/^▸ \S+ REGISTER +carol@/);
    expect(rows[4]).toMatch(/^  \S+ INVITE +alice@192\.\S* +bob@\S* +confirmed +3\/2 +in\+out +ALG 7/);
    expect(rows[23]).toMatch(/^Enter flow {2}\/ search/);
  });

  it('searches as you type, keeps the search on Enter and drops it on Esc', async () => {
    const { frame, press, see } = open();
    await press('/', 'c', 'a', 'r');
    await see(/Search: car█/);
    expect(frame()).toContain('Calls 1 of 2 · search "car"');
    expect(frame()).not.toContain('INVITE  ');
    await press(KEY.enter);
    await see(/Enter flow/);
    expect(frame()).toContain('Calls 1 of 2');
    await press(KEY.f3, KEY.backspace, KEY.backspace, KEY.backspace, 'z', 'z', KEY.escape);
    await see('Calls 1 of 2 · search "car"');
  });

  it('filters to calls with findings (f, F7), by method (m), and clears filters (F5)', async () => {
    const { frame, press, see } = open();
    await press('f');
    await see('Calls 1 of 2 · with findings');
    expect(frame()).toMatch(/▸ \S+ INVITE/);
    await press(KEY.f7, 'm');
    await see('Calls 1 of 2 · method INVITE');
    await press('m');
    await see('Calls 1 of 2 · method REGISTER');
    await press('c');
    await see(/^Calls 2$/m);
  });

  it('sorts by the next column with > and reverses with z, keeping the cursor on its call', async () => {
    const { frame, press, see } = open();
    await press(KEY.down);
    await see(/▸ \S+ INVITE/);
    await press('z');
    await see(/time▼/);
    expect(lines(frame())[3]).toMatch(/^▸ \S+ INVITE/);
    await press('>');
    await see(/method▼/);
  });
});

describe('call flow', () => {
  it('draws the ladder of both capture points with the NAT, retransmission, drop and timing', async () => {
    const { frame, press, see } = open();
    await press(KEY.down, KEY.enter);
    await see('inside lan.pcap');
    const rows = lines(frame());
    expect(rows[1]).toMatch(/^INVITE alice@192\.168\.10\.2 → bob@203\.0\.113\.10 · confirmed/);
    expect(rows[2]).toMatch(/inside lan\.pcap +NAT +outside wan\.pcap/);
    const ladder = rows.filter((l) => l.includes('│'));
    expect(ladder[0]).toMatch(/^▸ \+0\.000 +│─+INVITE \(SDP\)─+▶│ +≠6 +│─+INVITE \(SDP\)─+▶│ +!/);
    expect(ladder[1]).toContain('↻ INVITE (SDP)');
    expect(ladder[3]).toMatch(/ACK─+▶│ +✗ /);
    expect(frame()).toContain('changed: Via[0].sent-by, Contact[0]');
    await press(KEY.down, KEY.down, KEY.down);
    await see(/never seen at the outside/);
  });
});

describe('message view', () => {
  it('shows the private and public Contact side by side and the raw copy of either side', async () => {
    const { frame, press, see } = open();
    await press(KEY.down, KEY.enter, KEY.enter);
    await see('Changed by the router: 6 fields');
    expect(frame()).toMatch(/Contact\[0\] +sip:alice@192\.168\.10\.2:5060 +sip:alice@203\.0\.113\.1:5060/);
    expect(frame()).toContain('── raw, inside copy');
    await press(KEY.tab);
    await see('── raw, outside copy');
    await press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down, KEY.down);
    await see(/^Contact: <sip:alice@203\.0\.113\.1:5060>/m);
  });

  it('steps to the next message of the flow with → and back to the ladder on the same row with Esc', async () => {
    const { frame, press, see } = open();
    await press(KEY.down, KEY.enter, KEY.enter, KEY.right, KEY.right);
    await see(/^200 OK \(CSeq 1 INVITE\)/m);
    await press(KEY.escape);
    await see('inside lan.pcap');
    expect(frame()).toMatch(/^▸ \+0\.801/m);
  });

  it('draws a crafted header harmlessly', async () => {
    const { frame, press, see } = open();
    await press(KEY.down, KEY.enter, KEY.enter);
    await see('── raw, inside copy');
    await press(...Array.from({ length: 18 }, () => KEY.down));
    await see('X-Note: red\\x07');
    expect(frame()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('findings', () => {
  it('lists the findings under the verdict and opens the message an evidence item cites', async () => {
    const { frame, press, see } = open();
    await press('v');
    await see(/^ALG DETECTED · SIP was rewritten/m);
    expect(frame()).toMatch(/^▸ ALG +CRIT contact-rewritten \(INVITE\)/m);
    expect(frame()).toContain('Contact[0] inside:  sip:alice@192.168.10.2:5060');
    await press(KEY.down);
    await see(/^▸ ALG\? +CRIT message-dropped \(INVITE\)/m);
    await see('▸ ACK sip:bob@203.0.113.10 (CSeq 1 ACK)');
    await press(KEY.enter);
    await see(/^ACK sip:bob@203\.0\.113\.10 \(CSeq 1 ACK\)/m);
    expect(frame()).toMatch(/Seen at the inside .*never at the outside/);
    await press(KEY.escape);
    await see(/^▸ ALG\? +CRIT message-dropped/m);
  });

  it('opens with F2 from any screen', async () => {
    const { press, see } = open();
    await press(KEY.down, KEY.enter, KEY.f2);
    await see(/^ALG DETECTED · /m);
  });
});

describe('help and quitting', () => {
  it('shows every key on F1 (and h, ?) and closes on any key', async () => {
    const { frame, press, see } = open();
    for (const key of [KEY.f1, 'h', '?']) {
      await press(key);
      await see(/^Keys /m);
      expect(frame()).toMatch(/Dialog list +Enter {2}F4 {2}x/);
      expect(frame()).toMatch(/Findings +↑ ↓ {2}← →/);
      await press('x');
      await see(/^Calls 2/m);
    }
  });

  it('goes back with Esc and q, and quits from the list', async () => {
    const onQuit = vi.fn();
    const { press, see } = open(algCall(), { onQuit });
    await press(KEY.down, KEY.enter, KEY.enter);
    await see('── raw');
    await press('q');
    await see('inside lan.pcap');
    await press(KEY.escape);
    await see(/^Calls 2/m);
    expect(onQuit).not.toHaveBeenCalled();
    await press('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
  });
});

describe.skipIf(!haveLabCapture)(`the lab capture of a real kernel ALG${haveLabCapture ? '' : `: skipped, ${noLabCaptureReason}`}`, () => {
  it('shows the rewritten INVITE and its RTP at 80x24', async () => {
    const { frame, press, see } = open(await labCall());
    await see(/INVITE/);
    const inviteRow = lines(frame()).findIndex((l) => / INVITE /.test(l)) - 3;
    await press(...Array.from({ length: inviteRow }, () => KEY.down), KEY.enter);
    await see(/^RTP/m);
    expect(frame()).toMatch(/^in +audio 192\.168\.10\.2:\d+ → 203\.0\.113\.10:\d+ +100 pkts/m);
    await press(KEY.enter);
    await see(/Contact\[0\] +sip:alice@192\.168\.10\.2:5060; +sip:alice@203\.0\.113\.1:5060;/);
  });
});
