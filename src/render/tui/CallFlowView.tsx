/** Call flow screen: the ladder of one call at every capture point, the selected message, and its RTP. */
import { drawLadder, ladderLayout, mediaLines, rowDetails, type CallFlow } from './flow.js';
import { LineView, useScrollTop } from './LineView.js';
import { clean, seg, truncate, wrap, type Line } from './text.js';
import type { Theme } from './theme.js';

export interface CallFlowViewProps {
  flow: CallFlow;
  selected: number;
  width: number;
  height: number;
  theme: Theme;
}

const MAX_MEDIA_LINES = 6;

export function CallFlowView({ flow, selected, width, height, theme }: CallFlowViewProps) {
  const { row } = flow;
  const ladder = drawLadder(flow, ladderLayout(flow, width));
  const media = mediaLines(flow);
  const mediaRoom = Math.min(media.length, MAX_MEDIA_LINES, Math.max(1, Math.floor(height / 4)));
  const detailText = wrap(rowDetails(flow, selected), width);
  const fixed = 1 + ladder.header.length + 2 + 1 + Math.max(1, mediaRoom);
  const ladderHeight = Math.max(3, height - fixed);
  // Rows the ladder does not need go to the details of the selected message.
  const detailHeight = 2 + Math.max(0, Math.min(detailText.length - 2, ladderHeight - Math.max(1, ladder.rows.length)));
  const details = detailText.slice(0, detailHeight);
  if (detailText.length > detailHeight) details[detailHeight - 1] = truncate(`${details[detailHeight - 1]} ${detailText[detailHeight]}`, width);
  const top = useScrollTop(selected, ladderHeight, ladder.rows.length);

  const title: Line = [
    seg(`${row.method} `, 'title'),
    seg(truncate(`${row.from} → ${row.to} · ${row.stateText} · Call-ID ${clean(row.callId)}`, Math.max(0, width - row.method.length - 1))),
  ];
  const lines: Line[] = [title, ...ladder.header];
  const shown = ladder.rows.slice(top, top + ladderHeight);
  const selectedLine = lines.length + selected - top;
  lines.push(...shown);
  if (ladder.rows.length === 0) lines.push([seg('  no messages', 'dim')]);
  while (lines.length < 1 + ladder.header.length + ladderHeight - (detailHeight - 2)) lines.push([]);
  if (lines[selectedLine]) lines[selectedLine] = [seg('▸ ', 'cursor'), ...lines[selectedLine]!.slice(1)];
  for (let i = 0; i < detailHeight; i++) lines.push(details[i] ? [seg(details[i]!, i === 0 ? 'bold' : 'plain')] : []);
  const hidden = flow.hiddenLanes > 0 ? ` (${flow.hiddenLanes} more capture point${flow.hiddenLanes > 1 ? 's' : ''} not drawn: widen the terminal)` : '';
  lines.push([seg('RTP', 'title'), seg(`${media.length === 0 ? ' none seen for this call' : ''}${hidden}`, 'dim')]);
  lines.push(...media.slice(0, mediaRoom));
  if (media.length > mediaRoom) lines[lines.length - 1] = [seg(`… ${media.length - mediaRoom + 1} more stream lines`, 'dim')];
  return <LineView lines={lines} theme={theme} width={width} height={height} selected={shown.length ? selectedLine : undefined} />;
}
