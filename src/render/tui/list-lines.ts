/**
 * The dialog list: one line per call, columns sized to the terminal width (From and To share what
 * the fixed columns leave).
 */
import type { DialogRow, ListFilter } from './model.js';
import { clockTime } from './model.js';
import { fit, seg, type Line } from './text.js';

interface Columns {
  time: number;
  method: number;
  from: number;
  to: number;
  state: number;
  msgs: number;
  seen: number;
  badge: number;
  millis: boolean;
}

const CURSOR = 2;

function columns(width: number): Columns {
  const millis = width >= 100;
  const fixed = { time: millis ? 13 : 9, method: 10, state: 11, msgs: 6, seen: 7, badge: 7 };
  const rest = width - CURSOR - Object.values(fixed).reduce((a, b) => a + b, 0);
  const from = Math.max(8, Math.floor(rest / 2));
  return { ...fixed, from, to: Math.max(8, rest - from), millis };
}

export function listHeaderLine(width: number, filter: ListFilter): Line {
  const c = columns(width);
  const arrow = filter.descending ? '▼' : '▲';
  const title = (name: string, key: ListFilter['sort'], w: number) => seg(fit(filter.sort === key ? `${name}${arrow}` : name, w), filter.sort === key ? 'bold' : 'dim');
  return [
    seg(' '.repeat(CURSOR)),
    title('time', 'time', c.time),
    title('method', 'method', c.method),
    title('from', 'from', c.from),
    title('to', 'to', c.to),
    title('state', 'state', c.state),
    title('msgs', 'messages', c.msgs),
    seg(fit('seen', c.seen), 'dim'),
    title('verdict', 'findings', c.badge),
  ];
}

export function listRowLine(row: DialogRow, width: number): Line {
  const c = columns(width);
  const time = c.millis ? clockTime(row.start) : clockTime(row.start).slice(0, 8);
  const stateStyle = row.state === 'failed' || row.state === 'timed-out' ? 'response-error' : row.state === 'confirmed' || row.state === 'answered' ? 'response-ok' : 'plain';
  const line: Line = [
    seg(' '.repeat(CURSOR)),
    seg(fit(time, c.time - 1) + ' ', 'dim'),
    seg(fit(row.method, c.method - 1) + ' ', 'bold'),
    seg(fit(row.from, c.from - 1) + ' '),
    seg(fit(row.to, c.to - 1) + ' '),
    seg(fit(row.stateText, c.state - 1) + ' ', stateStyle),
    seg(fit(row.messages.join('/'), c.msgs - 1) + ' '),
    seg(fit(row.seenAt, c.seen - 1) + ' ', 'dim'),
  ];
  if (row.badge) line.push(seg(fit(`${row.badge.label} ${row.findings.length}`, c.badge), row.badge.style));
  else line.push(seg(' '.repeat(c.badge)));
  return line;
}
