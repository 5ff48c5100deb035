/**
 * The SIP stage over real public captures, fed by the real capture and decode stages, compared
 * with tshark 4.0 (`tshark -r F -Y sip -T fields -e frame.number -e sip.Call-ID`, counted when
 * these figures were written).
 */
import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { readCapture } from '../../src/capture/index.js';
import { PacketDecoder } from '../../src/decode/index.js';
import { SipFramer } from '../../src/sip/index.js';
import type { SipFramingProblem, SipKeepalive, SipMessage } from '../../src/sip/types.js';
import { havePublicCaptures, noPublicCapturesReason, publicCapture } from '../helpers/paths.js';
import { at } from './helpers.js';

interface Result {
  messages: SipMessage[];
  keepalives: SipKeepalive[];
  problems: SipFramingProblem[];
  /** Payloads the framer handed back as not SIP. */
  notSip: number;
}

async function analyze(name: string): Promise<Result> {
  const result: Result = { messages: [], keepalives: [], problems: [], notSip: 0 };
  const framer = new SipFramer({
    onMessage: (m) => result.messages.push(m),
    onKeepalive: (k) => result.keepalives.push(k),
    onProblem: (p) => result.problems.push(p),
  });
  const decoder = new PacketDecoder(name, {
    onPayload: (p) => {
      if (!framer.onPayload(p)) result.notSip++;
    },
    onProblem: () => {},
    onTcpGap: (gap) => framer.gap(gap.streamId, gap),
    onTcpStreamEnd: (streamId) => framer.endStream(streamId),
  });
  await readCapture(publicCapture(name), {
    onInterface: (iface) => decoder.addInterface(iface),
    onFrame: (frame) => decoder.decode(frame),
    onProblem: () => {},
  });
  decoder.finish();
  framer.finish();
  return result;
}

function callIds(messages: SipMessage[]): number {
  return new Set(messages.flatMap((m) => (m.callId === undefined ? [] : [m.callId]))).size;
}

/** [file, SIP messages, distinct Call-IDs], tshark's figures unless a comment says otherwise. */
const EXPECTED: [string, number, number][] = [
  ['NormB__sipnab__Asterisk_ZFONE_XLITE.pcap', 27, 5],
  ['NormB__sipnab__DTMFsipinfo.pcap', 32, 1],
  ['NormB__sipnab__SIP_CALL_RTP_G711', 14, 4],
  ['NormB__sipnab__SIP_DTMF2.cap', 29, 5],
  ['NormB__sipnab__b2bua-asterisk.pcapng', 60, 12],
  ['NormB__sipnab__h263-over-rtp.pcap', 4, 1],
  ['NormB__sipnab__metasploit-sip-invite-spoof.pcap', 2, 1],
  ['NormB__sipnab__register-invite-reinvite-bye.pcap', 12, 2],
  ['NormB__sipnab__sip-488-codec-reject.pcapng', 13, 4],
  ['NormB__sipnab__sip-auth-failure.pcapng', 8, 2],
  ['NormB__sipnab__sip-proxy.pcap', 11, 1],
  ['NormB__sipnab__sip-routing-error.pcapng', 58, 18],
  ['NormB__sipnab__sip-rtp-g711.pcap', 10, 2],
  ['OISF__suricata-verify__public-cloudshark-sip-s0.pcap', 10, 3],
  ['OISF__suricata-verify__sdp.pcap', 2, 1],
  ['OISF__suricata-verify__sip-body-large.pcap', 2, 1],
  ['OISF__suricata-verify__sip-tcp.pcap', 2, 1],
  ['OISF__suricata-verify__sip_compact_form.pcap', 1, 1],
  ['OISF__suricata-verify__sip_header_multi_val.pcap', 1, 1],
  ['irontec__sngrep__aaa.pcap', 81, 6],
  ['irontec__sngrep__ipip.pcap', 4, 1],
  ['irontec__sngrep__ipv6frag.pcap', 32, 1],
  ['ntop__nDPI__sip_hello.pcapng', 8, 1],
  ['ntop__nDPI__webex.pcap', 22, 1],
  ['odedshimon__BruteShark__sip-rtp-g726.pcap', 48, 8],
  ['seladb__PcapPlusPlus__sip_non_default_port.pcap', 2, 2],
  ['seladb__PcapPlusPlus__sip_reqs.pcap', 4, 3],
  ['seladb__PcapPlusPlus__sip_resp.pcap', 7, 5],
  ['sipcapture__heplify__ipip0.pcap', 8, 3],
  ['sipcapture__heplify__sip_ipv4_tcp_retrans.pcap', 8, 1],
  ['sipcapture__heplify__sip_ipv6_udp.pcap', 6, 1],
  // tshark: 4 messages, 1 Call-ID. They travel over SCTP, which the decode stage does not
  // reassemble into transport payloads, so the SIP stage never sees them.
  ['sipcapture__heplify__sip_sctp.pcap', 0, 0],
  ['snort3__snort3_demo__SIP_Eyebeam2Eyebeam_Video_Audio.pcap', 68, 15],
  ['snort3__snort3_demo__digium.pcap', 19, 3],
  ['zeek__zeek__invalid-content-length.pcap', 2, 1],
  // tshark shows 1 message and no Call-ID: the REGISTER has none.
  ['zeek__zeek__sip-junk-before-request.pcap', 1, 0],
];

