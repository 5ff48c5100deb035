/**
 * What parsing one SIP message allocates, and how long it takes, on real messages: the first N SIP
 * messages of a capture (framed as an analysis frames them) are parsed again and again in memory.
 * Allocation is counted with V8's sampling heap profiler, objects collected since included, so it
 * is what the parser asks of the collector, not what stays; the time is the fastest of many rounds
 * (the steadiest figure on a busy machine).
 *
 *   npx tsx bench/parse-allocation.ts CAPTURE [messages]
 */
import { Session } from 'node:inspector/promises';
import { readCapture } from '../src/capture/index.js';
import { PacketDecoder } from '../src/decode/index.js';
import { SipFramer, parseSipMessage } from '../src/sip/index.js';
import type { SipMessage } from '../src/sip/types.js';

const [file, count] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/parse-allocation.ts CAPTURE [messages]\n');
  process.exit(2);
}
const limit = Number(count ?? 2000);

const messages: SipMessage[] = [];
const framer = new SipFramer({ onMessage: (msg) => void (messages.length < limit && messages.push(msg)), onKeepalive() {}, onProblem() {} });
const decoder = new PacketDecoder(file, { onPayload: (p) => void framer.onPayload(p), onTcpGap() {}, onTcpStreamEnd() {}, onProblem() {} });
const controller = new AbortController();
await readCapture(file, {
  onInterface: (iface) => decoder.addInterface(iface),
  onFrame: (frame) => (messages.length < limit ? decoder.decode(frame) : controller.abort()),
  onProblem() {},
}, { signal: controller.signal }).catch((err: unknown) => {
  if (!controller.signal.aborted) throw err;
});
// Each message's bytes as the framer handed them over, and its origin: what parseSipMessage is given.
const inputs = messages.map((m) => ({ bytes: new Uint8Array(m.raw), origin: m.origin }));
const parseAll = () => {
  for (let i = 0; i < inputs.length; i++) parseSipMessage(inputs[i]!.bytes, inputs[i]!.origin, i);
};
for (let round = 0; round < 100; round++) parseAll();

const session = new Session();
session.connect();
const ROUNDS = 20;
// The two include flags are newer than Node 20's protocol typings; V8 11 honours them.
const sampling = { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
await session.post('HeapProfiler.startSampling', sampling);
for (let round = 0; round < ROUNDS; round++) parseAll();
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

interface SamplingNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SamplingNode[];
}
const byFunction = new Map<string, number>();
let total = 0;
const walk = (node: SamplingNode): void => {
  const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(src|bench)\//, '$1/')}`.trim();
  byFunction.set(where, (byFunction.get(where) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head as SamplingNode);
const parsed = ROUNDS * inputs.length;

let fastest = Infinity;
for (let round = 0; round < 300; round++) {
  const start = process.hrtime.bigint();
  parseAll();
  fastest = Math.min(fastest, Number(process.hrtime.bigint() - start));
}
const bytes = inputs.reduce((n, m) => n + m.bytes.length, 0);
console.log(`${inputs.length} messages of ${file}, ${Math.round(bytes / inputs.length)} bytes on average`);
console.log(`allocated per message: ${Math.round(total / parsed).toLocaleString('en-US')} bytes`);
console.log(`fastest round: ${(fastest / inputs.length / 1000).toFixed(2)} µs per message`);
for (const [where, size] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${String(Math.round(size / parsed)).padStart(8)} B/msg  ${where}`);
}
