/** Help overlay: every key, by screen. Any key closes it. */
import { KEY_HELP } from './help.js';
import { LineView } from './LineView.js';
import { fit, seg, type Line } from './text.js';
import type { Theme } from './theme.js';

export function helpLines(): Line[] {
  const screenWidth = Math.max(...KEY_HELP.map((s) => s.screen.length)) + 2;
  const keyWidth = Math.max(...KEY_HELP.flatMap((s) => s.keys.map(([k]) => k.length))) + 2;
  const lines: Line[] = [[seg('Keys', 'title'), seg(' (sngrep users: the same F-keys and letters; any key closes this help)', 'dim')]];
  for (const section of KEY_HELP) {
    section.keys.forEach(([keys, action], i) => {
      lines.push([seg(fit(i === 0 ? section.screen : '', screenWidth), 'title'), seg(fit(keys, keyWidth), 'bold'), seg(action)]);
    });
  }
  return lines;
}

export function HelpOverlay({ width, height, theme }: { width: number; height: number; theme: Theme }) {
  return <LineView lines={helpLines()} theme={theme} width={width} height={height} />;
}
