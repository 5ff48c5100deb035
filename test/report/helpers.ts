/**
 * Test helpers for the batch reports: hand-built captures of an ALG rewriting SIP whose headers
 * carry HTML/script payloads, the `algscope report` command run as a process, a strict HTML
 * structure check, and a PNG decoder for the browser screenshots.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { pcapFile } from '../capture/build-capture.js';
import { ethernet, ipv4, text, udp } from '../decode/helpers/packets.js';
import { repoRoot } from '../helpers/paths.js';

export interface SipPacket {
  src: string;
  dst: string;
  /** Seconds since the epoch. */
  t: number;
  sip: string;
}

function endpoint(text: string): { ip: string; port: number } {
  const [ip, port] = text.split(':');
  return { ip: ip!, port: Number(port) };
}

/** SIP text written with "\n" line ends and indentation, as CRLF lines with Content-Length filled in. */
export function sipMessage(lines: string): string {
  const [head, body = ''] = lines
    .split('\n')
    .map((l) => l.trim())
    .join('\r\n')
    .trim()
    .split('\r\n\r\n');
  const bodyText = body ? `${body}\r\n` : '';
  return `${head!.replace('Content-Length: *', `Content-Length: ${Buffer.byteLength(bodyText, 'latin1')}`)}\r\n\r\n${bodyText}`;
}

/** A classic pcap of UDP datagrams over Ethernet/IPv4. */
export function writeSipPcap(file: string, packets: SipPacket[]): void {
  const records = packets.map((p) => {
    const src = endpoint(p.src);
    const dst = endpoint(p.dst);
    const data = ethernet(ipv4(udp(text(p.sip), { srcPort: src.port, dstPort: dst.port }), { src: src.ip, dst: dst.ip }));
    return { sec: Math.floor(p.t), frac: Math.round((p.t % 1) * 1e6), data };
  });
  writeFileSync(file, pcapFile(records));
}

/** Header values an attacker controls, each trying a different way out of the text. */
export const HOSTILE = {
  displayName: '<script>alert("from")</script>',
  userAgent: '<img src=x onerror=alert(1)>',
  header: '</pre></td><script>alert(2)</script><a href="javascript:alert(3)">x</a>',
  callId: 'c4ll"><svg onload=alert(4)>@192.168.10.2',
  escape: '\u001b]0;owned\u0007\u001b[31mred',
  markdown: '[click](http://evil.example/) **bold** | pipe `tick` <b>b</b>',
} as const;

function invite(host: string, port: number): string {
  return sipMessage(`
    INVITE sip:bob@203.0.113.10 SIP/2.0
    Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bK-hostile-1;rport
    Max-Forwards: 70
    From: "${HOSTILE.displayName}" <sip:alice@${host}>;tag=tag-alice
    To: <sip:bob@203.0.113.10>
    Call-ID: ${HOSTILE.callId}
    CSeq: 1 INVITE
    Contact: <sip:alice@${host}:${port}>
    User-Agent: ${HOSTILE.userAgent}
    X-Note: ${HOSTILE.header}
    X-Term: ${HOSTILE.escape}
    X-Md: ${HOSTILE.markdown}
    Content-Type: application/sdp
    Content-Length: *

    v=0
    o=alice 1 1 IN IP4 ${host}
    s=<script>alert(5)</script>
    c=IN IP4 ${host}
    t=0 0
    m=audio 49170 RTP/AVP 0
  `);
}

function trying(host: string, port: number): string {
  return sipMessage(`
    SIP/2.0 100 Trying
    Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bK-hostile-1;rport
    From: "${HOSTILE.displayName}" <sip:alice@${host}>;tag=tag-alice
    To: <sip:bob@203.0.113.10>
    Call-ID: ${HOSTILE.callId}
    CSeq: 1 INVITE
    Server: <script>alert(6)</script>
    Content-Length: *
  `);
}

/**
 * inside.pcap and outside.pcap of one call through a NAT whose SIP ALG rewrote Via, From, Contact
 * and SDP from 192.168.10.2 to 203.0.113.1; every message carries the HOSTILE values.
 */
