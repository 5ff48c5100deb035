/**
 * Turns `algscope report` arguments (capture files, folders, globs the shell did not expand) into
 * the list of capture files to analyze. Folders are searched recursively; files found there (or by
 * a glob) are taken when their name or their first bytes say pcap/pcapng (gzip'd or not), and every
 * other file is listed with the reason it was left out. A file named explicitly is always taken:
 * if it is broken, its case fails with the reason and the rest of the batch goes on.
 */
import { constants as fsConstants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_MICRO_SWAPPED, PCAP_MAGIC_NANO, PCAP_MAGIC_NANO_SWAPPED } from '../capture/pcap.js';
import { PCAPNG_SHB_TYPE } from '../capture/pcapng.js';
import { globToRegExp, hasGlobMagic } from './glob.js';

export interface InputFile {
  /** The path the analysis reads and the reports show: the argument as given, joined with what was found under it. */
  path: string;
  absolute: string;
}

export interface CollectedInputs {
  /** In order of their path, each file once. */
  files: InputFile[];
  /** Common folder of all arguments: case names are paths relative to it. */
  root: string;
  /** Files found in folders or by globs that are not captures, with the reason. */
  notCaptures: { path: string; reason: string }[];
  /** Arguments that gave nothing (a glob matching no file, an unreadable folder), with the reason. */
  problems: { input: string; reason: string }[];
}

const CAPTURE_NAME = /\.(pcap|pcapng|cap|ntar)(\.gz)?$/i;
const SNIFF_BYTES = 64 * 1024;
const CAPTURE_MAGICS = new Set([PCAP_MAGIC_MICRO, PCAP_MAGIC_MICRO_SWAPPED, PCAP_MAGIC_NANO, PCAP_MAGIC_NANO_SWAPPED, PCAPNG_SHB_TYPE]);

function hasCaptureMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && CAPTURE_MAGICS.has(Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0));
}

/** Undefined when the file is a capture (by name, or by its first bytes, looking inside gzip); else why not. */
async function notCaptureReason(file: string): Promise<string | undefined> {
  if (CAPTURE_NAME.test(file)) return undefined;
  const handle = await open(file, fsConstants.O_RDONLY);
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead === 0) return 'empty file';
    if (hasCaptureMagic(head)) return undefined;
    if (head[0] === 0x1f && head[1] === 0x8b) {
      try {
        if (hasCaptureMagic(gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }))) return undefined;
      } catch {
        return 'gzip data that does not decompress';
      }
      return 'gzip file without a pcap or pcapng capture inside';
    }
    return `not a pcap or pcapng capture (starts with ${head.subarray(0, 4).toString('hex').replace(/(..)(?!$)/g, '$1 ')})`;
  } finally {
    await handle.close();
  }
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** The folder part of a glob before its first wildcard segment. */
function globBase(glob: string): { base: string; rest: string } {
  const segments = glob.split('/');
  const firstMagic = segments.findIndex(hasGlobMagic);
  const base = segments.slice(0, firstMagic).join('/');
  return { base: base === '' && glob.startsWith('/') ? '/' : base || '.', rest: segments.slice(firstMagic).join('/') };
}

function commonFolder(folders: string[]): string {
  const split = folders.map((f) => f.split(path.sep));
  const first = split[0]!;
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

class Collector {
  readonly files = new Map<string, InputFile>();
  readonly notCaptures: { path: string; reason: string }[] = [];
  readonly problems: { input: string; reason: string }[] = [];

  /** `excluded`: real paths of folders never searched. */
  constructor(private readonly excluded: Set<string>) {}

  add(file: string): void {
    const absolute = path.resolve(file);
    if (!this.files.has(absolute)) this.files.set(absolute, { path: file, absolute });
  }

  /** True when the file was taken as a capture. */
  async addIfCapture(file: string): Promise<boolean> {
    let reason: string | undefined;
    try {
      reason = await notCaptureReason(file);
    } catch (err) {
      reason = `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (reason) {
      if (!this.notCaptures.some((n) => path.resolve(n.path) === path.resolve(file))) this.notCaptures.push({ path: file, reason });
      return false;
    }
    this.add(file);
    return true;
  }

  /**
   * Every capture under `folder`, recursively, in name order; hidden entries are skipped, folder links
   * followed once. Returns how many captures it found (also ones already taken through another argument).
   */
  async walk(folder: string, match?: { pattern: RegExp; relativeTo: string }, visited = new Set(this.excluded)): Promise<number> {
    const real = await realpath(folder);
    if (visited.has(real)) return 0;
    visited.add(real);
    const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let found = 0;
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full).then((s) => s.isDirectory(), () => false)));
      const matched = !match || match.pattern.test(posix(path.relative(match.relativeTo, full)));
      if (isDir) found += await this.walk(full, matched ? undefined : match, visited);
      else if (matched && (entry.isFile() || entry.isSymbolicLink()) && (await this.addIfCapture(full))) found++;
    }
    return found;
  }
}

/** `exclude`: folders never searched (the report's own output folder). */
export async function collectInputs(args: string[], exclude: string[] = []): Promise<CollectedInputs> {
  const excluded = new Set<string>();
  for (const folder of exclude) {
    const real = await realpath(folder).catch(() => undefined);
    if (real) excluded.add(real);
  }
  const collector = new Collector(excluded);
  const folders: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      folders.push(path.resolve(arg));
      const found = await collector.walk(arg).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      if (typeof found === 'string') collector.problems.push({ input: arg, reason: found });
      else if (found === 0) collector.problems.push({ input: arg, reason: 'no capture file in this folder' });
    } else if (!info && hasGlobMagic(arg)) {
      const { base, rest } = globBase(arg);
      folders.push(path.resolve(base));
      const found = await collector.walk(base, { pattern: globToRegExp(rest), relativeTo: base }).catch(() => 0);
      if (found === 0) collector.problems.push({ input: arg, reason: 'matches no capture file' });
    } else {
      // A file named explicitly (or a missing one): analyzed, and its case reports what is wrong.
      folders.push(path.dirname(path.resolve(arg)));
      collector.add(arg);
    }
  }
  const files = [...collector.files.values()].sort((a, b) => (a.absolute < b.absolute ? -1 : a.absolute > b.absolute ? 1 : 0));
  return { files, root: folders.length ? commonFolder(folders) : process.cwd(), notCaptures: collector.notCaptures, problems: collector.problems };
}
