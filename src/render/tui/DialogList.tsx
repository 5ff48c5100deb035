/** Dialog list screen: one row per call with its verdict badge; filter and sort state on top. */
import type { DialogRow, ListFilter, TuiModel } from './model.js';
import { listHeaderLine, listRowLine } from './list-lines.js';
import { LineView, useScrollTop } from './LineView.js';
import { clean, seg, type Line } from './text.js';
import type { Theme } from './theme.js';

export interface DialogListProps {
  model: TuiModel;
  visible: DialogRow[];
  filter: ListFilter;
  cursor: number;
  loading: boolean;
  width: number;
  height: number;
  theme: Theme;
}

function filterText(filter: ListFilter): string {
  const parts: string[] = [];
  if (filter.search) parts.push(`search "${clean(filter.search)}"`);
  if (filter.method) parts.push(`method ${clean(filter.method)}`);
  if (filter.state) parts.push(`state ${filter.state}`);
  if (filter.onlyFindings) parts.push('with findings');
  return parts.length ? ` · ${parts.join(', ')} (F5 clears)` : '';
}

export function DialogList({ model, visible, filter, cursor, loading, width, height, theme }: DialogListProps) {
  const listHeight = Math.max(1, height - 2);
  const top = useScrollTop(cursor, listHeight, visible.length);
  const status: Line = [seg(`Calls ${visible.length}${visible.length !== model.rows.length ? ` of ${model.rows.length}` : ''}`, 'title'), seg(filterText(filter), 'info')];
  const lines: Line[] = [status, listHeaderLine(width, filter)];
  if (visible.length === 0) {
    const why = model.rows.length === 0 ? (loading ? 'No SIP dialogs yet, still reading…' : 'No SIP dialogs in these captures.') : 'No call matches the filter (F5 clears it).';
    lines.push([seg(`  ${why}`, 'dim')]);
  }
  for (const row of visible.slice(top, top + listHeight)) lines.push(listRowLine(row, width));
  const selected = visible.length ? 2 + cursor - top : undefined;
  if (selected !== undefined) lines[selected] = [seg('▸ ', 'cursor'), ...lines[selected]!.slice(1)];
  return <LineView lines={lines} theme={theme} width={width} height={height} selected={selected} />;
}
