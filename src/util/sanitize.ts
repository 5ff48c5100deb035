/**
 * Text from a capture is hostile: a crafted header can carry escape sequences that move the
 * cursor, retitle the window or hide text. Everything printed to a terminal goes through here.
 */

// C0 controls except TAB, DEL, C1 controls, and whole ESC/CSI/OSC sequences.
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** One-line safe text: escape sequences removed, other control characters shown as U+FFFD-free escapes. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Multi-line safe text: like sanitizeForTerminal, but keeps line feeds. */
export function sanitizeBlockForTerminal(text: string): string {
  return text.split(/\r?\n/).map(sanitizeForTerminal).join('\n');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
