/** Every rule, in the order the catalogue lists them. */
import type { Rule } from '../types.js';
import { ackTimeout } from './ack-timeout.js';
import { callIdRewritten } from './callid-rewritten.js';
import { contactRewritten } from './contact-rewritten.js';
import { contentLengthMismatch } from './content-length-mismatch.js';
import { fromToRewritten } from './from-to-rewritten.js';
import { headerAdded } from './header-added.js';
import { headerRemoved } from './header-removed.js';
import { headerRewritten } from './header-rewritten.js';
import { keepaliveMangled } from './keepalive-mangled.js';
import { malformedSip } from './malformed-sip.js';
import { mediaAddressMismatch } from './media-address-mismatch.js';
import { messageDropped } from './message-dropped.js';
import { natPayloadIntact } from './nat-payload-intact.js';
import { noAddressTranslation } from './no-address-translation.js';
import { oneWayMedia } from './one-way-media.js';
import { pinholeExpired } from './pinhole-expired.js';
import { privateAddressLeak } from './private-address-leak.js';
import { privateContactBehindNat } from './private-contact-behind-nat.js';
import { requestUriRewritten } from './request-uri-rewritten.js';
import { sdpAttributeRewritten } from './sdp-attribute-rewritten.js';
import { sdpConnectionRewritten } from './sdp-connection-rewritten.js';
import { sdpLineAdded } from './sdp-line-added.js';
import { sdpLineRemoved } from './sdp-line-removed.js';
import { sdpMediaPortRewritten } from './sdp-media-port-rewritten.js';
import { sdpOriginConnectionMismatch } from './sdp-origin-connection-mismatch.js';
import { sdpOriginRewritten } from './sdp-origin-rewritten.js';
import { signallingAddressMismatch } from './signalling-address-mismatch.js';
import { transactionTimeout } from './transaction-timeout.js';
import { viaRewritten } from './via-rewritten.js';

export const RULES: Rule[] = [
  requestUriRewritten,
  viaRewritten,
  contactRewritten,
  fromToRewritten,
  callIdRewritten,
  headerRewritten,
  headerAdded,
  headerRemoved,
  sdpOriginRewritten,
  sdpConnectionRewritten,
  sdpMediaPortRewritten,
  sdpAttributeRewritten,
  sdpLineAdded,
  sdpLineRemoved,
  messageDropped,
  natPayloadIntact,
  noAddressTranslation,
  contentLengthMismatch,
  privateAddressLeak,
  sdpOriginConnectionMismatch,
  signallingAddressMismatch,
  privateContactBehindNat,
  pinholeExpired,
  ackTimeout,
  transactionTimeout,
  oneWayMedia,
  mediaAddressMismatch,
  keepaliveMangled,
  malformedSip,
];
