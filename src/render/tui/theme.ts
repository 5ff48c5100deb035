/**
 * Styles as Ink text properties. Only the basic ANSI colours that read well on both light and dark
 * backgrounds (no white, black, yellow or blue text); highlights use inverse video, which follows
 * the terminal's own palette. Without colour (NO_COLOR, --no-color) every style keeps its
 * attribute (bold, inverse, underline) so that nothing is told apart by colour alone.
 */
import type { Style } from './text.js';

export interface TextStyle {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

const COLOURED: Record<Style, TextStyle> = {
  plain: {},
  dim: { dimColor: true },
  bold: { bold: true },
  title: { bold: true },
  cursor: { bold: true },
  alg: { color: 'red', bold: true },
  suspect: { color: 'magenta', bold: true },
  ok: { color: 'green' },
  info: { color: 'cyan' },
  warn: { color: 'magenta' },
  request: { bold: true },
  'response-ok': { color: 'green' },
  'response-provisional': { dimColor: true },
  'response-error': { color: 'red' },
  changed: { color: 'red', inverse: true },
  added: { color: 'green' },
  removed: { color: 'red' },
  cited: { color: 'magenta', underline: true },
  input: { bold: true, underline: true },
};

function withoutColour(style: TextStyle): TextStyle {
  const { color, ...rest } = style;
  // A colour-only style keeps a visible mark.
  return color && Object.keys(rest).length === 0 ? { bold: true } : rest;
}

const MONOCHROME = Object.fromEntries(Object.entries(COLOURED).map(([name, style]) => [name, withoutColour(style)])) as Record<Style, TextStyle>;

export type Theme = Record<Style, TextStyle>;

export function themeFor(color: boolean): Theme {
  return color ? COLOURED : MONOCHROME;
}

