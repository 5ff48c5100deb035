/**
 * The message view: what the router changed (the correlator's field-by-field diff, inside and
 * outside side by side), the findings that cite the message, and the raw message of one copy with
 * the changed and cited fields highlighted by their byte spans.
 */
import path from 'node:path';
import type { FieldDiff, Side } from '../../correlate/types.js';
import { describeMessage } from '../../detect/evidence.js';
import type { ByteSpan, SipMessage } from '../../sip/types.js';
import { formatDuration, formatTimestamp } from '../../util/time.js';
import { badgeFor, sideOf, type TuiModel } from './model.js';
import { clean, fit, seg, truncate, wrap, wrapLine, wrapValue, type Line, type Style } from './text.js';

export interface MessageCopies {
  /** The copy whose raw text is shown. */
  shown: SipMessage;
  /** The same message at the other side of the NAT, when the correlator matched one. */
  counterpart?: SipMessage;
}

/** The copy to show: the one asked for, or its counterpart when `side` names the other side. */
export function messageCopies(model: TuiModel, messageId: number, side?: Side): MessageCopies | undefined {
  const msg = model.result.messages.get(messageId);
  if (!msg) return undefined;
  const pair = model.pairOf.get(messageId);
  if (!pair) return { shown: msg };
  const shown = side === 'outside' ? pair.outside : side === 'inside' ? pair.inside : msg;
  return { shown, counterpart: shown === pair.inside ? pair.outside : pair.inside };
}

const decoder = new TextDecoder('utf-8');

interface Highlight extends ByteSpan {
  style: Style;
}

/** Raw message lines; bytes inside a highlight get its style (changed fields win over cited ones). */
export function rawLines(msg: SipMessage, highlights: Highlight[], width: number): Line[] {
  const raw = msg.raw;
  const cuts = new Set<number>();
  for (const h of highlights) {
    cuts.add(h.offset);
    cuts.add(h.offset + h.length);
  }
  const styleAt = (offset: number): Style => {
    let style: Style = 'plain';
    for (const h of highlights) {
      if (offset >= h.offset && offset < h.offset + h.length && (style === 'plain' || h.style === 'changed')) style = h.style;
    }
    return style;
  };
  const lines: Line[] = [];
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf(0x0a, start);
    const next = end < 0 ? raw.length + 1 : end + 1;
    if (end < 0) end = raw.length;
    const contentEnd = end > start && raw[end - 1] === 0x0d ? end - 1 : end;
    const line: Line = [];
    let pieceStart = start;
    for (let i = start + 1; i <= contentEnd; i++) {
      if (i === contentEnd || cuts.has(i)) {
        if (i > pieceStart) line.push(seg(clean(decoder.decode(raw.subarray(pieceStart, i))), styleAt(pieceStart)));
        pieceStart = i;
      }
    }
    if (!(end === raw.length && start === raw.length)) lines.push(...wrapLine(line, width));
    start = next;
  }
  return lines;
}

function sideLabel(model: TuiModel, msg: SipMessage): string {
  const side = sideOf(model, msg.origin.point.key);
  const src = msg.origin.src;
  const dst = msg.origin.dst;
  return clean(
    `${side.padEnd(7)} frame ${msg.origin.frames.join(',')} of ${path.basename(msg.origin.point.source)} · ${formatTimestamp(msg.origin.ts)} · ${src.ip}:${src.port} → ${dst.ip}:${dst.port} ${msg.origin.transport}`,
  );
}

function diffValueStyle(diff: FieldDiff, which: 'inside' | 'outside'): Style {
  if (diff.area === 'transport') return 'dim';
  return which === 'inside' ? 'removed' : 'added';
}

