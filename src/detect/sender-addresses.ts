/**
 * The addresses a message's sender wrote about itself: where it wants responses (top Via, only when
 * it is the only Via, i.e. the sender built the request), where it wants to be reached (Contact),
 * and where it wants media (SDP o= and c=). One-sided rules compare these with the packet source.
 */
import type { ByteSpan, SipMessage } from '../sip/types.js';
import { isIpLiteral } from '../util/address.js';

export interface SelfAddress {
  /** "Via[0].sent-by", "Contact[0]", "sdp o=", "sdp c=", "sdp m=audio c=". */
  field: string;
  host: string;
  span: ByteSpan;
}

export function senderAddresses(msg: SipMessage): SelfAddress[] {
  const out: SelfAddress[] = [];
  const via = msg.vias[0];
  if (msg.kind === 'request' && msg.vias.length === 1 && via && isIpLiteral(via.host)) {
    out.push({ field: 'Via[0].sent-by', host: via.host, span: via.hostPortSpan });
  }
  // A REGISTER response lists the registrar's bindings, not the registrar's own address.
  if (!(msg.kind === 'response' && msg.cseq?.method === 'REGISTER')) {
    msg.contacts.forEach((contact, i) => {
      if (isIpLiteral(contact.uri.host)) out.push({ field: `Contact[${i}]`, host: contact.uri.host, span: contact.uri.hostPortSpan });
    });
  }
  const sdp = msg.sdp;
  if (sdp) {
    if (sdp.origin && isIpLiteral(sdp.origin.address)) out.push({ field: 'sdp o=', host: sdp.origin.address, span: sdp.origin.line.span });
    if (sdp.connection && isIpLiteral(sdp.connection.address) && !isUnspecified(sdp.connection.address)) {
      out.push({ field: 'sdp c=', host: sdp.connection.address, span: sdp.connection.line.span });
    }
    for (const media of sdp.media) {
      const c = media.connection;
      if (c && isIpLiteral(c.address) && !isUnspecified(c.address)) out.push({ field: `sdp m=${media.type} c=`, host: c.address, span: c.line.span });
    }
  }
  return out;
}

/** c=0.0.0.0 is the old way to put a call on hold, not an address. */
function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
