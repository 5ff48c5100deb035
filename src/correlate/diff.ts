/**
 * Field-by-field diff of one SIP message as seen at an inside and an outside capture point.
 * Payload fields are compared by meaning (the n-th Via, the n-th Contact, the n-th occurrence of a
 * header, SDP lines by media section and type), never by line presence, so a diff names the field.
 */
import type { SdpLine, SipHeader, SipMessage } from '../sip/types.js';
import type { DiffValue, FieldDiff, MessagePair } from './types.js';

/** Headers compared through their parsed form below, not as raw header lines. */
const STRUCTURED_HEADERS = new Set(['via', 'contact', 'from', 'to']);

function endpointText(ep: { ip: string; port: number }): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

function compare(diffs: FieldDiff[], area: FieldDiff['area'], field: string, key: string, inside?: DiffValue, outside?: DiffValue): void {
  if (inside && outside) {
    if (inside.text !== outside.text) diffs.push({ area, field, key, change: 'changed', inside, outside });
  } else if (inside) {
    diffs.push({ area, field, key, change: 'removed', inside });
  } else if (outside) {
    diffs.push({ area, field, key, change: 'added', outside });
  }
}

function headerValue(h: SipHeader | undefined): DiffValue | undefined {
  return h ? { text: h.value, span: h.valueSpan } : undefined;
}

function groupHeaders(msg: SipMessage): Map<string, SipHeader[]> {
  const groups = new Map<string, SipHeader[]>();
  for (const h of msg.headers) {
    if (STRUCTURED_HEADERS.has(h.canonical)) continue;
    let list = groups.get(h.canonical);
    if (!list) groups.set(h.canonical, (list = []));
    list.push(h);
  }
  return groups;
}

function diffVias(diffs: FieldDiff[], inside: SipMessage, outside: SipMessage): void {
  const count = Math.max(inside.vias.length, outside.vias.length);
  for (let i = 0; i < count; i++) {
    const a = inside.vias[i];
    const b = outside.vias[i];
    if (!a || !b) {
      const via = (a ?? b)!;
      compare(diffs, 'header', `Via[${i}]`, 'via', a && { text: `${a.host}${a.port ? `:${a.port}` : ''}`, span: via.span }, b && { text: `${b.host}${b.port ? `:${b.port}` : ''}`, span: via.span });
      continue;
    }
    const hostPort = (v: typeof a) => (v.port !== undefined ? `${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}` : v.host);
    compare(diffs, 'header', `Via[${i}].sent-by`, 'via', { text: hostPort(a), span: a.hostPortSpan }, { text: hostPort(b), span: b.hostPortSpan });
    const param = (v: typeof a, name: 'received' | 'rport' | 'maddr'): DiffValue | undefined => {
      const value = v[name];
      if (value === undefined) return undefined;
      return { text: value === null ? '(no value)' : String(value), span: v.span };
    };
    for (const name of ['received', 'rport', 'maddr'] as const) {
      compare(diffs, 'header', `Via[${i}].${name}`, 'via', param(a, name), param(b, name));
    }
    compare(diffs, 'header', `Via[${i}].branch`, 'via', a.branch !== undefined ? { text: a.branch, span: a.span } : undefined, b.branch !== undefined ? { text: b.branch, span: b.span } : undefined);
  }
}

function diffContacts(diffs: FieldDiff[], inside: SipMessage, outside: SipMessage): void {
  const count = Math.max(inside.contacts.length, outside.contacts.length);
  for (let i = 0; i < count; i++) {
    const a = inside.contacts[i];
    const b = outside.contacts[i];
    compare(diffs, 'header', `Contact[${i}]`, 'contact', a && { text: a.uri.text, span: a.uri.span }, b && { text: b.uri.text, span: b.uri.span });
  }
}

function diffNameAddr(diffs: FieldDiff[], field: 'From' | 'To', inside: SipMessage, outside: SipMessage): void {
  const key = field.toLowerCase() as 'from' | 'to';
  const a = inside[key];
  const b = outside[key];
  compare(diffs, 'header', field, key, a && { text: a.uri.text, span: a.uri.span }, b && { text: b.uri.text, span: b.uri.span });
  const tag = (n: typeof a) => (n && n.params.tag !== undefined ? { text: String(n.params.tag), span: n.span } : undefined);
  compare(diffs, 'header', `${field}.tag`, key, tag(a), tag(b));
}

