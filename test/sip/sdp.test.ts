import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../src/sip/sdp.js';
import { at, bytes, crlf } from './helpers.js';

function sdpIn(prefix: string, sdp: string) {
  const raw = bytes(prefix + sdp);
  return { raw, session: parseSdp(raw, { offset: prefix.length, length: sdp.length }) };
}

const OFFER = crlf(`v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
i=A Seminar on the session description protocol
c=IN IP4 192.168.1.2
t=2873397496 2873404696
a=recvonly
m=audio 49170 RTP/AVP 0 8 101
i=original audio
c=IN IP4 192.168.1.3
a=rtcp:53020 IN IP4 126.16.64.4
a=sendonly
m=video 51372/2 RTP/AVP 99
a=rtcp:51373
a=rtcp-mux
a=candidate:1 1 UDP 2130706431 10.0.1.1 8998 typ host
a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 10.0.1.1 rport 8998
a=inactive
m=audio 0 RTP/AVP 0
`);

describe('parseSdp', () => {
  const prefix = 'SIP/2.0 200 OK\r\nContent-Length: 999\r\n\r\n';
  const { raw, session } = sdpIn(prefix, OFFER);

  it('keeps every line with its span into raw and its media index', () => {
    expect(session.lines).toHaveLength(19);
    for (const line of session.lines) expect(at(raw, line.span)).toBe(`${line.type}=${line.value}`);
    expect(session.lines[0].span.offset).toBe(prefix.length);
    expect(session.lines.map((l) => l.mediaIndex)).toEqual([-1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]);
    expect(session.defects).toEqual([]);
  });

  it('origin and session connection', () => {
    expect(session.origin).toMatchObject({
      username: 'jdoe', sessionId: '2890844526', sessionVersion: '2890842807', netType: 'IN', addrType: 'IP4', address: '10.47.16.5',
    });
    expect(session.connection).toMatchObject({ netType: 'IN', addrType: 'IP4', address: '192.168.1.2' });
    expect(at(raw, session.connection!.line.span)).toBe('c=IN IP4 192.168.1.2');
    expect(session.direction).toBe('recvonly');
  });

  it('media sections', () => {
    const [audio, video, disabled] = session.media;
    expect(audio).toMatchObject({
      type: 'audio', port: 49170, protocol: 'RTP/AVP', formats: '0 8 101', rtcpPort: 53020, rtcpAddress: '126.16.64.4',
      rtcpMux: false, direction: 'sendonly', candidates: [],
    });
    expect(audio.portCount).toBeUndefined();
    expect(audio.connection!.address).toBe('192.168.1.3');
    expect(video).toMatchObject({ type: 'video', port: 51372, portCount: 2, rtcpPort: 51373, rtcpMux: true, direction: 'inactive' });
    expect(video.rtcpAddress).toBeUndefined();
    expect(video.connection).toBeUndefined();
    expect(video.candidates).toEqual([
      '1 1 UDP 2130706431 10.0.1.1 8998 typ host',
      '2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 10.0.1.1 rport 8998',
    ]);
    expect(disabled.port).toBe(0);
    expect(disabled.direction).toBeUndefined();
  });

  it('i= lines at session and media level', () => {
    expect(session.information.map((l) => [l.value, l.mediaIndex])).toEqual([
      ['A Seminar on the session description protocol', -1],
      ['original audio', 0],
    ]);
  });
});

describe('parseSdp: hostile and broken SDP', () => {
  it('a SQL-injection c= line is kept as written and flagged', () => {
    // From a real scanner INVITE (sipcapture/heplify ipip0.pcap).
    const sdp = "v=0\r\no=root 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 '/**/OR/**/'1'/**/=/**/'1'--\r\nm=audio 0 RTP/AVP 0\r\n";
    const { raw, session } = sdpIn('', sdp);
    expect(session.connection!.address).toBe("'/**/OR/**/'1'/**/=/**/'1'--");
    expect(session.defects.map((d) => d.code)).toEqual(['sdp-bad-address']);
    expect(at(raw, { offset: session.defects[0].offset, length: 2 })).toBe('c=');
  });

  it('addresses with spaces keep the rest of the line', () => {
    const { session } = sdpIn('', 'c=IN IP4 1.2.3.4 OR 1=1\r\n');
    expect(session.connection!.address).toBe('1.2.3.4 OR 1=1');
    expect(session.defects.map((d) => d.code)).toEqual(['sdp-bad-address']);
  });

  it('accepts FQDN, IPv6 and multicast addresses', () => {
    const { session } = sdpIn('', 'c=IN IP4 media.example.com\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\nm=audio 2 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\n');
    expect(session.defects).toEqual([]);
    expect(session.media.map((m) => m.connection!.address)).toEqual(['2001:db8::1', '224.2.1.1/127/3']);
  });

  it('bad lines and fields become defects, never exceptions', () => {
    const sdp = 'v=0\r\nthis is not sdp\r\no=short\r\nc=IN\r\nm=audio notaport RTP/AVP 0\r\na=rtcp:xyz\r\n\r\ns=-\r\n=x\r\n';
    const { session } = sdpIn('', sdp);
    expect(session.defects.map((d) => d.code)).toEqual([
      'sdp-bad-line', 'sdp-bad-origin', 'sdp-bad-connection', 'sdp-bad-media', 'sdp-bad-rtcp', 'sdp-blank-line', 'sdp-bad-line',
    ]);
    expect(session.media[0]).toMatchObject({ type: 'audio', port: -1, protocol: 'RTP/AVP' });
    expect(session.origin).toBeUndefined();
    expect(session.lines.map((l) => l.type).join('')).toBe('vocmas');
  });

  it('bare LF line ends and a trailing line without a line end', () => {
    const { raw, session } = sdpIn('xx', 'v=0\nc=IN IP4 10.0.0.9\nm=audio 4000 RTP/AVP 0');
    expect(session.media[0].port).toBe(4000);
    expect(at(raw, session.media[0].line.span)).toBe('m=audio 4000 RTP/AVP 0');
    expect(session.defects).toEqual([]);
  });

  it('a second o= line is misplaced', () => {
    const { session } = sdpIn('', 'o=a 1 1 IN IP4 1.1.1.1\r\no=b 2 2 IN IP4 2.2.2.2\r\n');
    expect(session.origin!.username).toBe('a');
    expect(session.defects.map((d) => d.code)).toEqual(['sdp-misplaced-origin']);
  });
});
