import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameData, readCapture } from '../../src/capture/index.js';
import type { CaptureSink, Frame } from '../../src/capture/index.js';
import { havePublicCaptures, noPublicCapturesReason, projectCapture, publicCapture } from '../helpers/paths.js';
import { collect, epoch, feed } from './collect.js';

/** Frame count, captured bytes, first and last frame.time_epoch, and a digest of every frame. */
interface Reading {
  frames: number;
  capturedBytes: number;
  first: string;
  last: string;
  digest: string;
}

function digestSink(): { sink: CaptureSink; result(): Reading } {
  const hash = createHash('sha256');
  let frames = 0;
  let capturedBytes = 0;
  let first = '';
  let last = '';
  const onFrame = (f: Frame): void => {
    frames++;
    capturedBytes += f.capturedLength;
    last = epoch(f.ts);
    if (frames === 1) first = last;
    hash.update(`${f.frameNumber} ${f.interfaceId} ${last} ${f.wireLength} ${f.streamOffset}|`);
    hash.update(frameData(f));
  };
  return {
    sink: { ...collect().sink, onFrame },
    result: () => ({ frames, capturedBytes, first, last, digest: hash.digest('hex') }),
  };
}

/**
 * tshark 4.0 figures for every public capture, computed once and written here:
 *   tshark -r F -T fields -e frame.number | wc -l          (frames)
 *   tshark -r F -T fields -e frame.cap_len | sum           (captured bytes)
 *   tshark -r F -T fields -e frame.time_epoch | head/tail  (first, last)
 * and the link type from the file header (README column).
 */
