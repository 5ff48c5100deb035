/** IP header facts shared by the packet decoder and the ICMP quote reader. */

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_SCTP = 132;

/**
 * Length of the IPv6 extension header `nextHeader` starting at bytes[offset] (the caller
 * checked 2 bytes are there), or -1 when `nextHeader` is not an extension header that can be
 * stepped over. AH is one too (RFC 4302 length in 4-byte units), in IPv4 as in IPv6.
 */
export function extensionHeaderLength(bytes: Uint8Array, offset: number, nextHeader: number): number {
  switch (nextHeader) {
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_DSTOPTS:
      return (bytes[offset + 1]! + 1) * 8;
    case IPPROTO_FRAGMENT:
      return 8;
    case IPPROTO_AH:
      return (bytes[offset + 1]! + 2) * 4;
    default:
      return -1;
  }
}
