/** Message view screen: diff of the two copies, findings, and the raw message with changed fields highlighted. */
import { LineView } from './LineView.js';
import type { MessageLines } from './message-lines.js';
import { seg } from './text.js';
import type { Theme } from './theme.js';

export interface MessageViewProps {
  view: MessageLines | undefined;
  scroll: number;
  width: number;
  height: number;
  theme: Theme;
}

export function MessageView({ view, scroll, width, height, theme }: MessageViewProps) {
  if (!view) return <LineView lines={[[seg('This message is no longer in the analysis.', 'dim')]]} theme={theme} width={width} height={height} />;
  const top = Math.max(0, Math.min(scroll, view.lines.length - height));
  return <LineView lines={view.lines.slice(top, top + height)} theme={theme} width={width} height={height} />;
}
