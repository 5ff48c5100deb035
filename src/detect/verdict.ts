/**
 * One verdict per analysis, always backed by the findings that decide it (catalogue: "Verdicts").
 */
import type { Correlation } from '../correlate/types.js';
import type { Finding, Implication, Verdict, VerdictResult } from './types.js';

function rulesOf(findings: Finding[], implies: Implication): string {
  return [...new Set(findings.filter((f) => f.implies === implies).map((f) => f.rule))].join(', ');
}

function captureHint(correlation: Correlation): string {
  const sides = new Set(correlation.points.map((p) => p.side));
  if (sides.has('inside') && !sides.has('outside')) {
    return 'Capture on the WAN (provider) side of the router at the same time as the phone side, and pass both files (--inside and --outside).';
  }
  if (sides.has('outside') && !sides.has('inside')) {
    return 'Capture on the LAN (phone) side of the router at the same time as the WAN side, and pass both files (--inside and --outside).';
  }
  return 'Capture on both sides of the router at the same time (the phone side and the provider side) and pass both files with --inside and --outside.';
}

/**
 * `matchedMessages`: messages matched across the router, those an analysis of a long capture has
 * forgotten included (correlation.pairs holds only the ones still held).
 */
export function decideVerdict(findings: Finding[], correlation: Correlation, sipMessages: number, matchedMessages = correlation.pairs.length): VerdictResult {
  const has = (implies: Implication) => findings.some((f) => f.implies === implies);
  const symptoms = rulesOf(findings, 'symptom');
  const symptomNote = symptoms ? ` Symptoms found: ${symptoms}.` : '';
  const twoSided = matchedMessages > 0;
  let verdict: Verdict;
  let reason: string;
  const nextSteps: string[] = [];

  if (sipMessages === 0) {
    verdict = 'inconclusive';
    reason = 'No SIP messages were found in the capture.';
    nextSteps.push('Check that the capture covers the phone\'s signalling (SIP on UDP/TCP, any port) and was not filtered to RTP only; TLS (port 5061) cannot be inspected.');
  } else if (has('alg')) {
    verdict = 'alg-detected';
    reason = `SIP was rewritten between the two sides of the router (${rulesOf(findings, 'alg')}).${symptomNote}`;
  } else if (has('alg-suspected')) {
    verdict = 'alg-suspected';
    reason = `One-sided signs of an ALG (${rulesOf(findings, 'alg-suspected')}) that could have another cause.${symptomNote}`;
    nextSteps.push(captureHint(correlation));
  } else if (has('nat')) {
    verdict = 'nat-without-alg';
    reason = twoSided && findings.some((f) => f.rule === 'nat-payload-intact')
      ? `NAT translated the packets and the SIP payload was identical on both sides (${rulesOf(findings, 'nat')}).${symptomNote}`
      : `Private addresses crossed the NAT unchanged (${rulesOf(findings, 'nat')}): no ALG rewrote them.${symptomNote}`;
  } else if (has('no-nat')) {
    verdict = 'no-nat';
    reason = `The same messages had the same addresses at both capture points (${rulesOf(findings, 'no-nat')}).${symptomNote}`;
  } else {
    verdict = 'inconclusive';
    reason = twoSided
      ? `Messages were matched across the capture points but they show neither rewriting nor translation.${symptomNote}`
      : `Only one side of the router was captured and nothing in it proves or rules out an ALG.${symptomNote}`;
    nextSteps.push(captureHint(correlation));
  }
  return { verdict, reason, nextSteps };
}
