/**
 * Writes the benchmark inputs into bench/out/inputs (git-ignored; a scale other than 1 into a
 * folder of its own below it, see inputDir), deterministically: the same scale gives the same
 * bytes. A manifest records what was written and a hash of the generator, so inputs are only
 * rebuilt when the generator or the scale changes.
 *
 *   rtp-heavy.pcap        a provider-edge capture: calls with G.711 RTP both ways (20 or 30 ms
 *                         packets), a quarter of them from routers whose SIP ALG rewrote them, a
 *                         quarter through a NAT without ALG, the rest from public phones.
 *                         Scale 1: 1,000 calls, ~4.1 million packets, > 1 GiB.
 *   sip-heavy.pcap        the LAN side of one big NAT with a SIP ALG: per subscriber a registration
 *   sip-heavy.pcapng      (REGISTER, 401, REGISTER, 200), an OPTIONS ping and a call (INVITE, 100,
 *                         180, 200, ACK, BYE, 200). Scale 1: 34,000 subscribers, 102,000 dialogs.
 *   sip-heavy-outside.pcap the same traffic on the WAN side, rewritten by the ALG, its clock 250 ms
 *                         ahead; sip-heavy[-outside]-25.pcap and -50.pcap are the first 25 % and
 *                         50 % of the pair (cut at the same message in both files).
 *
 *   npx tsx bench/generate.ts [--scale N]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter, ipv4, type UdpPacket } from './capture-writer.js';
import {
  PROVIDER,
  Prng,
  algRewrite,
  call,
  options,
  registration,
  subscriber,
  type Access,
  type MediaPlan,
  type Step,
  type Subscriber,
} from './scenarios.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const INPUTS = path.join(BENCH_DIR, 'out', 'inputs');

/**
 * Where the inputs of a scale go: scale 1 in bench/out/inputs, any other in a folder of its own
 * below it, so that a quick run at a small scale does not overwrite the full-size inputs (a few
 * minutes to write again).
 */
export function inputDir(scale: number): string {
  return scale === 1 ? INPUTS : path.join(INPUTS, `scale-${scale}`);
}

/** 2023-11-14T22:13:20Z, in microseconds. */
const START_US = 1_700_000_000 * 1e6;
const RTP_CALLS = 1000;
const SIP_SUBSCRIBERS = 34_000;
/** The outside capture's clock runs this far ahead of the inside one (two capture machines). */
const OUTSIDE_CLOCK_OFFSET_US = 250_000;
const RTP_PAYLOAD_TYPE_PCMA = 8;

export interface InputFile {
  path: string;
  bytes: number;
  packets: number;
  sipMessages: number;
  /** Registrations, OPTIONS and calls started (each is a dialog). */
  dialogs: number;
  rtpPackets: number;
}

export interface Inputs {
  generator: string;
  scale: number;
  rtpHeavy: InputFile;
  sipHeavyPcap: InputFile;
  sipHeavyPcapng: InputFile;
  /** The inside/outside pair at 25 %, 50 % and 100 % of the SIP-heavy messages. */
  pairs: { percent: number; inside: InputFile; outside: InputFile }[];
}

// ---- timeline: every packet of every scenario in time order ----

interface Source {
  /** Emits the event due now; returns the time of the next one, or undefined when done. */
  fire(timeUs: number): number | undefined;
}

/** A min-heap of sources by next event time (ties in order of scheduling, so output is deterministic). */
class Timeline {
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private readonly sources: Source[] = [];
  private scheduled = 0;

