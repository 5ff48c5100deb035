/**
 * Shared wording for findings, used by every renderer so the text, the TUI and the reports say the
 * same thing the same way.
 */
import path from 'node:path';
import type { Evidence, EvidenceLocation, Finding, Verdict } from '../detect/types.js';

export const VERDICT_LABEL: Record<Verdict, string> = {
  'alg-detected': 'ALG DETECTED',
  'alg-suspected': 'ALG SUSPECTED',
  'nat-without-alg': 'NAT WITHOUT ALG',
  'no-nat': 'NO NAT',
  inconclusive: 'INCONCLUSIVE',
};

/** Frame numbers per capture file, for "open the same frames in Wireshark". */
export function framesBySource(locations: EvidenceLocation[]): Map<string, number[]> {
  const bySource = new Map<string, Set<number>>();
  for (const at of locations) {
    let frames = bySource.get(at.source);
    if (!frames) bySource.set(at.source, (frames = new Set()));
    frames.add(at.frame);
  }
  return new Map([...bySource].map(([source, frames]) => [source, [...frames].sort((a, b) => a - b)]));
}

/** Wireshark display filters, one per capture file: `file: frame.number in {3,5,9}`. */
export function wiresharkFilters(finding: Finding): { source: string; filter: string }[] {
  const locations = finding.evidence.flatMap((e) => e.at);
  return [...framesBySource(locations)].map(([source, frames]) => ({ source, filter: `frame.number in {${frames.join(',')}}` }));
}

export function locationText(at: EvidenceLocation): string {
  return `frame ${at.frame} of ${path.basename(at.source)}${at.side !== 'unknown' ? ` (${at.side})` : ''}`;
}

/** Evidence values as "field: value" lines, inside/outside when two-sided. */
export function evidenceValueLines(evidence: Evidence): string[] {
  const lines: string[] = [];
  if (evidence.inside !== undefined || evidence.outside !== undefined) {
    lines.push(`${evidence.field ?? 'value'} inside:  ${evidence.inside ?? '(absent)'}`);
    lines.push(`${evidence.field ?? 'value'} outside: ${evidence.outside ?? '(absent)'}`);
  } else if (evidence.value !== undefined) {
    lines.push(`${evidence.field ?? 'value'}: ${evidence.value}`);
  }
  if (evidence.note) lines.push(evidence.note);
  return lines;
}
