/**
 * Draws lines of styled segments, exactly `height` rows (padded), each cut at the width so that
 * nothing wraps and the layout never moves. The selected line is drawn in inverse video.
 */
import { Box, Text } from 'ink';
import { useRef } from 'react';
import type { Theme } from './theme.js';
import type { Line } from './text.js';

export interface LineViewProps {
  lines: Line[];
  theme: Theme;
  width: number;
  /** Rows to fill; missing lines are blank. */
  height?: number;
  /** Index in `lines` of the line drawn in inverse video. */
  selected?: number;
}

export function LineView({ lines, theme, width, height, selected }: LineViewProps) {
  const rows = height === undefined ? lines : Array.from({ length: height }, (_, i) => lines[i] ?? []);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {rows.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line.length === 0 ? ' ' : line.map((s, j) => {
            const style = theme[s.style];
            return (
              <Text key={j} {...style} inverse={i === selected ? !style.inverse : style.inverse}>
                {s.text}
              </Text>
            );
          })}
        </Text>
      ))}
    </Box>
  );
}

/** First visible index of a scrolled window that keeps `cursor` visible and moves only when it must. */
export function scrollTop(previous: number, cursor: number, height: number, count: number): number {
  let top = Math.min(previous, Math.max(0, count - height));
  if (cursor < top) top = cursor;
  if (cursor >= top + height) top = cursor - height + 1;
  return Math.max(0, top);
}

/** scrollTop remembered between renders of one component. */
export function useScrollTop(cursor: number, height: number, count: number): number {
  const top = useRef(0);
  top.current = scrollTop(top.current, cursor, Math.max(1, height), count);
  return top.current;
}
