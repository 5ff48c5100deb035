/**
 * The terminal UI for one AnalysisResult (a snapshot while reading, the final one after): header,
 * the screen on top of the stack, footer with the keys. Pure: it draws what it is given and
 * reports quitting; reading lives in loader.ts, the terminal in run.tsx.
 */
import { Box } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AnalysisResult } from '../../analysis/types.js';
import { VERDICT_LABEL } from '../evidence-format.js';
import { CallFlowView } from './CallFlowView.js';
import { DialogList } from './DialogList.js';
import { findingDetail, verdictLines, verdictStyle } from './findings-lines.js';
import { FindingsView, findingsListHeight } from './FindingsView.js';
import { buildCallFlow, lanesThatFit } from './flow.js';
import { HelpOverlay } from './HelpOverlay.js';
import { useKeys } from './keys.js';
import { LineView } from './LineView.js';
import type { LoadStatus } from './loader.js';
import { messageLines } from './message-lines.js';
import { MessageView } from './MessageView.js';
import { buildModel, visibleRows } from './model.js';
import { INITIAL_STATE, handleKey, listCursor, topScreen, type KeyPress, type UiState, type ViewContext } from './state.js';
import { clean, seg, truncate, type Line } from './text.js';
import { themeFor } from './theme.js';

export interface AppProps {
  result: AnalysisResult;
  status?: LoadStatus;
  width: number;
  height: number;
  color: boolean;
  onQuit?: () => void;
}

const HINTS: Record<string, string> = {
  list: 'Enter flow  / search  f findings-only  <> sort  v verdict  F1 help  q quit',
  flow: '↑↓ message  Enter raw+diff  v findings  F1 help  Esc back',
  message: 'Tab other side  ←→ prev/next  ↑↓ PgUp PgDn scroll  F1 help  Esc back',
  findings: '↑↓ finding  ←→ evidence  Enter message  PgUp PgDn details  F1 help  Esc back',
};

function headerLine(result: AnalysisResult, status: LoadStatus | undefined, width: number): Line {
  const { stats } = result;
  const verdict = status?.reading ? [seg('reading…', 'dim')] : [seg(VERDICT_LABEL[result.verdict.verdict], verdictStyle(result.verdict.verdict))];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const files = result.files.length ? `${plural(result.files.length, 'file')} · ` : '';
  const counts = `${files}${stats.sipMessages} SIP · ${plural(result.dialogGroups.length, 'call')} · ${plural(result.findings.length, 'finding')}`;
  const line: Line = [seg('algscope ', 'title'), ...verdict, seg(` · ${counts}`)];
  const used = line.reduce((n, s) => n + s.text.length, 0);
  if (status?.text) line.push(seg(truncate(` · ${clean(status.text)}`, Math.max(0, width - used)), 'dim'));
  return line;
}

export function App({ result, status, width, height, color, onQuit }: AppProps) {
  const theme = themeFor(color);
  const model = useMemo(() => buildModel(result), [result]);
  const [state, setState] = useState<UiState>(INITIAL_STATE);
  const visible = useMemo(() => visibleRows(model.rows, state.list.filter), [model, state.list.filter]);
  const screen = topScreen(state);
  const bodyHeight = Math.max(3, height - 2 - (status?.errors.length ? 1 : 0));

  const flowRowId = screen.kind === 'flow' ? screen.rowId : undefined;
  const flow = useMemo(() => {
    const row = flowRowId === undefined ? undefined : model.rows.find((r) => r.id === flowRowId || r.group.dialogs.some((d) => d.id === flowRowId));
    return row ? buildCallFlow(model, row, lanesThatFit(width)) : undefined;
  }, [model, flowRowId, width]);

  const message = screen.kind === 'message' ? screen : undefined;
  const messageView = useMemo(
    () => (message ? messageLines(model, message.messageId, message.side, width) : undefined),
    [model, message?.messageId, message?.side, width],
  );

  const findingsScreen = screen.kind === 'findings' ? screen : undefined;
  // Snapshots taken while reading may hold fewer findings than the one the selection was made in.
  const selectedFinding = Math.max(0, Math.min(findingsScreen?.selected ?? 0, result.findings.length - 1));
  const finding = findingsScreen ? result.findings[selectedFinding] : undefined;
  const detail = useMemo(
    () => (finding && findingsScreen ? findingDetail(finding, findingsScreen.evidence, width) : undefined),
    [finding, findingsScreen?.evidence, width],
  );

  let page = bodyHeight;
  if (screen.kind === 'list') page = bodyHeight - 2;
  else if (screen.kind === 'flow') page = Math.max(3, bodyHeight - 12);
  else if (screen.kind === 'findings') {
    const verdictHeight = verdictLines(result, width, 3).length;
    page = Math.max(1, bodyHeight - verdictHeight - 1 - findingsListHeight(result.findings.length, bodyHeight - verdictHeight - 1));
  }
  const ctx: ViewContext = {
    model,
    visible,
    page,
    flowMessageIds: flow?.rows.map((r) => r.messageId),
    messageLineCount: messageView?.lines.length,
    evidenceStarts: detail?.evidenceStarts,
  };
  const ctxRef = useRef(ctx);
  ctxRef.current = ctx;
  const onKey = useCallback((key: KeyPress) => setState((s) => handleKey(s, key, ctxRef.current)), []);
  useKeys(onKey);

  useEffect(() => {
    if (state.quit) onQuit?.();
  }, [state.quit, onQuit]);

  let body;
  if (state.help) body = <HelpOverlay width={width} height={bodyHeight} theme={theme} />;
  else if (screen.kind === 'list') {
    body = (
      <DialogList
        model={model}
        visible={visible}
        filter={state.list.filter}
        cursor={listCursor(state, visible)}
        loading={status?.reading ?? false}
        width={width}
        height={bodyHeight}
        theme={theme}
      />
    );
  } else if (screen.kind === 'flow') {
    body = flow ? (
      <CallFlowView key={flow.row.id} flow={flow} selected={Math.min(screen.selected, Math.max(0, flow.rows.length - 1))} width={width} height={bodyHeight} theme={theme} />
    ) : (
      <LineView lines={[[seg('This call is no longer in the analysis.', 'dim')]]} theme={theme} width={width} height={bodyHeight} />
    );
  } else if (screen.kind === 'message') {
    body = <MessageView view={messageView} scroll={screen.scroll} width={width} height={bodyHeight} theme={theme} />;
  } else {
    body = <FindingsView model={model} selected={selectedFinding} detail={detail} scroll={screen.scroll} width={width} height={bodyHeight} theme={theme} />;
  }

  const footer: Line = state.search
    ? [seg('Search: ', 'bold'), seg(`${clean(state.search.text)}█`, 'input'), seg('  Enter keep · Esc cancel', 'dim')]
    : [seg(state.help ? 'any key closes the help' : HINTS[screen.kind]!, 'dim')];
  if (!state.search && !state.help && screen.kind === 'message' && messageView && messageView.lines.length > bodyHeight) {
    const first = Math.min(screen.scroll, messageView.lines.length - bodyHeight) + 1;
    footer.unshift(seg(`${first}-${first + bodyHeight - 1}/${messageView.lines.length} `, 'bold'));
  }
  const top: Line[] = [headerLine(result, status, width)];
  if (status?.errors.length) top.push([seg(truncate(`! ${status.errors.map(clean).join(' · ')}`, width), 'alg')]);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <LineView lines={top} theme={theme} width={width} />
      {body}
      <LineView lines={[footer]} theme={theme} width={width} />
    </Box>
  );
}
