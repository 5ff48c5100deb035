/**
 * What analysing a capture allocates, per packet and per SIP message, by function: V8's sampling
 * heap profiler over a whole analyzeCaptures run, objects collected since included, so it is what
 * the analysis asks of the collector, not what stays. On an RTP capture the per-packet figure is
 * the one to watch: the media path is meant to fold packets in without allocating, and one stray
 * closure there (a context per call) was 40 bytes a packet.
 *
 *   npx tsx bench/analysis-allocation.ts CAPTURE [rows]
 */
import { Session } from 'node:inspector/promises';
import { analyzeCaptures } from '../src/analysis/analyze.js';

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/analysis-allocation.ts CAPTURE [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 20);

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const session = new Session();
session.connect();
// The include* options are newer than Node 20's typings of this method.
const sampling: object = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
await session.post('HeapProfiler.startSampling', sampling);
const result = await analyzeCaptures({ files: [file], sides: { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] } });
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };

const byFunction = new Map<string, number>();
let total = 0;
const walk = (node: ProfileNode): void => {
  const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop() || '(builtin)'}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  node.children.forEach(walk);
};
walk(profile.head);

const { packets, sipMessages } = result.stats;
const per = (bytes: number, n: number) => (n > 0 ? (bytes / n).toFixed(1) : '-');
console.log(`${packets.toLocaleString('en-US')} packets, ${sipMessages.toLocaleString('en-US')} SIP messages, ${(total / 2 ** 20).toFixed(0)} MiB allocated`);
console.log(`${per(total, packets)} B per packet, ${per(total, sipMessages)} B per SIP message\n`);
console.log('     B/packet  B/SIP msg  function');
for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  console.log(`${per(bytes, packets).padStart(13)}  ${per(bytes, sipMessages).padStart(9)}  ${key}`);
}
