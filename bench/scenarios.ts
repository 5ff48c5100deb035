/**
 * The subscribers, SIP messages and call timelines of the benchmark inputs, and the byte-level
 * rewrite a Linux-style SIP ALG applies to them (captures/lab/udp-call-alg/README.md shows what
 * the kernel's nf_nat_sip rewrote: the phone's address:port in the request line, Via, From, To and
 * Contact, the SDP o= and c= addresses and the m= port, with Content-Length recomputed; Call-ID is
 * left alone, so the private address survives in it).
 *
 * Everything is derived from a seeded generator: the same scale gives the same bytes.
 */

/** mulberry32: small, fast and good enough to make identifiers and durations. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += ((this.next() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, digits);
  }
}

export interface HostPort {
  ip: string;
  port: number;
}

/** How a subscriber reaches the provider: its own public address, or a NAT with or without a SIP ALG. */
export type Access = 'public' | 'nat' | 'alg';

export const PROVIDER: HostPort = { ip: '203.0.113.10', port: 5060 };
export const PROVIDER_MEDIA_IP = '203.0.113.20';
const DOMAIN = 'voip.example.net';
const SUBSCRIBERS_PER_NAT_ADDRESS = 15000;

export interface Subscriber {
  index: number;
  user: string;
  access: Access;
  /** Signalling and media addresses the phone itself uses (private behind a NAT). */
  phone: HostPort;
  phoneRtpPort: number;
  /** What the provider sees: the NAT's public binding, or the phone's own address. */
  publicSip: HostPort;
  publicRtpPort: number;
}

export function subscriber(index: number, access: Access): Subscriber {
  const user = `1${String(index).padStart(7, '0')}`;
  if (access === 'public') {
    // 198.18.0.0/15 (benchmarking range): public as far as the analyzer is concerned.
    const phone = { ip: `198.${18 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`, port: 5060 };
    return { index, user, access, phone, phoneRtpPort: 16384, publicSip: phone, publicRtpPort: 16384 };
  }
  const phone = { ip: `10.${1 + Math.floor(index / 62500)}.${Math.floor(index / 250) % 250}.${2 + (index % 250)}`, port: 5060 };
  const slot = index % SUBSCRIBERS_PER_NAT_ADDRESS;
  const natIp = `198.51.100.${1 + Math.floor(index / SUBSCRIBERS_PER_NAT_ADDRESS)}`;
  return {
    index,
    user,
    access,
    phone,
    phoneRtpPort: 16384,
    publicSip: { ip: natIp, port: 5060 + slot },
    publicRtpPort: 30000 + 2 * slot,
  };
}

function hostPort(ep: HostPort): string {
  return `${ep.ip}:${ep.port}`;
}

/** A SIP message: start line, headers, optional SDP body; Content-Length is computed. */
function sipText(startLine: string, headers: string[], body = ''): string {
  const contentType = body ? ['Content-Type: application/sdp'] : [];
  return [startLine, ...headers, ...contentType, `Content-Length: ${body.length}`, '', body].join('\r\n');
}

