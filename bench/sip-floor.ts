/**
 * What the least a JavaScript SIP parse+group can do costs on this machine: the floor under
 * issue 3's parse+group figure, as bench/js-read-floor.ts is the floor under the RTP-heavy one.
 *
 *   npx tsx bench/sip-floor.ts bench/out/inputs/sip-heavy.pcap
 *
 * Classic pcap, Ethernet, IPv4, UDP only. Each level does what the one before does, and more:
 *   records  walks the record headers;
 *   scan     finds, in each UDP payload's bytes, the start line and the Call-ID, CSeq, top Via
 *            branch, From tag and To tag (long and compact header names), cutting nothing;
 *   group    also files each message under its dialog (Call-ID and From tag) and its transaction
 *            (branch and CSeq method) in Maps keyed by 32-bit hashes of those bytes;
 *   strings  groups by string keys instead, cut from the bytes as algscope keys them.
 * Nothing here keeps a message, builds a header object, parses a URI, a Via, a Contact or SDP,
 * judges anything or writes output: every real parse+group does more. Each level runs three times
 * (the first warms the page cache); the fastest is printed.
 */
import { forEachRecord } from './pcap-records.js';

const LEVELS = ['records', 'scan', 'group', 'strings'] as const;
type Level = (typeof LEVELS)[number];

/** Where the identifying fields of one message are in the chunk (-1: absent). */
interface Fields {
  response: boolean;
  callId: number;
  callIdEnd: number;
  cseqMethod: number;
  cseqMethodEnd: number;
  branch: number;
  branchEnd: number;
  fromTag: number;
  fromTagEnd: number;
  toTag: number;
  toTagEnd: number;
}

