/**
 * SIP stage throughput on a synthetic, SIP-heavy set of messages held in memory:
 * parseSipMessage alone, the UDP framer, TCP framing of the same messages cut into 1400-byte
 * chunks, and the cost of rejecting RTP. Run: npx tsx bench/sip-parse.ts [seconds per case]
 */
import type { TransportPayload } from '../src/decode/types.js';
import { SipFramer, parseSipMessage } from '../src/sip/index.js';
import type { SipOrigin } from '../src/sip/types.js';

const secondsPerCase = Number(process.argv[2] ?? 1);

const point = { key: 'bench#0', source: 'bench', interfaceId: 0 };
const src = { ip: '192.168.1.20', port: 5060 };
const dst = { ip: '203.0.113.5', port: 5060 };
const ts = { sec: 1700000000, nsec: 0 };

function sdp(ip: string, port: number): string {
  return [
    'v=0', `o=- 8000${port} 1 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}

function dialog(n: number): string[] {
  const callId = `${n.toString(16)}a84b4c76e66710@192.168.1.20`;
  const via = `Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK${n}x;rport`;
  const from = `From: "Alice ${n}" <sip:alice@example.com>;tag=${n}f`;
  const to = 'To: <sip:bob@example.com>';
  const common = (cseq: string) => [via, 'Max-Forwards: 70', from, to, `Call-ID: ${callId}`, `CSeq: ${cseq}`];
  const withBody = (lines: string[], body: string) => [...lines, 'Content-Type: application/sdp', `Content-Length: ${body.length}`, '', body].join('\r\n');
  const noBody = (lines: string[]) => [...lines, 'Content-Length: 0', '', ''].join('\r\n');
  const contact = 'Contact: <sip:alice@192.168.1.20:5060;transport=udp>';
  const offer = sdp('192.168.1.20', 10000 + (n % 5000) * 2);
  const answer = sdp('203.0.113.5', 20000 + (n % 5000) * 2);
  return [
    noBody(['REGISTER sip:example.com SIP/2.0', ...common('1 REGISTER'), contact, 'Expires: 3600', 'User-Agent: bench/1.0']),
    noBody(['SIP/2.0 401 Unauthorized', ...common('1 REGISTER'), 'WWW-Authenticate: Digest realm="example.com", nonce="abc123", qop="auth"']),
    withBody(['INVITE sip:bob@example.com SIP/2.0', ...common('1 INVITE'), contact, 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS'], offer),
    noBody(['SIP/2.0 100 Trying', ...common('1 INVITE')]),
    noBody(['SIP/2.0 180 Ringing', ...common('1 INVITE').map((l) => (l.startsWith('To:') ? `${l};tag=${n}t` : l))]),
    withBody(['SIP/2.0 200 OK', ...common('1 INVITE').map((l) => (l.startsWith('To:') ? `${l};tag=${n}t` : l)), 'Contact: <sip:bob@203.0.113.5>', 'Record-Route: <sip:proxy.example.com;lr>'], answer),
    noBody(['ACK sip:bob@203.0.113.5 SIP/2.0', ...common('1 ACK')]),
    noBody(['BYE sip:bob@203.0.113.5 SIP/2.0', ...common('2 BYE')]),
    noBody(['SIP/2.0 200 OK', ...common('2 BYE')]),
    noBody(['OPTIONS sip:bob@203.0.113.5 SIP/2.0', ...common('3 OPTIONS'), 'Accept: application/sdp']),
  ];
}

const messages = Array.from({ length: 100 }, (_, n) => dialog(n)).flat().map((text) => new Uint8Array(Buffer.from(text, 'latin1')));
const totalBytes = messages.reduce((n, m) => n + m.length, 0);

function udpPayload(data: Uint8Array, frameNumber: number): TransportPayload {
  return { transport: 'udp', point, src, dst, ts, data, segments: [{ frameNumber, frameOffset: 42, payloadOffset: 0, length: data.length }], ttl: 64, tunnelled: false };
}

function origin(length: number): SipOrigin {
  return { point, transport: 'udp', src, dst, ts, ttl: 64, segments: [{ frameNumber: 1, frameOffset: 42, payloadOffset: 0, length }], frames: [1] };
}

/**
 * Run `round` (which handles `perRound` items) repeatedly for the configured time and print
 * items per second of wall time, per second of this process's CPU time, and in the fastest round
 * (the steadiest figure on a busy machine: a round another process slowed down is not the fastest).
 */
function measure(name: string, perRound: number, unit: string, round: () => void): void {
  // Warm up for a fraction of the budget so the JIT has settled before timing.
  const warmUntil = process.hrtime.bigint() + BigInt(Math.round(secondsPerCase * 2e8));
  while (process.hrtime.bigint() < warmUntil) round();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const budget = BigInt(Math.round(secondsPerCase * 1e9));
  let rounds = 0;
  let fastest = Infinity;
  for (let now = start; now - start < budget; rounds++) {
    round();
    const after = process.hrtime.bigint();
    fastest = Math.min(fastest, Number(after - now) / 1e9);
    now = after;
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const format = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(
    `${name.padEnd(34)} ${format((rounds * perRound) / wall)} ${unit}/s wall ${format((rounds * perRound) / cpuSeconds)} ${unit}/s CPU ${format(perRound / fastest)} ${unit}/s in the fastest round`,
  );
}

const noop = { onMessage: () => {}, onKeepalive: () => {}, onProblem: () => {} };
console.log(`${messages.length} messages, ${(totalBytes / messages.length).toFixed(0)} bytes on average`);

measure('parseSipMessage', messages.length, 'messages', () => {
  for (let i = 0; i < messages.length; i++) parseSipMessage(messages[i], origin(messages[i].length), i);
});

const datagrams = messages.map((m, i) => udpPayload(m, i + 1));
measure('SipFramer, UDP', datagrams.length, 'messages', () => {
  const framer = new SipFramer(noop);
  for (const d of datagrams) framer.onPayload(d);
});

const stream = new Uint8Array(totalBytes);
messages.reduce((at, m) => (stream.set(m, at), at + m.length), 0);
const chunks: TransportPayload[] = [];
for (let at = 0, frame = 1; at < stream.length; at += 1400, frame++) {
  const data = stream.subarray(at, Math.min(stream.length, at + 1400));
  chunks.push({ ...udpPayload(data, frame), transport: 'tcp', streamId: 'bench', streamOffset: at, segments: [{ frameNumber: frame, frameOffset: 54, payloadOffset: 0, length: data.length }] });
}
measure('SipFramer, TCP (1400-byte chunks)', messages.length, 'messages', () => {
  const framer = new SipFramer(noop);
  for (const c of chunks) framer.onPayload(c);
  framer.finish();
});

const rtp = Array.from({ length: 1000 }, (_, i) => {
  const data = new Uint8Array(172);
  data[0] = 0x80;
  data[1] = 0x08;
  data[3] = i & 0xff;
  return udpPayload(data, i + 1);
});
measure('SipFramer, RTP rejected', rtp.length, 'payloads', () => {
  const framer = new SipFramer(noop);
  for (const p of rtp) framer.onPayload(p);
});
