/** Findings screen: the verdict, the list of findings, and the selected one with its evidence and advice. */
import { findingListLine, verdictLines, type FindingDetail } from './findings-lines.js';
import { LineView, useScrollTop } from './LineView.js';
import type { TuiModel } from './model.js';
import { seg, type Line } from './text.js';
import type { Theme } from './theme.js';

export interface FindingsViewProps {
  model: TuiModel;
  selected: number;
  detail: FindingDetail | undefined;
  scroll: number;
  width: number;
  height: number;
  theme: Theme;
}

/** Rows of the findings list pane for a body of `height` rows. */
export function findingsListHeight(findings: number, height: number): number {
  return Math.max(1, Math.min(findings, Math.floor(height / 3)));
}

export function FindingsView({ model, selected, detail, scroll, width, height, theme }: FindingsViewProps) {
  const { result } = model;
  const methodOf = new Map(model.rows.flatMap((row) => row.group.dialogs.map((d) => [d.callId, row.method] as const)));
  const verdict = verdictLines(result, width, 3);
  const findings = result.findings;
  const listHeight = findingsListHeight(findings.length, height - verdict.length - 1);
  const top = useScrollTop(selected, listHeight, findings.length);
  const lines: Line[] = [...verdict];
  const listStart = lines.length;
  if (findings.length === 0) lines.push([seg('  No findings.', 'dim')]);
  findings.slice(top, top + listHeight).forEach((f, i) => {
    const line = findingListLine(f, width - 2, f.dialog === undefined ? undefined : methodOf.get(f.dialog));
    lines.push([seg(top + i === selected ? '▸ ' : '  ', 'cursor'), ...line]);
  });
  while (lines.length < listStart + listHeight) lines.push([]);
  const more = findings.length > listHeight ? ` ${selected + 1}/${findings.length} ` : '';
  lines.push([seg(`${'─'.repeat(Math.max(0, width - more.length - 2))}${more}──`, 'dim')]);
  const detailHeight = Math.max(1, height - lines.length);
  const detailLines = detail?.lines ?? [];
  const detailTop = Math.max(0, Math.min(scroll, detailLines.length - detailHeight));
  lines.push(...detailLines.slice(detailTop, detailTop + detailHeight));
  return <LineView lines={lines} theme={theme} width={width} height={height} selected={findings.length ? listStart + selected - top : undefined} />;
}