/** The diff as a three-column table; long values wrap inside their column. */
export function diffTable(diffs: FieldDiff[], width: number): Line[] {
  const fieldWidth = Math.min(22, Math.max(12, Math.floor(width * 0.22)));
  const valueWidth = Math.max(8, Math.floor((width - fieldWidth - 4) / 2));
  const lines: Line[] = [[seg(fit('field', fieldWidth), 'dim'), seg('  '), seg(fit('inside', valueWidth), 'dim'), seg('  '), seg(fit('outside', valueWidth), 'dim')]];
  const ordered = [...diffs.filter((d) => d.area !== 'transport'), ...diffs.filter((d) => d.area === 'transport')];
  for (const diff of ordered) {
    const field = diff.area === 'transport' ? `packet ${diff.field}` : diff.field;
    const inside = diff.inside ? wrapValue(clean(diff.inside.text), valueWidth) : ['(absent)'];
    const outside = diff.outside ? wrapValue(clean(diff.outside.text), valueWidth) : ['(absent)'];
    const fieldLines = wrap(clean(field), fieldWidth);
    const height = Math.max(inside.length, outside.length, fieldLines.length);
    for (let i = 0; i < height; i++) {
      lines.push([
        seg(fit(fieldLines[i] ?? '', fieldWidth), diff.area === 'transport' ? 'dim' : 'bold'),
        seg('  '),
        seg(fit(inside[i] ?? '', valueWidth), diff.inside ? diffValueStyle(diff, 'inside') : 'dim'),
        seg('  '),
        seg(fit(outside[i] ?? '', valueWidth), diff.outside ? diffValueStyle(diff, 'outside') : 'dim'),
      ]);
    }
  }
  return lines;
}

export interface MessageLines {
  lines: Line[];
  /** Which side's copy the raw text is from, and whether Tab can switch to the other. */
  shownSide: Side;
  canSwitch: boolean;
}

export function messageLines(model: TuiModel, messageId: number, side: Side | undefined, width: number): MessageLines | undefined {
  const copies = messageCopies(model, messageId, side);
  if (!copies) return undefined;
  const { shown, counterpart } = copies;
  const pair = model.pairOf.get(shown.id);
  const lines: Line[] = [];
  lines.push([seg(truncate(clean(describeMessage(shown)), width), 'title')]);
  const copiesInOrder = pair ? [pair.inside, pair.outside] : [shown];
  for (const copy of copiesInOrder) lines.push([seg(truncate(sideLabel(model, copy), width), copy === shown ? 'plain' : 'dim')]);
  lines.push([]);

  if (pair) {
    const payload = pair.diffs.filter((d) => d.area !== 'transport');
    const head = payload.length > 0 ? `Changed by the router: ${payload.length} field${payload.length === 1 ? '' : 's'}` : 'SIP payload identical at both sides';
    lines.push([seg(head, payload.length > 0 ? 'alg' : 'ok'), seg(` · transit ${formatDuration(pair.transitSeconds)}`, 'dim')]);
    if (pair.proxied) lines.push([seg('An extra Via hop: the message went through a proxy between the points, so differences are expected.', 'warn')]);
    if (pair.diffs.length > 0) lines.push(...diffTable(pair.diffs, width));
  } else {
    const dropped = model.droppedOf.get(shown.id);
    const text = dropped
      ? `Seen at the ${dropped.seenAt.side} (${clean(dropped.seenAt.ref.key)}), never at the ${dropped.missingAt.side} (${clean(dropped.missingAt.ref.key)}).`
      : 'Seen at one capture point only: there is no copy from the other side of the router to compare.';
    for (const l of wrap(text, width)) lines.push([seg(l, dropped ? 'alg' : 'dim')]);
  }

  const findings = [...new Set([...(model.findingsOf.get(shown.id) ?? []), ...(counterpart ? (model.findingsOf.get(counterpart.id) ?? []) : [])])];
  const shownSide = sideOf(model, shown.origin.point.key);
  lines.push([]);
  const switchHint = counterpart ? ` (Tab: ${sideOf(model, counterpart.origin.point.key)} copy)` : '';
  lines.push([seg(truncate(`── raw, ${shownSide} copy, ${shown.raw.length} bytes${switchHint} `, width).padEnd(width, '─'), 'dim')]);
  const highlights: Highlight[] = [];
  if (pair) {
    const which = shown === pair.inside ? 'inside' : 'outside';
    for (const d of pair.diffs) {
      const span = d[which]?.span;
      if (span) highlights.push({ ...span, style: 'changed' });
    }
  }
  for (const f of findings) {
    for (const e of f.evidence) {
      for (const at of e.at) if (at.messageId === shown.id && at.span) highlights.push({ ...at.span, style: 'cited' });
    }
  }
  lines.push(...rawLines(shown, highlights, width));
  if (findings.length > 0) {
    lines.push([]);
    lines.push([seg('Findings citing this message', 'title')]);
    for (const f of findings) {
      const badge = badgeFor([f])!;
      lines.push([seg(fit(badge.label, 5), badge.style), seg(truncate(`${f.rule}: ${clean(f.summary)}`, width - 5))]);
    }
  }
  return { lines, shownSide, canSwitch: counterpart !== undefined };
}