  schedule(timeUs: number, source: Source): void {
    let i = this.times.length;
    this.times.push(timeUs);
    this.orders.push(this.scheduled++);
    this.sources.push(source);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  run(): void {
    while (this.times.length > 0) {
      const timeUs = this.times[0]!;
      const source = this.sources[0]!;
      const next = source.fire(timeUs);
      if (next === undefined) this.removeTop();
      else {
        this.times[0] = next;
        this.orders[0] = this.scheduled++;
        this.siftDown(0);
      }
    }
  }

  private removeTop(): void {
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.orders.pop();
    this.sources.pop();
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const n = this.times.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.before(right, left) ? right : left;
      if (!this.before(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private before(a: number, b: number): boolean {
    return this.times[a]! < this.times[b]! || (this.times[a] === this.times[b] && this.orders[a]! < this.orders[b]!);
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b]!, this.times[a]!];
    [this.orders[a], this.orders[b]] = [this.orders[b]!, this.orders[a]!];
    [this.sources[a], this.sources[b]] = [this.sources[b]!, this.sources[a]!];
  }
}

/** Starts one scenario every `gapMs`: `build` makes subscriber k's steps (relative to its start). */
class Spawner implements Source {
  private next = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly count: number,
    private readonly gapMs: number,
    private readonly build: (index: number, startMs: number) => Scenario,
  ) {}

  fire(timeUs: number): number | undefined {
    const scenario = this.build(this.next, (timeUs - START_US) / 1000);
    this.timeline.schedule(scenario.first(), scenario);
    this.next++;
    return this.next < this.count ? START_US + this.next * this.gapMs * 1000 : undefined;
  }
}

// ---- capture points ----

interface View {
  writer: CaptureWriter;
  side: 'inside' | 'outside';
  clockOffsetUs: number;
}

const packet: UdpPacket = { timeUs: 0, src: 0, srcPort: 0, dst: 0, dstPort: 0, ttl: 0 };
const PROVIDER_IP = ipv4(PROVIDER.ip);

/** Writes one SIP message at every view: inside with the phone's own addresses, outside as the NAT (and ALG) left it. */
function writeSip(views: View[], sub: Subscriber, fromPhone: boolean, text: string, timeUs: number): void {
  for (const view of views) {
    const inside = view.side === 'inside';
    const phone = inside ? sub.phone : sub.publicSip;
    const bytes = !inside && sub.access === 'alg' ? algRewrite(text, sub) : text;
    const phoneIp = ipv4(phone.ip);
    packet.timeUs = timeUs + view.clockOffsetUs;
    packet.src = fromPhone ? phoneIp : PROVIDER_IP;
    packet.srcPort = fromPhone ? phone.port : PROVIDER.port;
    packet.dst = fromPhone ? PROVIDER_IP : phoneIp;
    packet.dstPort = fromPhone ? PROVIDER.port : phone.port;
    // The router decrements the TTL of what it forwards.
    packet.ttl = fromPhone ? (inside ? 64 : 63) : inside ? 51 : 52;
    view.writer.udp(packet, bytes.length, (buf, at) => {
      buf.write(bytes, at, bytes.length, 'latin1');
    });
  }
}

/** Audio-like payload bytes, sliced per packet (content is irrelevant to every tool measured). */
const NOISE = (() => {
  const rng = new Prng(0x5eed);
  const bytes = Buffer.allocUnsafe(16384);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
  return bytes;
})();

const RTP_HEADER = 12;

/** One direction of a call's RTP: a packet every ptime (plus up to 0.4 ms of send jitter) until the BYE. */
class RtpStream implements Source {
  private seq: number;
  private timestamp: number;
  private sent = 0;
  private readonly startUs: number;
  private readonly endUs: number;
  private readonly payloadLength: number;
  private readonly fill = (buf: Buffer, at: number): void => {
    buf[at] = 0x80;
    buf[at + 1] = (this.sent === 0 ? 0x80 : 0) | RTP_PAYLOAD_TYPE_PCMA;
    buf.writeUInt16BE(this.seq, at + 2);
    buf.writeUInt32BE(this.timestamp >>> 0, at + 4);
    buf.writeUInt32BE(this.ssrc, at + 8);
    NOISE.copy(buf, at + RTP_HEADER, (this.seq * 97) & 8191, ((this.seq * 97) & 8191) + this.payloadLength);
  };

  constructor(
    private readonly view: View,
    private readonly src: number,
    private readonly srcPort: number,
    private readonly dst: number,
    private readonly dstPort: number,
    private readonly ttl: number,
    private readonly ssrc: number,
    private readonly ptimeMs: number,
    startMs: number,
    endMs: number,
    private readonly rng: Prng,
    private readonly counters: { rtpPackets: number },
  ) {
    this.seq = rng.int(0, 65535);
    this.timestamp = rng.int(0, 0xffffffff);
    this.startUs = START_US + startMs * 1000;
    this.endUs = START_US + endMs * 1000;
    this.payloadLength = 8 * ptimeMs;
  }

  fire(timeUs: number): number | undefined {
    packet.timeUs = timeUs + this.view.clockOffsetUs;
    packet.src = this.src;
    packet.srcPort = this.srcPort;
    packet.dst = this.dst;
    packet.dstPort = this.dstPort;
    packet.ttl = this.ttl;
    this.view.writer.udp(packet, RTP_HEADER + this.payloadLength, this.fill);
    this.counters.rtpPackets++;
    this.sent++;
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp += 8 * this.ptimeMs;
    const next = this.startUs + this.sent * this.ptimeMs * 1000 + this.rng.int(0, 400);
    return next < this.endUs ? next : undefined;
  }

  first(): number {
    return this.startUs + this.rng.int(0, 400);
  }
}

/** Fires a subscriber's steps in order; a media step starts the call's two RTP streams. */
class Scenario implements Source {
  private index = 0;