const PUBLIC: Array<[string, number, number, string, string, number]> = [
  ['NormB__sipnab__Asterisk_ZFONE_XLITE.pcap', 1042, 238885, '1285571569.978304000', '1285571602.468332000', 1],
  ['NormB__sipnab__DTMFsipinfo.pcap', 32, 24893, '1303892069.846846000', '1303892148.321286000', 1],
  ['NormB__sipnab__SIP_CALL_RTP_G711', 4269, 855508, '1105725482.965944000', '1105725517.874679000', 1],
  ['NormB__sipnab__SIP_DTMF2.cap', 1360, 398627, '1126267345.330945000', '1126267445.367724000', 1],
  ['NormB__sipnab__b2bua-asterisk.pcapng', 416, 118762, '1463595783.881485000', '1463595811.065741000', 1],
  ['NormB__sipnab__h263-over-rtp.pcap', 49, 13590, '1208261984.291540000', '1208261985.768136000', 0],
  ['NormB__sipnab__metasploit-sip-invite-spoof.pcap', 3, 622, '1175737878.700063000', '1175737878.801278000', 1],
  ['NormB__sipnab__register-invite-reinvite-bye.pcap', 230, 46285, '1782336874.936653000', '1782336877.273496000', 1],
  ['NormB__sipnab__sip-488-codec-reject.pcapng', 13, 7723, '1566926798.890031000', '1566926808.953340000', 1],
  ['NormB__sipnab__sip-auth-failure.pcapng', 8, 5745, '1463472095.431471000', '1463472095.937917000', 1],
  ['NormB__sipnab__sip-proxy.pcap', 11, 6693, '1312180650.454022000', '1312180653.424145000', 1],
  ['NormB__sipnab__sip-routing-error.pcapng', 58, 40247, '1463594496.212041000', '1463594761.080353000', 1],
  ['NormB__sipnab__sip-rtp-g711.pcap', 852, 185175, '1480171979.666393000', '1480171996.569179000', 1],
  ['OISF__suricata-verify__public-cloudshark-sip-s0.pcap', 10, 5876, '1105725482.965944000', '1105725507.658696000', 1],
  ['OISF__suricata-verify__sdp.pcap', 2, 2047, '1728977333.934216000', '1728977333.934449000', 1],
  ['OISF__suricata-verify__sip-body-large.pcap', 16, 66920, '1782243452.934517000', '1782243452.936081000', 0],
  ['OISF__suricata-verify__sip-tcp.pcap', 11, 1818, '1643827934.643122000', '1643827934.687505000', 1],
  ['OISF__suricata-verify__sip_compact_form.pcap', 1, 936, '1713446096.386450000', '1713446096.386450000', 1],
  ['OISF__suricata-verify__sip_header_multi_val.pcap', 1, 970, '1718810493.156061000', '1718810493.156061000', 1],
  ['irontec__sngrep__aaa.pcap', 691, 99997, '1120469540.839312000', '1120471107.427770000', 1],
  ['irontec__sngrep__ipip.pcap', 4, 3053, '1639489747.335564000', '1639489781.007679000', 1],
  ['irontec__sngrep__ipv6frag.pcap', 34, 30761, '1647926426.047902000', '1647926590.661924000', 113],
  ['ntop__nDPI__sip_hello.pcapng', 30, 5592, '1645515834.707950000', '1645516326.267438000', 1],
  ['ntop__nDPI__webex.pcap', 1110, 555106, '1444570624.853841000', '1444570742.172121000', 1],
  ['odedshimon__BruteShark__sip-rtp-g726.pcap', 3464, 448360, '1480172660.882390000', '1480172729.670247000', 1],
  ['seladb__PcapPlusPlus__sip_non_default_port.pcap', 2, 1944, '1766420461.358045000', '1766420462.787319000', 1],
  ['seladb__PcapPlusPlus__sip_reqs.pcap', 4, 2400, '1105725482.965944000', '1480255719.610514000', 1],
  ['seladb__PcapPlusPlus__sip_resp.pcap', 7, 3587, '1105725482.973833000', '1412966549.724840000', 1],
  ['sipcapture__heplify__ipip0.pcap', 8, 5933, '1774015992.783378000', '1774015994.733898000', 101],
  ['sipcapture__heplify__sip_ipv4_tcp_retrans.pcap', 196, 43819, '1507433574.088315000', '1507433582.710700000', 113],
  ['sipcapture__heplify__sip_ipv6_udp.pcap', 6, 3586, '1328589362.251758000', '3867576602.251758000', 1],
  ['sipcapture__heplify__sip_sctp.pcap', 5, 3352, '1579813424.069607000', '1579813424.187847000', 113],
  ['snort3__snort3_demo__SIP_Eyebeam2Eyebeam_Video_Audio.pcap', 3606, 1022789, '1182862478.450329000', '1182862516.555049000', 1],
  ['snort3__snort3_demo__digium.pcap', 31, 30339, '1299021639.492973000', '1299021639.505792000', 1],
  ['zeek__zeek__invalid-content-length.pcap', 2, 524, '1781520273.766727000', '1781520273.767557000', 1],
  ['zeek__zeek__sip-junk-before-request.pcap', 2, 140, '1618437612.376019000', '1618437612.376318000', 1],
];

describe.skipIf(!havePublicCaptures)(`public captures (${havePublicCaptures ? 'present' : noPublicCapturesReason})`, () => {
  it.each(PUBLIC)('%s reads to the end as tshark does', async (name, frames, capturedBytes, first, last, linkType) => {
    const file = publicCapture(name);
    const { sink, result } = digestSink();
    const problems: unknown[] = [];
    const summary = await readCapture(file, { ...sink, onProblem: (p) => problems.push(p) });
    expect(problems).toEqual([]);
    expect(summary.bytesRead).toBe(readFileSync(file).length);
    expect(summary.interfaces.map((i) => i.linkType)).toEqual([linkType]);
    const reading = result();
    expect(reading).toMatchObject({ frames, capturedBytes, first, last });
    // The same frames, byte for byte, when the file arrives in small uneven pieces.
    const chunked = digestSink();
    feed(readFileSync(file), { seed: frames, max: 3000 }).frames.forEach((f) => chunked.sink.onFrame(f));
    expect(chunked.result()).toEqual(reading);
  });
});

