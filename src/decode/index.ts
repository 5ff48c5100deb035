export { PacketDecoder, LINKTYPE, type DecodeOptions } from './decoder.js';
export { capturePointKey, capturePointRef } from './capture-point.js';
export { formatIPv4, formatIPv6, formatEndpoint } from './addresses.js';
export type * from './types.js';