  constructor(
    private readonly steps: Step[],
    private readonly startMs: number,
    private readonly sub: Subscriber,
    private readonly views: View[],
    private readonly timeline: Timeline,
    private readonly rng: Prng,
    private readonly counters: { sipMessages: number; rtpPackets: number; onMessage?: () => void },
  ) {}

  first(): number {
    return this.timeOf(0);
  }

  fire(timeUs: number): number | undefined {
    const step = this.steps[this.index++]!;
    if (step.kind === 'sip') {
      writeSip(this.views, this.sub, step.fromPhone, step.text, timeUs);
      this.counters.sipMessages++;
      this.counters.onMessage?.();
    } else {
      this.startMedia(step.call, step.atMs);
    }
    return this.index < this.steps.length ? this.timeOf(this.index) : undefined;
  }

  private timeOf(index: number): number {
    return START_US + (this.startMs + this.steps[index]!.atMs) * 1000;
  }

  private startMedia(plan: MediaPlan, atMs: number): void {
    for (const view of this.views) {
      const inside = view.side === 'inside';
      const phoneIp = ipv4(inside ? this.sub.phone.ip : this.sub.publicSip.ip);
      const phonePort = inside ? this.sub.phoneRtpPort : this.sub.publicRtpPort;
      const providerIp = ipv4(plan.providerRtp.ip);
      const start = this.startMs + atMs;
      const end = this.startMs + plan.endMs;
      const outbound = new RtpStream(view, phoneIp, phonePort, providerIp, plan.providerRtp.port, inside ? 64 : 63, plan.phoneSsrc, plan.ptimeMs, start + 20, end, this.rng, this.counters);
      const inbound = new RtpStream(view, providerIp, plan.providerRtp.port, phoneIp, phonePort, inside ? 51 : 52, plan.providerSsrc, plan.ptimeMs, start + 25, end, this.rng, this.counters);
      this.timeline.schedule(outbound.first(), outbound);
      this.timeline.schedule(inbound.first(), inbound);
    }
  }
}

function fileInfo(file: string, packets: number, sipMessages: number, dialogs: number, rtpPackets: number): InputFile {
  return { path: file, bytes: statSync(file).size, packets, sipMessages, dialogs, rtpPackets };
}

// ---- the inputs ----

export function generateRtpHeavy(dir: string, scale: number): InputFile {
  const calls = Math.max(4, Math.round(RTP_CALLS * scale));
  const file = path.join(dir, 'rtp-heavy.pcap');
  const writer = new CaptureWriter(file, 'pcap', 'eth0');
  const views: View[] = [{ writer, side: 'outside', clockOffsetUs: 0 }];
  const timeline = new Timeline();
  const counters = { sipMessages: 0, rtpPackets: 0 };
  const accessOf = (k: number): Access => (['alg', 'nat', 'public', 'public'] as const)[k % 4]!;
  timeline.schedule(
    START_US,
    new Spawner(timeline, calls, 100, (k, startMs) => {
      const rng = new Prng(0x1000 + k);
      const sub = subscriber(k, accessOf(k));
      const steps = [
        ...registration(sub, rng, 0),
        ...call(sub, rng, 100, {
          ringMs: rng.int(1000, 4000),
          talkMs: rng.int(35_000, 64_000),
          ptimeMs: k % 2 === 0 ? 20 : 30,
          providerRtpPort: 20000 + 2 * (k % 20000),
          media: true,
        }),
      ];
      return new Scenario(steps, startMs, sub, views, timeline, rng, counters);
    }),
  );
  timeline.run();
  writer.close();
  return fileInfo(file, writer.packets, counters.sipMessages, calls * 2, counters.rtpPackets);
}

/** Subscriber k retransmits its OPTIONS once (no answer within T1): 1 in 50. */
function retransmitsOptions(k: number): boolean {
  return k % 50 === 7;
}

export function generateSipHeavy(dir: string, scale: number): Omit<Inputs, 'generator' | 'scale' | 'rtpHeavy'> {
  const subscribers = Math.max(4, Math.round(SIP_SUBSCRIBERS * scale));
  const dialogs = subscribers * 3;
  let totalMessages = 0;
  for (let k = 0; k < subscribers; k++) totalMessages += 13 + (retransmitsOptions(k) ? 1 : 0);
  const insidePath = path.join(dir, 'sip-heavy.pcap');
  const outsidePath = path.join(dir, 'sip-heavy-outside.pcap');
  const pcapngPath = path.join(dir, 'sip-heavy.pcapng');
  const inside = new CaptureWriter(insidePath, 'pcap', 'lan0');
  const outside = new CaptureWriter(outsidePath, 'pcap', 'wan0');
  const pcapng = new CaptureWriter(pcapngPath, 'pcapng', 'lan0');
  const views: View[] = [
    { writer: inside, side: 'inside', clockOffsetUs: 0 },
    { writer: pcapng, side: 'inside', clockOffsetUs: 0 },
    { writer: outside, side: 'outside', clockOffsetUs: OUTSIDE_CLOCK_OFFSET_US },
  ];
  const cutPercents = [25, 50];
  const cuts: { percent: number; messages: number; insideBytes: number; outsideBytes: number }[] = [];
  const counters = {
    sipMessages: 0,
    rtpPackets: 0,
    onMessage: () => {
      const next = cutPercents[cuts.length];
      if (next !== undefined && counters.sipMessages * 100 >= next * totalMessages) {
        cuts.push({ percent: next, messages: counters.sipMessages, insideBytes: inside.offset, outsideBytes: outside.offset });
      }
    },
  };
  const timeline = new Timeline();
  timeline.schedule(
    START_US,
    new Spawner(timeline, subscribers, 100, (k, startMs) => {
      const rng = new Prng(0x2000 + k);
      const sub = subscriber(k, 'alg');
      const steps = [
        ...registration(sub, rng, 0),
        ...options(sub, rng, 200, retransmitsOptions(k)),
        ...call(sub, rng, 1000, { ringMs: rng.int(1000, 5000), talkMs: rng.int(10_000, 50_000), ptimeMs: 20, providerRtpPort: 20000 + 2 * (k % 20000), media: false }),
      ];
      steps.sort((a, b) => a.atMs - b.atMs);
      return new Scenario(steps, startMs, sub, views, timeline, rng, counters);
    }),
  );
  timeline.run();
  for (const writer of [inside, outside, pcapng]) writer.close();
  if (counters.sipMessages !== totalMessages) throw new Error(`generator wrote ${counters.sipMessages} SIP messages, expected ${totalMessages}`);

  const full = (file: string, writer: CaptureWriter) => fileInfo(file, writer.packets, counters.sipMessages, dialogs, 0);
  const pairs: Inputs['pairs'] = cuts.map((cut) => {
    const prefix = (source: string, bytes: number) => {
      const target = source.replace(/\.pcap$/, `-${cut.percent}.pcap`);
      copyFileSync(source, target);
      truncateSync(target, bytes);
      return fileInfo(target, cut.messages, cut.messages, Math.round((dialogs * cut.percent) / 100), 0);
    };
    return { percent: cut.percent, inside: prefix(insidePath, cut.insideBytes), outside: prefix(outsidePath, cut.outsideBytes) };
  });
  pairs.push({ percent: 100, inside: full(insidePath, inside), outside: full(outsidePath, outside) });
  return { sipHeavyPcap: full(insidePath, inside), sipHeavyPcapng: full(pcapngPath, pcapng), pairs };
}

/** Hash of the generator's own source: inputs from an older generator are rebuilt. */
function generatorHash(): string {
  const hash = createHash('sha256');
  for (const name of ['generate.ts', 'scenarios.ts', 'capture-writer.ts']) hash.update(readFileSync(path.join(BENCH_DIR, name)));
  return hash.digest('hex').slice(0, 16);
}

/** The inputs for `scale`, generated unless the manifest says the same generator already made them. */
export function ensureInputs(scale: number, log: (line: string) => void = () => {}): Inputs {
  const generator = generatorHash();
  const dir = inputDir(scale);
  const manifestFile = path.join(dir, 'manifest.json');
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Inputs;
    const files = [manifest.rtpHeavy, manifest.sipHeavyPcap, manifest.sipHeavyPcapng, ...manifest.pairs.flatMap((p) => [p.inside, p.outside])];
    const intact = files.every((f) => existsSync(f.path) && statSync(f.path).size === f.bytes);
    if (manifest.generator === generator && manifest.scale === scale && intact) return manifest;
  }
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  log(`generating inputs at scale ${scale} into ${dir} ...`);
  const rtpHeavy = generateRtpHeavy(dir, scale);
  log(`  rtp-heavy.pcap: ${(rtpHeavy.bytes / 2 ** 20).toFixed(0)} MiB, ${rtpHeavy.packets} packets (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const sip = generateSipHeavy(dir, scale);
  log(`  sip-heavy: ${sip.sipHeavyPcap.sipMessages} SIP messages, ${sip.sipHeavyPcap.dialogs} dialogs per capture point (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const inputs: Inputs = { generator, scale, rtpHeavy, ...sip };
  writeFileSync(manifestFile, `${JSON.stringify(inputs, null, 2)}\n`);
  return inputs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--scale');
  const scale = at > 0 ? Number(process.argv[at + 1]) : Number(process.env.BENCH_SCALE ?? 1);
  const inputs = ensureInputs(scale, (line) => console.log(line));
  console.log(JSON.stringify(inputs, null, 2));
}