export function writeHostileAlgCase(dir: string): { inside: string; outside: string } {
  const inside = path.join(dir, 'inside.pcap');
  const outside = path.join(dir, 'outside.pcap');
  const t = 1_700_000_000;
  writeSipPcap(inside, [
    { src: '192.168.10.2:5060', dst: '203.0.113.10:5060', t, sip: invite('192.168.10.2', 5060) },
    { src: '203.0.113.10:5060', dst: '192.168.10.2:5060', t: t + 0.02, sip: trying('192.168.10.2', 5060) },
  ]);
  writeSipPcap(outside, [
    { src: '203.0.113.1:5060', dst: '203.0.113.10:5060', t: t + 0.001, sip: invite('203.0.113.1', 5060) },
    { src: '203.0.113.10:5060', dst: '203.0.113.1:5060', t: t + 0.019, sip: trying('203.0.113.1', 5060) },
  ]);
  return { inside, outside };
}

// ---------------------------------------------------------------------------------------------
// Running the command

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** tsx's loader by absolute URL, so the command can run from any working folder. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** `algscope ARGS...` from the TypeScript sources, as a separate process (exit status included). */
export function runCli(args: string[], cwd = repoRoot): CliRun {
  const run = spawnSync(process.execPath, ['--import', TSX_LOADER, path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 300_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// ---------------------------------------------------------------------------------------------
// HTML structure

const VOID = new Set(['meta', 'br', 'link', 'img', 'hr', 'input']);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

export interface HtmlStructure {
  /** Element names, in document order. */
  elements: string[];
  attributes: Set<string>;
  ids: string[];
  hrefs: string[];
  /** Text content outside <style>, entities left as written. */
  text: string;
  /** Everything wrong: unbalanced or misnested tags, stray "<", duplicate ids, links to missing ids. */
  problems: string[];
}

/** A strict reading of HTML as this project writes it: every tag closed in order, every "<" a tag. */
export function parseHtml(source: string): HtmlStructure {
  const out: HtmlStructure = { elements: [], attributes: new Set(), ids: [], hrefs: [], text: '', problems: [] };
  const stack: string[] = [];
  let i = 0;
  if (source.startsWith('<!DOCTYPE html>')) i = '<!DOCTYPE html>'.length;
  else out.problems.push('no <!DOCTYPE html>');
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    if (lt === -1) {
      out.text += source.slice(i);
      break;
    }
    out.text += source.slice(i, lt);
    TAG.lastIndex = lt;
    const m = TAG.exec(source);
    if (!m) {
      out.problems.push(`stray "<" at ${lt}: ${JSON.stringify(source.slice(lt, lt + 40))}`);
      i = lt + 1;
      continue;
    }
    const [whole, closing, rawName, attrs, selfClosing] = m;
    const name = rawName!.toLowerCase();
    i = lt + whole.length;
    if (closing) {
      const open = stack.pop();
      if (open !== name) out.problems.push(`</${name}> closes <${open}> at ${lt}`);
      continue;
    }
    out.elements.push(name);
    for (const a of attrs!.matchAll(ATTRIBUTE)) {
      const attr = a[1]!.toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      out.attributes.add(attr);
      if (attr === 'id') out.ids.push(value);
      if (attr === 'href') out.hrefs.push(value);
    }
    if (name === 'style') {
      const end = source.indexOf('</style>', i);
      i = end === -1 ? source.length : end + '</style>'.length;
      continue;
    }
    if (!VOID.has(name) && !selfClosing) stack.push(name);
  }
  if (stack.length) out.problems.push(`not closed: ${stack.join(' > ')}`);
  const ids = new Set<string>();
  for (const id of out.ids) {
    if (ids.has(id)) out.problems.push(`duplicate id ${id}`);
    ids.add(id);
  }
  for (const href of out.hrefs) if (href.startsWith('#') && !ids.has(href.slice(1))) out.problems.push(`link to missing #${href.slice(1)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// PNG

export interface Png {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  pixel(x: number, y: number): [number, number, number, number];
}

/** 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes). */
export function decodePng(buf: Buffer): Png {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${interlace})`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel(x, y) {
      const o = y * stride + x * channels;
      return [pixels[o]!, pixels[o + 1]!, pixels[o + 2]!, channels === 4 ? pixels[o + 3]! : 255];
    },
  };
}
