import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../src/decode/decoder.js';
import type { DecodeOptions } from '../../src/decode/decoder.js';
import type { TransportPayload } from '../../src/decode/types.js';
import { ipv4, ipv6, TCP_FLAGS, tcp, text, type Bytes } from './helpers/packets.js';
import { accountedFrames, decodeFrames } from './helpers/sink.js';

const { FIN, SYN, RST, PSH, ACK } = TCP_FLAGS;
const CLIENT_ISN = 1000;
const SERVER_ISN = 5000;

/** Client-to-server and server-to-client segments of one connection, as raw IPv4 packets. */
function c2s(seq: number, data: string | Bytes = '', flags = PSH | ACK, ack = SERVER_ISN + 1, port = 40000): Buffer {
  return ipv4(tcp(typeof data === 'string' ? text(data) : data, { srcPort: port, dstPort: 5060, seq, ack, flags }), { src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 });
}
function s2c(seq: number, data: string | Bytes = '', flags = PSH | ACK, ack = CLIENT_ISN + 1, port = 40000): Buffer {
  return ipv4(tcp(typeof data === 'string' ? text(data) : data, { srcPort: 5060, dstPort: port, seq, ack, flags }), { src: '10.0.0.2', dst: '10.0.0.1', protocol: 6 });
}
const handshake = [c2s(CLIENT_ISN, '', SYN, 0), s2c(SERVER_ISN, '', SYN | ACK), c2s(CLIENT_ISN + 1, '', ACK)];
const DATA_AT = 20 + 20;
const CLIENT_STREAM = 'test.pcap#0 tcp#0 10.0.0.1:40000->10.0.0.2:5060';

function run(frames: (Bytes | { data: Bytes; options: { sec?: number; wireLength?: number } })[], options: DecodeOptions = {}) {
  const result = decodeFrames(LINKTYPE.RAW, frames, options);
  expect(accountedFrames(result.stats)).toBe(frames.length);
  return result;
}

function clientText(payloads: TransportPayload[]): string[] {
  return payloads.filter((p) => p.streamId === CLIENT_STREAM).map((p) => `${p.streamOffset}:${Buffer.from(p.data).toString('latin1')}`);
}

/** Each payload byte is the frame byte its segment names; segments tile the payload. */
function expectSegmentsMapBytes(payload: TransportPayload, frames: Bytes[]): void {
  let covered = 0;
  for (const segment of payload.segments) {
    expect(segment.payloadOffset).toBe(covered);
    const bytes = frames[segment.frameNumber - 1]!.subarray(segment.frameOffset, segment.frameOffset + segment.length);
    expect(Buffer.from(bytes).equals(Buffer.from(payload.data.subarray(covered, covered + segment.length)))).toBe(true);
    covered += segment.length;
  }
  expect(covered).toBe(payload.data.length);
}

