/**
 * The least a JavaScript reader of a classic pcap does: walk the records of the file, read in
 * pieces of FILE_READ_BYTES as algscope reads it, handing each one's captured bytes on. Shared by the floor benchmarks
 * (bench/js-read-floor.ts, bench/sip-floor.ts), which measure what little they add to it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { FILE_READ_BYTES } from '../src/capture/open.js';
import { FILE_HEADER_LENGTH, RECORD_HEADER_LENGTH } from '../src/capture/pcap.js';

const CHUNK_BYTES = FILE_READ_BYTES;

/**
 * Calls `visit` with each record's bytes, buf[data .. data + captured) (valid only during the
 * call), and returns the number of records.
 */
export function forEachRecord(path: string, visit: (buf: Buffer, data: number, captured: number) => void): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK_BYTES + 0x40000);
  let have = 0;
  let pos = 0;
  let records = 0;
  let headerSkipped = false;
  try {
    for (;;) {
      if (pos > 0) {
        buf.copy(buf, 0, pos, have);
        have -= pos;
        pos = 0;
      }
      const read = readSync(fd, buf, have, CHUNK_BYTES, null);
      if (read === 0) break;
      have += read;
      if (!headerSkipped) {
        pos = FILE_HEADER_LENGTH;
        headerSkipped = true;
      }
      while (have - pos >= RECORD_HEADER_LENGTH) {
        const captured = buf.readUInt32LE(pos + 8);
        const data = pos + RECORD_HEADER_LENGTH;
        if (data + captured > have) break;
        records++;
        visit(buf, data, captured);
        pos = data + captured;
      }
    }
  } finally {
    closeSync(fd);
  }
  return records;
}
