/**
 * What the least a JavaScript reader of a classic pcap can do costs on this machine: the floor
 * under algscope's RTP-heavy figure, beside `cat` (the floor of reading the file at all).
 *
 *   npx tsx bench/js-read-floor.ts bench/out/inputs/rtp-heavy.pcap
 *
 * "records" walks the record headers only; "streams" also finds each IPv4/UDP packet's stream in a
 * Map by its ports and counts it, about the least any RTP accounting does per packet. Each runs
 * three times (the first warms the page cache); the fastest is printed.
 */
import { forEachRecord } from './pcap-records.js';

interface StreamCount {
  packets: number;
  bytes: number;
  lastSeq: number;
}

function walk(path: string, countStreams: boolean): { packets: number; streams: number } {
  const streams = new Map<number, StreamCount>();
  const packets = forEachRecord(
    path,
    countStreams
      ? (buf, data, captured) => {
          // Ethernet, IPv4, UDP: the ports as one int32 key, the RTP sequence number after them.
          if (buf[data + 12] !== 0x08 || buf[data + 13] !== 0x00 || buf[data + 23] !== 17) return;
          const udp = data + 14 + (buf[data + 14]! & 15) * 4;
          const key = (buf.readUInt16BE(udp) << 16) | buf.readUInt16BE(udp + 2);
          let stream = streams.get(key);
          if (stream === undefined) streams.set(key, (stream = { packets: 0, bytes: 0, lastSeq: 0 }));
          stream.packets++;
          stream.bytes += captured;
          stream.lastSeq = buf.readUInt16BE(udp + 10);
        }
      : () => {},
  );
  return { packets, streams: streams.size };
}

const path = process.argv[2];
if (path === undefined) {
  console.error('usage: npx tsx bench/js-read-floor.ts CAPTURE.pcap');
  process.exit(2);
}
for (const [label, countStreams] of [['records', false], ['streams', true]] as const) {
  let best = Infinity;
  let result = { packets: 0, streams: 0 };
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    result = walk(path, countStreams);
    best = Math.min(best, performance.now() - start);
  }
  console.log(`${label.padEnd(8)} ${(best / 1000).toFixed(3)} s  ${result.packets.toLocaleString('en-US')} packets${countStreams ? `, ${result.streams} UDP port pairs` : ''}`);
}