describe('TCP stream reassembly', () => {
  it('delivers in-order data from offset 0 after the ISN, then ends on FIN', () => {
    const frames = [...handshake, c2s(1001, 'ABC'), c2s(1004, 'DEF'), c2s(1007, '', FIN | ACK)];
    const { sink, stats } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:ABC', '3:DEF']);
    expect(sink.payloads[0]).toMatchObject({ transport: 'tcp', src: { ip: '10.0.0.1', port: 40000 }, dst: { ip: '10.0.0.2', port: 5060 }, ttl: 64, tunnelled: false });
    expect(sink.payloads[1]!.segments).toEqual([{ frameNumber: 5, frameOffset: DATA_AT, payloadOffset: 0, length: 3 }]);
    expect(sink.events).toEqual(['payload tcp 0 3', 'payload tcp 3 3', `end ${CLIENT_STREAM}`]);
    expect(stats).toMatchObject({ tcpSegments: 2, ignored: { 'tcp-no-payload': 4 } });
  });

  it('drops exact retransmissions and delivers only the new part of an overlapping one', () => {
    const frames = [...handshake, c2s(1001, 'ABCDEF'), c2s(1001, 'ABCDEF'), c2s(1004, 'DEFGHI')];
    const { sink, stats } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:ABCDEF', '6:GHI']);
    expect(sink.payloads[1]!.segments).toEqual([{ frameNumber: 6, frameOffset: DATA_AT + 3, payloadOffset: 0, length: 3 }]);
    expect(stats.ignored['tcp-retransmission']).toBe(1);
  });

  it('holds out-of-order segments until the hole fills, then delivers one merged chunk', () => {
    const frames = [...handshake, c2s(1007, 'GHI'), c2s(1004, 'DEF'), c2s(1001, 'ABC')];
    const { sink } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:ABCDEFGHI']);
    const chunk = sink.payloads[0]!;
    expect(chunk.segments.map((s) => s.frameNumber)).toEqual([6, 5, 4]);
    expect(chunk.ts).toEqual({ sec: 1_700_000_005, nsec: 0 });
    expectSegmentsMapBytes(chunk, frames);
  });

  it('keeps the first copy of bytes held out of order when a retransmission overlaps them', () => {
    const frames = [...handshake, c2s(1004, 'DEF'), c2s(1003, 'cdefg'), c2s(1001, 'AB')];
    const { sink } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:ABcDEFg']);
    expectSegmentsMapBytes(sink.payloads[0]!, frames);
  });

  it('lets bytes held out of order win over an in-order retransmission that covers them', () => {
    const frames = [...handshake, c2s(1004, 'DEF'), c2s(1001, 'abcdefghi')];
    const { sink } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:abcDEFghi']);
    expect(sink.payloads[0]!.segments.map((s) => [s.frameNumber, s.length])).toEqual([
      [5, 3],
      [4, 3],
      [5, 3],
    ]);
    expectSegmentsMapBytes(sink.payloads[0]!, frames);
  });

  it('declares a gap when the peer acknowledges bytes the capture never saw, and goes on at the right offset', () => {
    const frames = [...handshake, c2s(1001, 'ABC'), c2s(1007, 'GHI'), s2c(SERVER_ISN + 1, '', ACK, 1010)];
    const { sink, stats } = run(frames);
    expect(sink.events).toEqual(['payload tcp 0 3', 'gap 3 3', 'payload tcp 6 3', `end ${CLIENT_STREAM}`]);
    expect(sink.gaps[0]).toMatchObject({ streamId: CLIENT_STREAM, streamOffset: 3, length: 3, frameNumber: 6, src: { ip: '10.0.0.1' } });
    expect(clientText(sink.payloads)).toEqual(['0:ABC', '6:GHI']);
    expect(stats.tcpGapBytes).toBe(3);
  });

  it('declares a gap for a hole still open at the end of the capture', () => {
    const frames = [...handshake, c2s(1001, 'ABC'), c2s(1010, 'JKL')];
    const { sink } = run(frames);
    expect(sink.events).toEqual(['payload tcp 0 3', 'gap 3 6', 'payload tcp 9 3', `end ${CLIENT_STREAM}`]);
    expect(sink.gaps[0]!.frameNumber).toBe(5);
  });

  it('declares a gap when the per-direction buffer is full', () => {
    const frames = [...handshake, c2s(1001, 'ABC'), c2s(1010, 'JKLMNO'), c2s(1016, 'PQRSTU')];
    const { sink } = run(frames, { tcpMaxBufferPerDirection: 10 });
    expect(sink.events.slice(0, 3)).toEqual(['payload tcp 0 3', 'gap 3 6', 'payload tcp 9 12']);
    expect(sink.gaps[0]!.frameNumber).toBe(6);
  });

  it('declares a gap when too many pieces are held', () => {
    const frames = [...handshake, c2s(1001, 'A'), c2s(1003, 'C'), c2s(1005, 'E'), c2s(1007, 'G')];
    const { sink } = run(frames, { tcpMaxPiecesPerDirection: 2 });
    expect(sink.events.slice(0, 3)).toEqual(['payload tcp 0 1', 'gap 1 1', 'payload tcp 2 1']);
  });

  it('follows sequence numbers across the 2^32 wrap, in any order', () => {
    const isn = 0xfffffff0;
    const first = Buffer.alloc(20, 0x61);
    const second = Buffer.alloc(20, 0x62);
    const frames = [c2s(isn, '', SYN, 0), c2s(5, second), c2s(0xfffffff1, first), c2s(25, 'END')];
    const { sink } = run(frames);
    expect(clientText(sink.payloads)).toEqual([`0:${'a'.repeat(20)}${'b'.repeat(20)}`, '40:END']);
  });

  it('starts a stream whose SYN was not captured at its first sequence number', () => {
    const frames = [c2s(777777, 'HELLO'), c2s(777782, 'WORLD'), c2s(777770, 'EARLIER')];
    const { sink, stats } = run(frames);
    expect(clientText(sink.payloads)).toEqual(['0:HELLO', '5:WORLD']);
    expect(stats.problems).toEqual({ 'tcp-data-before-start': 1 });
  });

  it('waits for a hole before FIN, then delivers everything before ending', () => {
    const frames = [...handshake, c2s(1001, 'ABC'), c2s(1007, 'GHI', FIN | ACK), c2s(1004, 'DEF')];
    const { sink } = run(frames);
    expect(sink.events).toEqual(['payload tcp 0 3', 'payload tcp 3 6', `end ${CLIENT_STREAM}`]);
  });

  it('ends both directions on RST, declaring holes and delivering what was held', () => {
    const serverStream = 'test.pcap#0 tcp#0 10.0.0.2:5060->10.0.0.1:40000';
    const frames = [...handshake, c2s(1001, 'ABC'), s2c(5001, 'SIP/2.0 200 OK'), c2s(1007, 'GHI'), s2c(5015, '', RST | ACK)];
    const { sink } = run(frames);
    expect(sink.events).toEqual(['payload tcp 0 3', 'payload tcp 0 14', 'gap 3 3', 'payload tcp 6 3', `end ${CLIENT_STREAM}`, `end ${serverStream}`]);
  });

  it('counts data after FIN as a problem', () => {
    const frames = [...handshake, c2s(1001, 'ABC', FIN | PSH | ACK), c2s(1005, 'LATE')];
    const { stats } = run(frames);
    expect(stats.problems).toEqual({ 'tcp-data-after-end': 1 });
  });

  it('starts a new stream when a new SYN reuses the 4-tuple', () => {
    const frames = [...handshake, c2s(1001, 'ONE', FIN | PSH | ACK), c2s(90000, '', SYN, 0), c2s(90001, 'TWO')];
    const { sink } = run(frames);
    expect(sink.payloads.map((p) => [p.streamId, p.streamOffset, Buffer.from(p.data).toString()])).toEqual([
      [CLIENT_STREAM, 0, 'ONE'],
      ['test.pcap#0 tcp#1 10.0.0.1:40000->10.0.0.2:5060', 0, 'TWO'],
    ]);
  });

  it('delivers data carried on a SYN (TCP fast open) at offset 0', () => {
    const { sink } = run([c2s(CLIENT_ISN, 'FAST', SYN, 0), c2s(1005, 'ER')]);
    expect(clientText(sink.payloads)).toEqual(['0:FAST', '4:ER']);
  });

  it('keeps the two directions apart, each from offset 0', () => {
    const frames = [...handshake, c2s(1001, 'INVITE'), s2c(5001, 'SIP/2.0 100'), c2s(1007, 'ACK')];
    const { sink } = run(frames);
    expect(sink.payloads.map((p) => [p.streamId!.split(' ')[2], p.streamOffset])).toEqual([
      ['10.0.0.1:40000->10.0.0.2:5060', 0],
      ['10.0.0.2:5060->10.0.0.1:40000', 0],
      ['10.0.0.1:40000->10.0.0.2:5060', 6],
    ]);
  });

  it('names IPv6 streams with bracketed addresses', () => {
    const packet = ipv6(tcp(text('X'), { srcPort: 1, dstPort: 2, seq: 5 }), { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6 });
    const { sink } = run([packet]);
    expect(sink.payloads[0]!.streamId).toBe('test.pcap#0 tcp#0 [2001:db8::1]:1->[2001:db8::2]:2');
  });

  it('closes connections silent for longer than the idle timeout, and counts them', () => {
    const frames = [
      { data: c2s(1001, 'ABC', PSH | ACK), options: { sec: 10 } },
      { data: c2s(1007, 'GHI', PSH | ACK), options: { sec: 11 } },
      { data: c2s(1, 'NEW', PSH | ACK, 0, 40001), options: { sec: 80 } },
    ];
    const { sink, stats } = run(frames, { tcpIdleTimeoutSeconds: 60 });
    expect(sink.events).toEqual([
      'payload tcp 0 3',
      'gap 3 3',
      'payload tcp 6 3',
      `end ${CLIENT_STREAM}`,
      'payload tcp 0 3',
      'end test.pcap#0 tcp#1 10.0.0.1:40001->10.0.0.2:5060',
    ]);
    expect(stats.tcpConnectionsEvictedIdle).toBe(1);
  });

  it('closes the least recently active connection beyond the connection cap', () => {
    const frames = [c2s(1, 'A', PSH | ACK, 0, 1), c2s(1, 'B', PSH | ACK, 0, 2), c2s(2, 'A', PSH | ACK, 0, 1), c2s(1, 'C', PSH | ACK, 0, 3)];
    const { sink, stats } = run(frames, { maxTcpConnections: 2 });
    expect(sink.streamEnds.map((e) => e.streamId.split(' ')[2])).toEqual(['10.0.0.1:2->10.0.0.2:5060', '10.0.0.1:1->10.0.0.2:5060', '10.0.0.1:3->10.0.0.2:5060']);
    expect(stats.tcpConnectionsEvictedOverCap).toBe(1);
  });

  it('delivers the captured part of a segment cut by the snaplen; the rest becomes a gap', () => {
    const full = c2s(1001, 'ABCDEFGHIJ');
    const frames = [...handshake, { data: full.subarray(0, DATA_AT + 4), options: { wireLength: full.length } }, c2s(1011, 'KLM')];
    const { sink, stats } = run(frames);
    expect(sink.events).toEqual(['payload tcp 0 4', 'problem tcp-truncated-by-snaplen', 'gap 4 6', 'payload tcp 10 3', `end ${CLIENT_STREAM}`]);
    expect(stats.problems).toEqual({ 'tcp-truncated-by-snaplen': 1 });
  });
});
