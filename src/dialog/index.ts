/**
 * Dialog stage entry point: transactions, dialogs and media per capture point.
 */
export type * from './types.js';
export { DialogTracker, DEFAULT_DIALOG_CONFIG } from './tracker.js';
export { MediaTracker, type MediaClaim, type MediaOwner } from './media.js';
export { classifyPacket } from './rtp.js';
export { mediaEndpoints, normalizeAddress } from './sdp.js';
