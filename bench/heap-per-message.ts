/**
 * What one held SIP message costs in heap: reads the first N SIP messages into an analysis that
 * never concludes, then counts the live heap by object kind (heap snapshot). With --inside and
 * --outside the two captures are read as \`algscope analyze --inside A --outside B\` reads them: in
 * time order, each copy compared with the other side's.
 *   npx tsx bench/heap-per-message.ts FILE [messages]
 *   npx tsx bench/heap-per-message.ts --inside A --outside B [messages]
 */
import v8 from 'node:v8';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCapturesInTimeOrder } from '../src/capture/index.js';
import { AnalysisSession } from '../src/analysis/session.js';

const USAGE = 'usage: tsx bench/heap-per-message.ts FILE [messages] | --inside A --outside B [messages]';
const args = process.argv.slice(2);
const pair = args[0] === '--inside';
if (pair && args[2] !== '--outside') throw new Error(USAGE);
const files = pair ? [args[1], args[3]] : [args[0]];
if (files.some((f) => f === undefined)) throw new Error(USAGE);
const limit = Number((pair ? args[4] : args[1]) ?? 20000);
const sides = { insideFiles: pair ? [files[0]!] : [], outsideFiles: pair ? [files[1]!] : [], insideInterfaces: [], outsideInterfaces: [] };
const session = new AnalysisSession(sides, {}, { concludeAboveMessages: Infinity });
const controller = new AbortController();
const sources = files.map((source) => {
  const feed = session.addSource(source!);
  const sink = { ...feed.sink };
  sink.onFrame = (frame) => {
    if (session.sipMessageCount >= limit) return controller.abort();
    feed.sink.onFrame(frame);
  };
  return { source: source!, sink };
});
await readCapturesInTimeOrder(sources, { signal: controller.signal }).catch(() => undefined);
const dir = mkdtempSync(path.join(tmpdir(), 'algscope-heap-'));
const snapshotPath = v8.writeHeapSnapshot(path.join(dir, 'held.heapsnapshot'));
const snap = JSON.parse(readFileSync(snapshotPath, 'utf8'));
rmSync(dir, { recursive: true });
const meta = snap.snapshot.meta;
const fields = meta.node_fields.length;
const types = meta.node_types[0];
const byKind = new Map<string, { count: number; bytes: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += fields) {
  const type = types[snap.nodes[i]];
  const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + 1]] : type;
  const size = snap.nodes[i + 3];
  total += size;
  const entry = byKind.get(name) ?? { count: 0, bytes: 0 };
  entry.count++;
  entry.bytes += size;
  byKind.set(name, entry);
}
// Plain objects by their property names, and arrays by what holds them: what the kinds above are.
const edgeFields = snap.snapshot.meta.edge_fields.length;
const edgeTypes = snap.snapshot.meta.edge_types[0];
const shapes = new Map<string, { count: number; bytes: number }>();
const holders = new Map<string, { count: number; bytes: number }>();
const nodeCount = snap.nodes.length / fields;
const firstEdge = new Int32Array(nodeCount + 1);
for (let n = 0, e = 0; n < nodeCount; n++) {
  firstEdge[n] = e;
  e += snap.nodes[n * fields + 4] * edgeFields;
}
firstEdge[nodeCount] = snap.edges.length;
const tally = (map: Map<string, { count: number; bytes: number }>, key: string, bytes: number) => {
  const entry = map.get(key) ?? { count: 0, bytes: 0 };
  entry.count++;
  entry.bytes += bytes;
  map.set(key, entry);
};
for (let n = 0; n < nodeCount; n++) {
  const type = types[snap.nodes[n * fields]];
  const name = snap.strings[snap.nodes[n * fields + 1]];
  if (type !== 'object') continue;
  const props: string[] = [];
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += edgeFields) {
    const edgeType = edgeTypes[snap.edges[e]];
    const target = snap.edges[e + 2] / fields;
    if (edgeType === 'property') props.push(String(snap.strings[snap.edges[e + 1]]));
    if (edgeType === 'internal' && types[snap.nodes[target * fields]] === 'array') {
      tally(holders, `${name}.${snap.strings[snap.edges[e + 1]]}`, snap.nodes[target * fields + 3]);
    }
  }
  if (name === 'Object') tally(shapes, `{${props.slice(0, 8).join(',')}}`, snap.nodes[n * fields + 3]);
}
// Arrays by the property that refers to them, with their elements' size: which lists cost what.
const arrays = new Map<string, { count: number; bytes: number }>();
const elementsOf = new Map<number, number>();
const isArray = (n: number) => types[snap.nodes[n * fields]] === 'object' && snap.strings[snap.nodes[n * fields + 1]] === 'Array';
for (let n = 0; n < nodeCount; n++) {
  if (!isArray(n)) continue;
  let bytes = snap.nodes[n * fields + 3];
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += edgeFields) {
    const target = snap.edges[e + 2] / fields;
    if (edgeTypes[snap.edges[e]] === 'internal' && snap.strings[snap.edges[e + 1]] === 'elements') bytes += snap.nodes[target * fields + 3];
  }
  elementsOf.set(n, bytes);
}
for (let n = 0; n < nodeCount; n++) {
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += edgeFields) {
    const target = snap.edges[e + 2] / fields;
    const bytes = elementsOf.get(target);
    if (bytes === undefined || edgeTypes[snap.edges[e]] !== 'property') continue;
    tally(arrays, `${snap.strings[snap.nodes[n * fields + 1]]}.${snap.strings[snap.edges[e + 1]]}`, bytes);
  }
}
// Strings by the first property or element that refers to them (a cons or sliced string's parts
// by the string holding them): which values cost what.
const strings = new Map<string, { count: number; bytes: number }>();
const stringTyped = (n: number) => String(types[snap.nodes[n * fields]]).includes('string');
const tallied = new Uint8Array(nodeCount);
for (let n = 0; n < nodeCount; n++) {
  const holder = stringTyped(n) ? types[snap.nodes[n * fields]] : snap.strings[snap.nodes[n * fields + 1]];
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += edgeFields) {
    const target = snap.edges[e + 2] / fields;
    if (!stringTyped(target) || tallied[target]) continue;
    const edgeType = edgeTypes[snap.edges[e]];
    const edgeName = edgeType === 'element' ? '[]' : snap.strings[snap.edges[e + 1]];
    tallied[target] = 1;
    tally(strings, `${holder}.${edgeName} (${types[snap.nodes[target * fields]]})`, snap.nodes[target * fields + 3]);
  }
}
const messages = session.sipMessageCount;
const top = (map: Map<string, { count: number; bytes: number }>, title: string) => {
  console.log(title);
  for (const [key, e] of [...map].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(process.env.HEAP_ROWS ?? 15))) {
    console.log(`${String(Math.round(e.bytes / messages)).padStart(6)} B/msg ${(e.count / messages).toFixed(2).padStart(7)} /msg  ${key.slice(0, 110)}`);
  }
};
top(shapes, 'plain objects by property names');
top(holders, 'array stores by holder');
top(arrays, 'arrays (with their elements) by the property holding them');
top(strings, 'strings by the property or element first referring to them');
console.log(`${messages} messages held, heap ${(total / 2 ** 20).toFixed(1)} MiB, ${Math.round(total / messages)} bytes per message`);
for (const [name, e] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12)) {
  console.log(`${String(Math.round(e.bytes / messages)).padStart(6)} B/msg ${(e.count / messages).toFixed(2).padStart(7)} /msg  ${name}`);
}