function diffOtherHeaders(diffs: FieldDiff[], inside: SipMessage, outside: SipMessage): void {
  const a = groupHeaders(inside);
  const b = groupHeaders(outside);
  const names = new Set([...a.keys(), ...b.keys()]);
  for (const name of names) {
    const listA = a.get(name) ?? [];
    const listB = b.get(name) ?? [];
    const display = (listA[0] ?? listB[0])!.name.length > 1 ? (listA[0] ?? listB[0])!.name : name;
    const count = Math.max(listA.length, listB.length);
    for (let i = 0; i < count; i++) {
      const field = count > 1 ? `${display}[${i}]` : display;
      compare(diffs, 'header', field, name, headerValue(listA[i]), headerValue(listB[i]));
    }
  }
}

/** SDP lines keyed by media section and line type ("a" lines by attribute name), with an ordinal. */
function sdpKeyedLines(lines: SdpLine[]): Map<string, SdpLine> {
  const keyed = new Map<string, SdpLine>();
  const ordinals = new Map<string, number>();
  for (const line of lines) {
    const attr = line.type === 'a' ? `a=${line.value.split(/[:\s]/, 1)[0]}` : `${line.type}=`;
    const base = `${line.mediaIndex}|${attr}`;
    const n = ordinals.get(base) ?? 0;
    ordinals.set(base, n + 1);
    keyed.set(`${base}|${n}`, line);
  }
  return keyed;
}

function mediaLabel(lines: SdpLine[], mediaIndex: number): string {
  if (mediaIndex < 0) return '';
  const m = lines.find((l) => l.type === 'm' && l.mediaIndex === mediaIndex);
  return m ? `m=${m.value.split(' ', 1)[0]} ` : `m[${mediaIndex}] `;
}

function diffSdp(diffs: FieldDiff[], inside: SipMessage, outside: SipMessage): void {
  const linesA = inside.sdp?.lines ?? [];
  const linesB = outside.sdp?.lines ?? [];
  if (linesA.length === 0 && linesB.length === 0) return;
  const a = sdpKeyedLines(linesA);
  const b = sdpKeyedLines(linesB);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  for (const key of keys) {
    const la = a.get(key);
    const lb = b.get(key);
    const line = (la ?? lb)!;
    const label = mediaLabel(la ? linesA : linesB, line.mediaIndex);
    const attr = key.split('|')[1]!;
    const value = (l: SdpLine | undefined) => l && { text: `${l.type}=${l.value}`, span: l.span };
    if (line.type === 'm' && la && lb) {
      // An m= line is compared as its port (what NAT-aware ALGs change) and the rest.
      const [typeA, portA, ...restA] = la.value.split(' ');
      const [typeB, portB, ...restB] = lb.value.split(' ');
      compare(diffs, 'sdp', `sdp m=${typeA} port`, 'm', { text: portA ?? '', span: la.span }, { text: portB ?? '', span: lb.span });
      if (typeA !== typeB || restA.join(' ') !== restB.join(' ')) compare(diffs, 'sdp', `sdp m=${typeA}`, 'm', value(la), value(lb));
      continue;
    }
    compare(diffs, 'sdp', `sdp ${label}${attr}`, line.type === 'a' ? attr.slice(2) : line.type, value(la), value(lb));
  }
}

/** Everything that differs between the inside and the outside copy of one message. */
export function diffMessages(inside: SipMessage, outside: SipMessage): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  compare(diffs, 'transport', 'src', 'src', { text: endpointText(inside.origin.src) }, { text: endpointText(outside.origin.src) });
  compare(diffs, 'transport', 'dst', 'dst', { text: endpointText(inside.origin.dst) }, { text: endpointText(outside.origin.dst) });
  if (inside.kind === 'request' && outside.kind === 'request') {
    compare(
      diffs,
      'request-line',
      'Request-URI',
      'request-uri',
      { text: inside.requestUri?.text ?? inside.requestUriText ?? '', span: inside.requestUri?.span },
      { text: outside.requestUri?.text ?? outside.requestUriText ?? '', span: outside.requestUri?.span },
    );
  }
  diffVias(diffs, inside, outside);
  diffContacts(diffs, inside, outside);
  diffNameAddr(diffs, 'From', inside, outside);
  diffNameAddr(diffs, 'To', inside, outside);
  diffOtherHeaders(diffs, inside, outside);
  diffSdp(diffs, inside, outside);
  return diffs;
}

/** Whether a pair's SIP payload differs between its two copies (packet addresses and ports aside). */
export function payloadChanged(pair: MessagePair): boolean {
  for (const diff of pair.diffs) if (diff.area !== 'transport') return true;
  return false;
}
