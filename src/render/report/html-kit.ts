/**
 * The one escaping path for HTML reports (pages and the SVG inside them). Markup is built only with
 * the `html` tagged template: every interpolated value is escaped unless it is markup that was
 * itself built with `html`, so captured text (hostile: see util/sanitize.ts) can never become markup.
 * Control characters are made visible the way the terminal renderer does, then HTML-escaped.
 */
import { escapeHtml, sanitizeForTerminal } from '../../util/sanitize.js';

/** Markup built by this module; the only thing `html` inserts without escaping. */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = Markup | string | number | boolean | null | undefined | readonly Interpolation[];

/** Escaped, one-line text: captured bytes shown as text, never as markup. */
export function escapeText(text: string): string {
  return escapeHtml(sanitizeForTerminal(text));
}

function interpolate(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeText(String(value));
}

/** Tagged template: `html\`<td>${capturedText}</td>\``. Arrays are concatenated; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}

