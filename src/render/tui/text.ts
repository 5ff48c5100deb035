/**
 * Lines of styled text, the unit every TUI screen is built from: screens compute the lines they
 * show (pure, testable without a terminal) and one component draws a window of them. Every string
 * that came from a capture goes through `clean` before it becomes a segment.
 */
import { sanitizeForTerminal } from '../../util/sanitize.js';

/** Named styles; the theme maps them to colours (or to none with NO_COLOR). */
export type Style =
  | 'plain'
  | 'dim'
  | 'bold'
  | 'title'
  | 'cursor'
  | 'alg'
  | 'suspect'
  | 'ok'
  | 'info'
  | 'warn'
  | 'request'
  | 'response-ok'
  | 'response-provisional'
  | 'response-error'
  | 'changed'
  | 'added'
  | 'removed'
  | 'cited'
  | 'input';

export interface Segment {
  text: string;
  style: Style;
}

export type Line = Segment[];

/** Captured text made safe to draw on one line: escape sequences and control characters removed, tabs as spaces. */
export function clean(text: string): string {
  return sanitizeForTerminal(text).replace(/\t/g, ' ');
}

export function seg(text: string, style: Style = 'plain'): Segment {
  return { text, style };
}

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

export function lineWidth(line: Line): number {
  let width = 0;
  for (const s of line) width += s.text.length;
  return width;
}

/** Cut to `width` characters, marking the cut with "…". */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/** Exactly `width` characters: truncated with "…" or padded with spaces. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

/** Greedy word wrap (a line that fits is kept as written); a word longer than the width is cut across lines. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    if (paragraph.length <= width) {
      lines.push(paragraph);
      continue;
    }
    let current = '';
    for (const word of paragraph.split(' ')) {
      if (!word) continue;
      let rest = word;
      while (width > 0 && rest.length > width) {
        if (current) lines.push(current);
        lines.push(rest.slice(0, width));
        current = '';
        rest = rest.slice(width);
      }
      if (!current) current = rest;
      else if (current.length + 1 + rest.length <= width) current += ` ${rest}`;
      else {
        lines.push(current);
        current = rest;
      }
    }
    lines.push(current);
  }
  return lines;
}

/**
 * Wrap for one value with no spaces to break at (URIs, SDP lines): breaks after ";", ",", "&" or
 * before "?" when one falls in the second half of the line, else cuts at the width.
 */
export function wrapValue(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = width;
    for (let i = width; i > width / 2; i--) {
      const c = rest[i - 1];
      if (c === ';' || c === ',' || c === '&' || c === ' ' || rest[i] === '?') {
        cut = i;
        break;
      }
    }
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/** A fixed-width row of characters with a style per character, for drawing ladders and rulers. */
export class Canvas {
  private readonly chars: string[];
  private readonly styles: Style[];

  constructor(readonly width: number) {
    this.chars = Array.from({ length: Math.max(0, width) }, () => ' ');
    this.styles = Array.from({ length: Math.max(0, width) }, () => 'plain' as Style);
  }

  /** Writes text from column x; what falls outside the canvas is dropped. */
  put(x: number, text: string, style: Style = 'plain'): void {
    for (let i = 0; i < text.length; i++) {
      const col = x + i;
      if (col < 0 || col >= this.width) continue;
      this.chars[col] = text[i]!;
      this.styles[col] = style;
    }
  }

  charAt(x: number): string {
    return this.chars[x] ?? ' ';
  }

  toLine(): Line {
    const line: Line = [];
    for (let x = 0; x < this.width; x++) {
      const last = line[line.length - 1];
      if (last && last.style === this.styles[x]) last.text += this.chars[x];
      else line.push({ text: this.chars[x]!, style: this.styles[x]! });
    }
    return line;
  }
}

/** Hard wrap at `width` columns, keeping styles (for raw messages, where every character counts). */
export function wrapLine(line: Line, width: number): Line[] {
  if (width <= 0 || lineWidth(line) <= width) return [line];
  const out: Line[] = [];
  let current: Line = [];
  let room = width;
  for (const s of line) {
    let text = s.text;
    while (text.length > 0) {
      if (room === 0) {
        out.push(current);
        current = [];
        room = width;
      }
      const piece = text.slice(0, room);
      current.push({ text: piece, style: s.style });
      room -= piece.length;
      text = text.slice(piece.length);
    }
  }
  out.push(current);
  return out;
}