function sdp(origin: string, address: string, port: number, sessionId: string, ptime: number): string {
  return [
    'v=0',
    `o=${origin} ${sessionId} ${sessionId} IN IP4 ${address}`,
    's=call',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 8 0 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    `a=ptime:${ptime}`,
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** One step of a scenario: a SIP message (from the phone or to it) or the start of a call's media. */
export type Step =
  | { atMs: number; kind: 'sip'; fromPhone: boolean; text: string }
  | { atMs: number; kind: 'media'; call: MediaPlan };

/** RTP both ways between the phone and the provider's media server, from start to end (capture ms). */
export interface MediaPlan {
  phoneRtpPort: number;
  providerRtp: HostPort;
  ptimeMs: number;
  endMs: number;
  phoneSsrc: number;
  providerSsrc: number;
}

const USER_AGENT = 'User-Agent: benchphone/2.1';
const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY';

/** REGISTER, 401 with a digest challenge, REGISTER with credentials, 200 OK. */
export function registration(sub: Subscriber, rng: Prng, atMs: number): Step[] {
  const aor = `<sip:${sub.user}@${DOMAIN}>`;
  const callId = `${rng.hex(16)}@${sub.phone.ip}`;
  const fromTag = rng.hex(8);
  const contact = `Contact: <sip:${sub.user}@${hostPort(sub.phone)};transport=udp>`;
  const nonce = rng.hex(32);
  const request = (cseq: number, branch: string, extra: string[]) => [
    `Via: SIP/2.0/UDP ${hostPort(sub.phone)};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: ${aor};tag=${fromTag}`,
    `To: ${aor}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    contact,
    'Expires: 3600',
    ...extra,
    USER_AGENT,
    ALLOW,
  ];
  const response = (cseq: number, branch: string, extra: string[]) => [
    `Via: SIP/2.0/UDP ${hostPort(sub.phone)};branch=${branch};rport=${sub.publicSip.port};received=${sub.publicSip.ip}`,
    `From: ${aor};tag=${fromTag}`,
    `To: ${aor};tag=${rng.hex(10)}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    ...extra,
    'Server: benchregistrar/5.4',
  ];
  const first = `z9hG4bK${rng.hex(16)}`;
  const second = `z9hG4bK${rng.hex(16)}`;
  const registerLine = `REGISTER sip:${DOMAIN} SIP/2.0`;
  return [
    { atMs, kind: 'sip', fromPhone: true, text: sipText(registerLine, request(1, first, [])) },
    {
      atMs: atMs + 3,
      kind: 'sip',
      fromPhone: false,
      text: sipText('SIP/2.0 401 Unauthorized', response(1, first, [`WWW-Authenticate: Digest realm="${DOMAIN}", nonce="${nonce}", algorithm=MD5, qop="auth"`])),
    },
    {
      atMs: atMs + 6,
      kind: 'sip',
      fromPhone: true,
      text: sipText(
        registerLine,
        request(2, second, [
          `Authorization: Digest username="${sub.user}", realm="${DOMAIN}", nonce="${nonce}", uri="sip:${DOMAIN}", response="${rng.hex(32)}", algorithm=MD5, cnonce="${rng.hex(8)}", qop=auth, nc=00000001`,
        ]),
      ),
    },
    {
      atMs: atMs + 9,
      kind: 'sip',
      fromPhone: false,
      text: sipText('SIP/2.0 200 OK', response(2, second, [`${contact};expires=3600`, 'Date: Tue, 14 Nov 2023 22:13:20 GMT'])),
    },
  ];
}

/** OPTIONS keepalive from the phone and its 200 OK; `retransmit` sends the OPTIONS again after T1 first. */
export function options(sub: Subscriber, rng: Prng, atMs: number, retransmit: boolean): Step[] {
  const branch = `z9hG4bK${rng.hex(16)}`;
  const callId = `${rng.hex(16)}@${sub.phone.ip}`;
  const fromTag = rng.hex(8);
  const common = [
    `From: <sip:${sub.user}@${DOMAIN}>;tag=${fromTag}`,
    `To: <sip:${PROVIDER.ip}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
  ];
  const request = sipText(`OPTIONS sip:${PROVIDER.ip} SIP/2.0`, [
    `Via: SIP/2.0/UDP ${hostPort(sub.phone)};branch=${branch};rport`,
    'Max-Forwards: 70',
    ...common,
    `Contact: <sip:${sub.user}@${hostPort(sub.phone)}>`,
    'Accept: application/sdp',
    USER_AGENT,
  ]);
  const ok = sipText('SIP/2.0 200 OK', [
    `Via: SIP/2.0/UDP ${hostPort(sub.phone)};branch=${branch};rport=${sub.publicSip.port};received=${sub.publicSip.ip}`,
    ...common.map((h) => (h.startsWith('To:') ? `${h};tag=${rng.hex(10)}` : h)),
    ALLOW,
    'Accept: application/sdp',
    'Supported: replaces, timer',
    'Server: benchregistrar/5.4',
  ]);
  const steps: Step[] = [{ atMs, kind: 'sip', fromPhone: true, text: request }];
  if (retransmit) steps.push({ atMs: atMs + 500, kind: 'sip', fromPhone: true, text: request });
  steps.push({ atMs: atMs + (retransmit ? 503 : 3), kind: 'sip', fromPhone: false, text: ok });
  return steps;
}

export interface CallTiming {
  ringMs: number;
  talkMs: number;
  ptimeMs: number;
  /** Provider media port for this call. */
  providerRtpPort: number;
  /** Whether the RTP of the call is written (the SIP-heavy inputs carry signalling only). */
  media: boolean;
}

/** INVITE with SDP, 100, 180, 200 with SDP, ACK, (media), BYE from the phone, 200. */
export function call(sub: Subscriber, rng: Prng, atMs: number, timing: CallTiming): Step[] {
  const callee = `2${String(rng.int(0, 9999999)).padStart(7, '0')}`;
  const callId = `${rng.hex(20)}@${sub.phone.ip}`;
  const fromTag = rng.hex(10);
  const toTag = rng.hex(10);
  const from = `From: "${sub.user}" <sip:${sub.user}@${hostPort(sub.phone)}>;tag=${fromTag}`;
  const to = `To: <sip:${callee}@${PROVIDER.ip}>`;
  const toTagged = `${to};tag=${toTag}`;
  const phoneContact = `Contact: <sip:${sub.user}@${hostPort(sub.phone)};transport=udp>`;
  const providerContact = `Contact: <sip:${callee}@${hostPort(PROVIDER)};transport=udp>`;
  const via = (branch: string) => `Via: SIP/2.0/UDP ${hostPort(sub.phone)};branch=${branch};rport`;
  const viaReceived = (branch: string) => `${via(branch)}=${sub.publicSip.port};received=${sub.publicSip.ip}`;
  const inviteBranch = `z9hG4bK${rng.hex(16)}`;
  const ackBranch = `z9hG4bK${rng.hex(16)}`;
  const byeBranch = `z9hG4bK${rng.hex(16)}`;
  const providerRtp = { ip: PROVIDER_MEDIA_IP, port: timing.providerRtpPort };
  const offer = sdp(sub.user, sub.phone.ip, sub.phoneRtpPort, String(rng.int(1, 2 ** 31)), timing.ptimeMs);
  const answer = sdp('mediaserver', providerRtp.ip, providerRtp.port, String(rng.int(1, 2 ** 31)), timing.ptimeMs);
  const inviteCseq = `Call-ID: ${callId}\r\nCSeq: 1 INVITE`;
  const requestUri = `sip:${callee}@${PROVIDER.ip}`;
  const inDialogUri = `sip:${callee}@${hostPort(PROVIDER)};transport=udp`;
  const answerMs = atMs + timing.ringMs;
  const byeMs = answerMs + 3 + timing.talkMs;
  const steps: Step[] = [
    {
      atMs,
      kind: 'sip',
      fromPhone: true,
      text: sipText(`INVITE ${requestUri} SIP/2.0`, [via(inviteBranch), 'Max-Forwards: 70', from, to, inviteCseq, phoneContact, ALLOW, 'Supported: replaces, timer', USER_AGENT], offer),
    },
    { atMs: atMs + 2, kind: 'sip', fromPhone: false, text: sipText('SIP/2.0 100 Trying', [viaReceived(inviteBranch), from, to, inviteCseq]) },
    { atMs: atMs + 60, kind: 'sip', fromPhone: false, text: sipText('SIP/2.0 180 Ringing', [viaReceived(inviteBranch), from, toTagged, inviteCseq, providerContact]) },
    { atMs: answerMs, kind: 'sip', fromPhone: false, text: sipText('SIP/2.0 200 OK', [viaReceived(inviteBranch), from, toTagged, inviteCseq, providerContact, ALLOW, 'Supported: replaces, timer'], answer) },
    { atMs: answerMs + 3, kind: 'sip', fromPhone: true, text: sipText(`ACK ${inDialogUri} SIP/2.0`, [via(ackBranch), 'Max-Forwards: 70', from, toTagged, `Call-ID: ${callId}`, 'CSeq: 1 ACK', phoneContact]) },
  ];
  if (timing.media) {
    steps.push({
      atMs: answerMs + 3,
      kind: 'media',
      call: {
        phoneRtpPort: sub.phoneRtpPort,
        providerRtp,
        ptimeMs: timing.ptimeMs,
        endMs: byeMs,
        phoneSsrc: rng.int(1, 0xfffffffe),
        providerSsrc: rng.int(1, 0xfffffffe),
      },
    });
  }
  const byeCseq = `Call-ID: ${callId}\r\nCSeq: 2 BYE`;
  steps.push(
    { atMs: byeMs, kind: 'sip', fromPhone: true, text: sipText(`BYE ${inDialogUri} SIP/2.0`, [via(byeBranch), 'Max-Forwards: 70', from, toTagged, byeCseq, phoneContact, USER_AGENT]) },
    { atMs: byeMs + 3, kind: 'sip', fromPhone: false, text: sipText('SIP/2.0 200 OK', [viaReceived(byeBranch), from, toTagged, byeCseq]) },
  );
  return steps;
}

/** Header names (full and compact) whose values the ALG rewrites. */
const REWRITTEN_HEADERS = /^(via|v|from|f|to|t|contact|m)\s*:/i;

/**
 * What a SIP ALG on the subscriber's router makes of a message between the phone and the
 * provider: the phone's private address:port becomes the NAT's public binding in the request
 * line, Via, From, To and Contact (received=/rport= already carry the public one), the SDP o= and
 * c= addresses and the m= port likewise, and Content-Length is recomputed. Everything else,
 * Call-ID included, is left as it was: the same message, byte for byte, but for those fields.
 */
export function algRewrite(text: string, sub: Subscriber): string {
  const privateHostPort = hostPort(sub.phone);
  const publicHostPort = hostPort(sub.publicSip);
  const headerEnd = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, headerEnd).split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i === 0 || REWRITTEN_HEADERS.test(line)) {
      lines[i] = line.replaceAll(privateHostPort, publicHostPort);
    }
  }
  let body = text.slice(headerEnd + 4);
  if (body) {
    body = body
      .split('\r\n')
      .map((line) => {
        if (line.startsWith('o=') || line.startsWith('c=')) return line.replace(`IN IP4 ${sub.phone.ip}`, `IN IP4 ${sub.publicSip.ip}`);
        if (line.startsWith(`m=audio ${sub.phoneRtpPort} `)) return line.replace(`m=audio ${sub.phoneRtpPort} `, `m=audio ${sub.publicRtpPort} `);
        return line;
      })
      .join('\r\n');
  }
  const headers = lines.map((line) => (/^(content-length|l)\s*:/i.test(line) ? `Content-Length: ${body.length}` : line));
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}