describe.skipIf(!havePublicCaptures)(`SIP over public captures (${havePublicCaptures ? 'present' : noPublicCapturesReason})`, () => {
  it.each(EXPECTED)('%s: %i messages, %i Call-IDs', async (name, messages, ids) => {
    const r = await analyze(name);
    expect(r.messages).toHaveLength(messages);
    expect(callIds(r.messages)).toBe(ids);
    expect(r.problems).toEqual([]);
    for (let i = 1; i < r.messages.length; i++) expect(r.messages[i].id).toBe(r.messages[i - 1].id + 1);
    for (const m of r.messages) {
      // Every parsed header, Via and URI span reads back as the text it was parsed from.
      for (const h of m.headers) expect(at(m.raw, h.valueSpan).replace(/[ \t]*\r?\n[ \t]+/g, ' ')).toBe(h.value);
      for (const v of m.vias) expect(at(m.raw, v.hostPortSpan).replace(/^\[|\](?=:|$)/g, '')).toContain(v.host);
      if (m.requestUri) expect(at(m.raw, m.requestUri.span)).toBe(m.requestUri.text);
      expect(m.origin.segments.reduce((n, s) => n + s.length, 0)).toBe(m.raw.length);
    }
  });

  it('TCP messages are reassembled and dated by the frame that completed them (as tshark)', async () => {
    const frames = async (name: string) => (await analyze(name)).messages.map((m) => m.origin.frames.at(-1));
    expect(await frames('OISF__suricata-verify__sip-body-large.pcap')).toEqual([9, 11]);
    expect(await frames('OISF__suricata-verify__sip-tcp.pcap')).toEqual([6, 8]);
    expect(await frames('sipcapture__heplify__sip_ipv4_tcp_retrans.pcap')).toEqual([28, 30, 31, 32, 33, 34, 35, 36]);
    expect(await frames('irontec__sngrep__ipip.pcap')).toEqual([1, 2, 3, 4]);
    const large = (await analyze('OISF__suricata-verify__sip-body-large.pcap')).messages[0];
    expect(large.origin.frames).toEqual([5, 6, 7, 8, 9]);
    expect(large.body.length).toBe(large.declaredContentLength);
    expect(large.defects).toEqual([]);
  });

  it('IPv6 fragments: the message spans both fragments', async () => {
    const r = await analyze('irontec__sngrep__ipv6frag.pcap');
    expect(r.messages[0].origin.frames).toEqual([1, 2]);
    expect(r.messages.map((m) => m.origin.frames.at(-1))).toEqual([2, 3, ...Array.from({ length: 30 }, (_, i) => i + 5)]);
  });

  it('compact header forms', async () => {
    const [m] = (await analyze('OISF__suricata-verify__sip_compact_form.pcap')).messages;
    expect(m.headers.filter((h) => h.name.length === 1).map((h) => `${h.name}=${h.canonical}`)).toEqual(['v=via', 'f=from', 't=to', 'c=content-type', 'l=content-length']);
    expect(m.vias[0]).toMatchObject({ host: '192.168.1.2', port: 5060, rport: null });
    expect(m).toMatchObject({ contentType: 'application/sdp', declaredContentLength: 272 });
    // The From display name is written \"arik\" (escaped quotes outside a quoted string).
    expect(m.from).toMatchObject({ displayName: '\\"arik\\"', uri: { user: '816666', host: 'voip.brurjula.net' }, params: { tag: '6433ef9' } });
    expect(m.contacts[0].uri.host).toBe('192.168.1.2');
    expect(m.sdp!.connection!.address).toBe('192.168.1.2');
  });

  it('hostile SDP: the SQL-injection c= is kept as written and flagged', async () => {
    const r = await analyze('sipcapture__heplify__ipip0.pcap');
    const invite = r.messages.find((m) => m.sdp?.defects.some((d) => d.code === 'sdp-bad-address'));
    expect(invite!.sdp!.connection!.address).toBe("'/**/OR/**/'1'/**/=/**/'1'--");
  });

  it('junk datagram before the request: four NUL bytes, an altered keepalive', async () => {
    // The "junk" is a separate datagram; the REGISTER itself is clean.
    const r = await analyze('zeek__zeek__sip-junk-before-request.pcap');
    expect(r.keepalives.map((k) => [k.kind, Array.from(k.bytes), k.origin.frames])).toEqual([['altered', [0, 0, 0, 0], [1]]]);
    expect(r.messages[0]).toMatchObject({ method: 'REGISTER', expires: 3600, defects: [] });
    expect(r.messages[0].origin.segments[0]).toMatchObject({ frameNumber: 2, frameOffset: 42 });
  });

  it('invalid Content-Length values', async () => {
    const r = await analyze('zeek__zeek__invalid-content-length.pcap');
    expect(r.messages.map((m) => m.defects.map((d) => d.code))).toEqual([['invalid-content-length'], ['invalid-content-length']]);
  });

  it('keepalives: CRLF pongs, and five-space keepalives from Nero SIPPS classified as altered', async () => {
    const g711 = await analyze('NormB__sipnab__SIP_CALL_RTP_G711');
    expect(g711.keepalives.map((k) => [k.kind, k.origin.frames[0]])).toEqual([['pong', 405], ['pong', 1774], ['pong', 3142]]);
    const aaa = await analyze('irontec__sngrep__aaa.pcap');
    expect(aaa.keepalives).toHaveLength(21);
    expect(aaa.keepalives.every((k) => k.kind === 'altered' && Buffer.from(k.bytes).toString() === '     ')).toBe(true);
  });

  it('unbracketed IPv6 hosts are read as IPv6 addresses, with a defect', async () => {
    const [invite] = (await analyze('sipcapture__heplify__sip_ipv6_udp.pcap')).messages;
    expect(invite.vias[0]).toMatchObject({ host: 'fe80:0:0:0:21a:a0ff:fe07:32e0', port: 5060 });
    expect(invite.contacts[0].uri).toMatchObject({ host: 'fe80:0:0:0:21a:a0ff:fe07:32e0', port: 5060 });
    expect(invite.from!.uri).toMatchObject({ host: 'fe80:0:0:0:21a:a0ff:fe07:32e0', port: undefined });
    expect(invite.defects.some((d) => d.code === 'unbracketed-ipv6')).toBe(true);
  });

  it('o=, c=, m= and a=rtcp agree with sdp-transform on every SDP in the captures', async () => {
    let compared = 0;
    for (const [name] of EXPECTED) {
      for (const m of (await analyze(name)).messages) {
        if (!m.sdp || m.sdp.lines.length === 0) continue;
        const first = m.sdp.lines[0].span.offset;
        const last = m.sdp.lines.at(-1)!.span;
        const reference = sdpTransform.parse(at(m.raw, { offset: first, length: last.offset + last.length - first }));
        if (m.sdp.origin && reference.origin) {
          expect(m.sdp.origin.sessionId).toBe(String(reference.origin.sessionId));
          expect(m.sdp.origin.address).toBe(reference.origin.address);
        }
        if (m.sdp.connection) expect(m.sdp.connection.address).toBe(reference.connection?.ip);
        expect(m.sdp.media.map((x) => [x.type, x.port, x.protocol, x.connection?.address, x.rtcpPort])).toEqual(
          reference.media.map((x) => [x.type, x.port, x.protocol, x.connection?.ip, x.rtcp?.port]),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
