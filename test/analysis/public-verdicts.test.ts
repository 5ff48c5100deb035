import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import type { Verdict } from '../../src/detect/types.js';
import { havePublicCaptures, noPublicCapturesReason, publicCapture, publicCapturesDir } from '../helpers/paths.js';

const NO_SIDES = { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };

/**
 * The public captures hold real NAT without ALG (seen from inside, e.g. aaa.pcap), anonymised
 * traffic with public packet addresses around private SIP addresses, B2BUAs and proxies: none of
 * it is ALG traffic, so none may be called one. Where one side alone can say more, the expected
 * verdict is pinned.
 */
const EXPECTED: Record<string, Verdict> = {
  // Inside the NAT: the server's Via received=80.230.219.70 for sent-by 192.168.1.2 shows the private Via left unchanged.
  'irontec__sngrep__aaa.pcap': 'nat-without-alg',
  // Anonymised: packet addresses 1.1.1.1/2.2.2.2 around 192.168.1.2 in Via/Contact/SDP (no rewrite).
  'OISF__suricata-verify__sdp.pcap': 'nat-without-alg',
  'OISF__suricata-verify__sip_compact_form.pcap': 'nat-without-alg',
  'OISF__suricata-verify__sip_header_multi_val.pcap': 'nat-without-alg',
  // Everything on one LAN, or on loopback: nothing to compare.
  'NormB__sipnab__sip-proxy.pcap': 'inconclusive',
  'NormB__sipnab__h263-over-rtp.pcap': 'inconclusive',
  'NormB__sipnab__b2bua-asterisk.pcapng': 'inconclusive',
  // 22 REGISTERs from the VPN side, never answered: a symptom, not ALG evidence.
  'ntop__nDPI__webex.pcap': 'inconclusive',
};

const captures = havePublicCaptures ? readdirSync(publicCapturesDir).filter((f) => f !== 'README.md').sort() : [];

/** SIP over SCTP is not decoded: the capture's SCTP frames are counted as skipped, and no SIP is found. */
const SCTP_ONLY = 'sipcapture__heplify__sip_sctp.pcap';

describe.skipIf(!havePublicCaptures)(havePublicCaptures ? 'verdicts on the public captures' : `verdicts on the public captures: skipped, ${noPublicCapturesReason}`, () => {
  it('finds all 36 captures', () => {
    expect(captures).toHaveLength(36);
  });

  it.each(captures)('%s is never called an ALG', async (name) => {
    const result = await analyzeCaptures({ files: [publicCapture(name)], sides: NO_SIDES });
    expect(result.files[0]!.error).toBeUndefined();
    if (name === SCTP_ONLY) {
      expect(result.stats.sipMessages).toBe(0);
      expect(result.stats.skipped.sctp).toBeGreaterThan(0);
    } else {
      expect(result.stats.sipMessages).toBeGreaterThan(0);
    }
    expect(['alg-detected', 'alg-suspected']).not.toContain(result.verdict.verdict);
    if (EXPECTED[name]) expect(result.verdict.verdict).toBe(EXPECTED[name]);
    // Every verdict is backed: either findings say why, or the reason names what is missing.
    if (result.verdict.verdict === 'inconclusive') expect(result.verdict.nextSteps.length).toBeGreaterThan(0);
    else expect(result.findings.length).toBeGreaterThan(0);
  });
});
