import type { CapturePointRef } from './types.js';

/**
 * Key of a capture point: "lan.pcap#0" for an interface of a capture, "any.pcapng#0/if3" for
 * one Linux interface (SLL2 interface index) inside a Linux "any" capture.
 */
export function capturePointKey(source: string, interfaceId: number, linuxIfIndex?: number): string {
  return linuxIfIndex === undefined ? `${source}#${interfaceId}` : `${source}#${interfaceId}/if${linuxIfIndex}`;
}

export function capturePointRef(source: string, interfaceId: number, linuxIfIndex?: number): CapturePointRef {
  const ref: CapturePointRef = { key: capturePointKey(source, interfaceId, linuxIfIndex), source, interfaceId };
  if (linuxIfIndex !== undefined) ref.linuxIfIndex = linuxIfIndex;
  return ref;
}