function fnv(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Whether buf[at..] starts with `word` (lower-case ASCII), in any case. */
function startsWithWord(buf: Buffer, at: number, end: number, word: string): boolean {
  if (end - at < word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(buf[at + i]!) !== word.charCodeAt(i)) return false;
  return true;
}

/** Where the value of parameter `name` (as ";name=") is in buf[start..end), as [from, to); [-1, -1] when absent. */
function paramIn(buf: Buffer, start: number, end: number, name: string): [number, number] {
  for (let i = start; i < end; i++) {
    if (buf[i] !== 0x3b) continue;
    let p = i + 1;
    while (p < end && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
    if (!startsWithWord(buf, p, end, name)) continue;
    p += name.length;
    while (p < end && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
    if (buf[p] !== 0x3d) continue;
    p++;
    let e = p;
    while (e < end && buf[e] !== 0x3b && buf[e] !== 0x2c && buf[e] !== 0x3e && buf[e] !== 0x20 && buf[e] !== 0x0d) e++;
    return [p, e];
  }
  return [-1, -1];
}

/** Fills `f` from the SIP message in buf[start..end); false when the payload is not SIP. */
function scan(buf: Buffer, start: number, end: number, f: Fields): boolean {
  f.callId = f.cseqMethod = f.branch = f.fromTag = f.toTag = -1;
  if (startsWithWord(buf, start, end, 'sip/2.0 ')) {
    f.response = true;
  } else {
    let lf = start;
    while (lf < end && buf[lf] !== 0x0a) lf++;
    if (lf - start < 10 || !startsWithWord(buf, lf - 8, end, 'sip/2.0')) return false;
    f.response = false;
  }
  let pos = start;
  while (pos < end && buf[pos] !== 0x0a) pos++;
  pos++;
  while (pos < end) {
    let lineEnd = pos;
    while (lineEnd < end && buf[lineEnd] !== 0x0a) lineEnd++;
    const valueEnd = lineEnd > pos && buf[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (valueEnd === pos) break; // the blank line
    let colon = pos;
    while (colon < valueEnd && buf[colon] !== 0x3a) colon++;
    let nameEnd = colon;
    while (nameEnd > pos && (buf[nameEnd - 1] === 0x20 || buf[nameEnd - 1] === 0x09)) nameEnd--;
    let value = colon + 1;
    while (value < valueEnd && (buf[value] === 0x20 || buf[value] === 0x09)) value++;
    const length = nameEnd - pos;
    const first = lower(buf[pos]!);
    if ((length === 7 && startsWithWord(buf, pos, nameEnd, 'call-id')) || (length === 1 && first === 0x69)) {
      f.callId = value;
      f.callIdEnd = valueEnd;
    } else if (length === 4 && startsWithWord(buf, pos, nameEnd, 'cseq')) {
      let m = value;
      while (m < valueEnd && buf[m] !== 0x20) m++;
      f.cseqMethod = m + 1;
      f.cseqMethodEnd = valueEnd;
    } else if (f.branch < 0 && ((length === 3 && startsWithWord(buf, pos, nameEnd, 'via')) || (length === 1 && first === 0x76))) {
      [f.branch, f.branchEnd] = paramIn(buf, value, valueEnd, 'branch');
    } else if ((length === 4 && startsWithWord(buf, pos, nameEnd, 'from')) || (length === 1 && first === 0x66)) {
      [f.fromTag, f.fromTagEnd] = paramIn(buf, value, valueEnd, 'tag');
    } else if ((length === 2 && startsWithWord(buf, pos, nameEnd, 'to')) || (length === 1 && first === 0x74)) {
      [f.toTag, f.toTagEnd] = paramIn(buf, value, valueEnd, 'tag');
    }
    pos = lineEnd + 1;
  }
  return f.callId >= 0;
}

interface Counts {
  packets: number;
  messages: number;
  dialogs: number;
  transactions: number;
}

function walk(path: string, level: Level): Counts {
  const fields: Fields = { response: false, callId: -1, callIdEnd: -1, cseqMethod: -1, cseqMethodEnd: -1, branch: -1, branchEnd: -1, fromTag: -1, fromTagEnd: -1, toTag: -1, toTagEnd: -1 };
  const dialogsByHash = new Map<number, number>();
  const transactionsByHash = new Map<number, number>();
  const dialogsByString = new Map<string, number>();
  const transactionsByString = new Map<string, number>();
  const counts: Counts = { packets: 0, messages: 0, dialogs: 0, transactions: 0 };
  counts.packets = forEachRecord(path, (buf, data, captured) => {
    if (level === 'records' || buf[data + 12] !== 0x08 || buf[data + 13] !== 0x00 || buf[data + 23] !== 17) return;
    const payload = data + 14 + (buf[data + 14]! & 15) * 4 + 8;
    if (!scan(buf, payload, data + captured, fields)) return;
    counts.messages++;
    if (level === 'group') {
      const dialogTag = fields.fromTag >= 0 ? fnv(buf, fields.fromTag, fields.fromTagEnd) : 0;
      const dialogKey = (Math.imul(fnv(buf, fields.callId, fields.callIdEnd), 31) ^ dialogTag) >>> 0;
      dialogsByHash.set(dialogKey, (dialogsByHash.get(dialogKey) ?? 0) + 1);
      const method = fields.cseqMethod >= 0 ? fnv(buf, fields.cseqMethod, fields.cseqMethodEnd) : 0;
      const transactionKey = (Math.imul(fields.branch >= 0 ? fnv(buf, fields.branch, fields.branchEnd) : 0, 31) ^ method) >>> 0;
      transactionsByHash.set(transactionKey, (transactionsByHash.get(transactionKey) ?? 0) + 1);
    } else if (level === 'strings') {
      const callId = buf.toString('latin1', fields.callId, fields.callIdEnd);
      const fromTag = fields.fromTag >= 0 ? buf.toString('latin1', fields.fromTag, fields.fromTagEnd) : '';
      const dialogKey = `D|${callId}|${fromTag}`;
      dialogsByString.set(dialogKey, (dialogsByString.get(dialogKey) ?? 0) + 1);
      const branch = fields.branch >= 0 ? buf.toString('latin1', fields.branch, fields.branchEnd) : '';
      const method = fields.cseqMethod >= 0 ? buf.toString('latin1', fields.cseqMethod, fields.cseqMethodEnd) : '';
      const transactionKey = `${branch}|${method}`;
      transactionsByString.set(transactionKey, (transactionsByString.get(transactionKey) ?? 0) + 1);
    }
  });
  counts.dialogs = dialogsByHash.size + dialogsByString.size;
  counts.transactions = transactionsByHash.size + transactionsByString.size;
  return counts;
}

const path = process.argv[2];
if (path === undefined) {
  console.error('usage: npx tsx bench/sip-floor.ts CAPTURE.pcap');
  process.exit(2);
}
for (const level of LEVELS) {
  let best = Infinity;
  let counts: Counts = { packets: 0, messages: 0, dialogs: 0, transactions: 0 };
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    counts = walk(path, level);
    best = Math.min(best, performance.now() - start);
  }
  const perMessage = counts.messages > 0 ? `, ${((best * 1000) / counts.messages).toFixed(2)} µs per message` : '';
  const grouped = level === 'group' || level === 'strings' ? `, ${counts.dialogs.toLocaleString('en-US')} dialogs, ${counts.transactions.toLocaleString('en-US')} transactions` : '';
  console.log(`${level.padEnd(8)} ${(best / 1000).toFixed(3)} s  ${counts.packets.toLocaleString('en-US')} packets, ${counts.messages.toLocaleString('en-US')} SIP messages${grouped}${perMessage}`);
}
