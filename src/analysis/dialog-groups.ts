/**
 * One call seen at two capture points is two dialogs in the dialog stage (one per point). The
 * matched message pairs tie them together, so renderers can show one row per call with every
 * capture point it was seen at, even when an ALG changed the Call-ID between them.
 */
import type { MessagePair, Side } from '../correlate/types.js';
import type { Dialog, DialogAnalysis } from '../dialog/types.js';
import { toSeconds } from '../util/time.js';
import type { DialogAtPointSummary, DialogGroupSummary } from './types.js';

export interface DialogGroup {
  /** The dialogs of the same call at each capture point, inside first, then in order of start. */
  dialogs: Dialog[];
}

export function groupDialogs(analysis: DialogAnalysis, pairs: MessagePair[], sideOf: (pointKey: string) => string): DialogGroup[] {
  const start = (d: Dialog) => toSeconds(d.start);
  const byStart = (a: DialogGroup, b: DialogGroup) => start(a.dialogs[0]!) - start(b.dialogs[0]!);
  // Nothing matched across points (one capture point, most often): every dialog is a call of its own.
  if (pairs.length === 0) return analysis.points.flatMap((point) => point.dialogs.map((dialog) => ({ dialogs: [dialog] }))).sort(byStart);
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  const byId = new Map<string, Dialog>();
  for (const point of analysis.points) {
    for (const dialog of point.dialogs) {
      byId.set(dialog.id, dialog);
      parent.set(dialog.id, dialog.id);
    }
  }
  for (const pair of pairs) {
    const a = analysis.point(pair.inside.origin.point.key)?.dialogOf(pair.inside.id);
    const b = analysis.point(pair.outside.origin.point.key)?.dialogOf(pair.outside.id);
    if (a && b) parent.set(find(a.id), find(b.id));
  }
  const groups = new Map<string, Dialog[]>();
  for (const dialog of byId.values()) {
    const root = find(dialog.id);
    let list = groups.get(root);
    if (!list) groups.set(root, (list = []));
    list.push(dialog);
  }
  const sideRank = (d: Dialog) => ({ inside: 0, outside: 1 })[sideOf(d.point.key)] ?? 2;
  return [...groups.values()].map((dialogs) => ({ dialogs: dialogs.sort((a, b) => sideRank(a) - sideRank(b) || start(a) - start(b)) })).sort(byStart);
}

/** What the output lists of one call or registration, from its dialogs (inside first). */
export function summarizeGroup(dialogs: Dialog[], sideOf: (pointKey: string) => Side, findingsOf: (callId: string) => number): DialogGroupSummary {
  const first = dialogs[0]!;
  const summary: DialogGroupSummary = {
    callId: first.callId,
    method: first.method,
    kind: first.kind,
    state: first.state,
    findings: dialogs.reduce((n, d) => n + findingsOf(d.callId), 0),
    points: dialogs.map((d) => {
      const at: DialogAtPointSummary = {
        pointKey: d.point.key,
        side: sideOf(d.point.key),
        callId: d.callId,
        state: d.state,
        start: d.start,
        messages: d.messageCount,
        retransmissions: d.retransmissionCount,
      };
      if (d.finalStatus !== undefined) at.finalStatus = d.finalStatus;
      if (d.answerTs) at.answerTs = d.answerTs;
      if (d.endTs) at.endTs = d.endTs;
      return at;
    }),
  };
  if (first.fromUri !== undefined) summary.fromUri = first.fromUri;
  if (first.toUri !== undefined) summary.toUri = first.toUri;
  return summary;
}