describe('captures written by tcpdump and dumpcap (captures/tools, see make-captures.sh)', () => {
  let dir: string | undefined;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the tcpdump -i any capture as one Linux cooked v2 interface', async () => {
    const { sink, result } = digestSink();
    const summary = await readCapture(projectCapture('tools/any-sll2.pcap'), sink);
    expect(summary).toMatchObject({ format: 'pcap', problems: [], interfaces: [{ linkType: 276, tsUnitsPerSecond: 1e6 }] });
    expect(result()).toMatchObject({ frames: 35, capturedBytes: 5004, first: '1795320253.327657000', last: '1795320260.399734000' });
  });

  it('reads the nanosecond pcap to the nanosecond', async () => {
    const { sink, result } = digestSink();
    const summary = await readCapture(projectCapture('tools/nano.pcap'), sink);
    expect(summary).toMatchObject({ format: 'pcap', problems: [], interfaces: [{ linkType: 1, tsUnitsPerSecond: 1e9 }] });
    expect(result()).toMatchObject({ frames: 29, capturedBytes: 4344, first: '1795320253.327657636', last: '1795320260.399734105' });
  });

  it('reads the two-interface dumpcap pcapng with its names and statistics', async () => {
    const c = collect();
    const summary = await readCapture(projectCapture('tools/two-interfaces.pcapng'), c.sink);
    expect(summary.problems).toEqual([]);
    expect(summary.interfaces).toMatchObject([
      { id: 0, name: 'lo', linkType: 1, tsUnitsPerSecond: 1e9 },
      { id: 1, name: 'veth-cap-a', linkType: 1, tsUnitsPerSecond: 1e9 },
    ]);
    // tshark: 35 frames, 6 with frame.interface_id 0 and 29 with 1.
    expect(c.frames).toHaveLength(35);
    expect(c.frames.filter((f) => f.interfaceId === 0)).toHaveLength(6);
    expect(c.frames.filter((f) => f.interfaceId === 1)).toHaveLength(29);
    expect(epoch(c.frames[0].ts)).toBe('1795320253.327657636');
    expect(epoch(c.frames[34].ts)).toBe('1795320260.399734105');
    expect(c.statistics.map((s) => [s.interfaceId, s.packetsReceived, s.packetsDroppedByInterface])).toEqual([
      [0, 6n, 0n],
      [1, 29n, 0n],
    ]);
  });

  it('reads the gzip copy as the same frames', async () => {
    const plain = digestSink();
    await readCapture(projectCapture('tools/two-interfaces.pcapng'), plain.sink);
    const gz = digestSink();
    const summary = await readCapture(projectCapture('tools/two-interfaces.pcapng.gz'), gz.sink);
    expect(summary).toMatchObject({ compressed: true, format: 'pcapng', frames: 35, problems: [] });
    expect(gz.result()).toEqual(plain.result());
  });

  it('numbers interfaces across sections of two pcapng files joined with cat', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'algscope-sections-'));
    const one = readFileSync(projectCapture('tools/two-interfaces.pcapng'));
    const joined = path.join(dir, 'twice.pcapng');
    writeFileSync(joined, Buffer.concat([one, one]));
    const c = collect();
    const summary = await readCapture(joined, c.sink);
    // tshark: 70 frames; frame 36 (first of section 2) has the same time as frame 1, and
    // frame.interface_id restarts at 0 in section 2, while capinfos lists interfaces #0..#3.
    expect(summary).toMatchObject({ frames: 70, problems: [] });
    expect(summary.interfaces.map((i) => [i.id, i.section, i.idInSection, i.name])).toEqual([
      [0, 0, 0, 'lo'],
      [1, 0, 1, 'veth-cap-a'],
      [2, 1, 0, 'lo'],
      [3, 1, 1, 'veth-cap-a'],
    ]);
    expect(c.frames[35]).toMatchObject({ frameNumber: 36, interfaceId: c.frames[0].interfaceId + 2 });
    expect(epoch(c.frames[35].ts)).toBe('1795320253.327657636');
    expect(c.frames[35].streamOffset).toBe(one.length + c.frames[0].streamOffset);
    expect(c.statistics.map((s) => s.interfaceId)).toEqual([0, 1, 2, 3]);
  });
});
