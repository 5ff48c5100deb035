/**
 * Live capture under load: RTP-shaped UDP (172-byte payloads, many streams, as calls make) sent
 * over a veth pair between two network namespaces at fixed rates, captured on the receiving end
 * by `algscope live` (dumpcap + the whole analysis) and, under the same load, by
 * `tcpdump -w /dev/null`. Reports what the interface received, what each tool captured and what
 * the kernel dropped (algscope: dumpcap's Interface Statistics Block; tcpdump: its closing
 * report), and algscope's peak memory. The load generator stops by itself after --seconds.
 * Needs root, iproute2, dumpcap and tcpdump; the namespaces are removed at the end.
 *
 *   npx tsx bench/live-capture.ts [--rates 20000,50000,65000] [--seconds 10] [--buffer-mib 32] [--senders 1]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NS_CAPTURE = 'alglab-bench-cap';
const NS_LOAD = 'alglab-bench-load';
const CAPTURE_IP = '10.77.0.1';
const LOAD_IP = '10.77.0.2';
const STREAMS = 500;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Generator mode (run inside the load namespace): `rate` packets/s for `seconds`, then exit. */
async function generate(host: string, rate: number, seconds: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(resolve));
  const packet = Buffer.alloc(172);
  packet[0] = 0x80; // RTP version 2
  packet[1] = 8; // PCMA
  const seq = new Uint16Array(STREAMS);
  const total = Math.round(rate * seconds);
  const start = process.hrtime.bigint();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      const due = Math.min(total, Math.floor(elapsed * rate));
      for (let n = 0; sent < due && n < 4000; sent++, n++) {
        const stream = sent % STREAMS;
        packet.writeUInt16BE(seq[stream]!++, 2);
        packet.writeUInt32BE((seq[stream]! * 160) >>> 0, 4);
        packet.writeUInt32BE(0x10000 + stream, 8);
        socket.send(packet, 16000 + 2 * stream, host);
      }
      if (sent < total) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  process.stdout.write(`${JSON.stringify({ sent, seconds: Number(process.hrtime.bigint() - start) / 1e9 })}\n`);
}

function run(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function inNs(ns: string, cmd: string, args: string[], options: { stdio?: 'pipe' } = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function labDown(): void {
  for (const ns of [NS_CAPTURE, NS_LOAD]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

function labUp(): void {
  labDown();
  run('ip', ['netns', 'add', NS_CAPTURE]);
  run('ip', ['netns', 'add', NS_LOAD]);
  run('ip', ['-n', NS_CAPTURE, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', NS_LOAD]);
  run('ip', ['-n', NS_CAPTURE, 'addr', 'add', `${CAPTURE_IP}/24`, 'dev', 'va']);
  run('ip', ['-n', NS_LOAD, 'addr', 'add', `${LOAD_IP}/24`, 'dev', 'vb']);
  for (const [ns, dev] of [[NS_CAPTURE, 'va'], [NS_LOAD, 'vb'], [NS_CAPTURE, 'lo'], [NS_LOAD, 'lo']] as const) run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
}

function rxPackets(): number {
  return Number(run('ip', ['netns', 'exec', NS_CAPTURE, 'cat', '/sys/class/net/va/statistics/rx_packets']).trim());
}

function collect(child: ChildProcess): { out: () => string; err: () => string; exit: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (err += t));
  return { out: () => out, err: () => err, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Peak resident memory of a process, in MiB (VmHWM), or undefined once it is gone. */
function peakRssMiB(pid: number | undefined): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number((Number(match[1]) / 1024).toFixed(1)) : undefined;
  } catch {
    return undefined;
  }
}

interface Measurement {
  tool: string;
  targetPps: number;
  offeredPps: number;
  received: number;
  captured: number;
  dropped: number | null;
  peakRssMiB?: number;
}

async function load(rate: number, seconds: number, senders: number): Promise<{ sent: number; seconds: number }> {
  const generators = Array.from({ length: senders }, () =>
    collect(inNs(NS_LOAD, process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/live-capture.ts'), '--generate', CAPTURE_IP, String(rate / senders), String(seconds)])),
  );
  await Promise.all(generators.map((g) => g.exit));
  const reports = generators.map((g) => JSON.parse(g.out()) as { sent: number; seconds: number });
  return { sent: reports.reduce((n, r) => n + r.sent, 0), seconds: Math.max(...reports.map((r) => r.seconds)) };
}

async function measureAlgscope(rate: number, seconds: number, bufferMiB: number, senders: number): Promise<Measurement> {
  const child = inNs(NS_CAPTURE, process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'live', '-i', 'va', '-f', 'udp', '--buffer-size', String(bufferMiB), '--format', 'json', '--no-tui']);
  const io = collect(child);
  await until(() => io.err().includes('capturing on') || child.exitCode !== null, 'algscope live to start');
  const rxBefore = rxPackets();
  const sent = await load(rate, seconds, senders);
  await new Promise((r) => setTimeout(r, 1000));
  const rx = rxPackets() - rxBefore;
  const peak = peakRssMiB(child.pid);
  child.kill('SIGINT');
  await io.exit;
  const doc = JSON.parse(io.out().trimEnd().split('\n').at(-1)!);
  const iface = doc.live.interfaces[0];
  return { tool: 'algscope live (dumpcap)', targetPps: rate, offeredPps: Math.round(sent.sent / sent.seconds), received: rx, captured: iface.packets, dropped: iface.dropped, peakRssMiB: peak };
}

async function measureTcpdump(rate: number, seconds: number, bufferMiB: number, senders: number): Promise<Measurement> {
  const child = inNs(NS_CAPTURE, 'tcpdump', ['-i', 'va', '-n', '-w', '/dev/null', '-B', String(bufferMiB * 1024), 'udp']);
  const io = collect(child);
  await until(() => io.err().includes('listening on') || child.exitCode !== null, 'tcpdump to start');
  const rxBefore = rxPackets();
  const sent = await load(rate, seconds, senders);
  await new Promise((r) => setTimeout(r, 1000));
  const rx = rxPackets() - rxBefore;
  child.kill('SIGINT');
  await io.exit;
  const count = (what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(io.err())?.[1] ?? NaN);
  return { tool: 'tcpdump -w /dev/null', targetPps: rate, offeredPps: Math.round(sent.sent / sent.seconds), received: rx, captured: count('captured'), dropped: count('dropped by kernel') };
}

async function main(): Promise<void> {
  const g = process.argv.indexOf('--generate');
  if (g >= 0) {
    await generate(process.argv[g + 1]!, Number(process.argv[g + 2]), Number(process.argv[g + 3]));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces and capture)');
  const rates = option('rates', '20000,50000,65000').split(',').map(Number);
  const seconds = Number(option('seconds', '10'));
  const bufferMiB = Number(option('buffer-mib', '32'));
  const senders = Number(option('senders', '1'));
  process.chdir(repoRoot);
  labUp();
  const results: Measurement[] = [];
  try {
    for (const rate of rates) {
      for (const measure of [measureAlgscope, measureTcpdump]) {
        const m = await measure(rate, seconds, bufferMiB, senders);
        results.push(m);
        process.stderr.write(`${JSON.stringify(m)}\n`);
      }
    }
  } finally {
    labDown();
  }
  process.stdout.write(`${JSON.stringify({ seconds, bufferMiB, streams: STREAMS, payloadBytes: 172, cpus: (await import('node:os')).cpus().length, results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  labDown();
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
