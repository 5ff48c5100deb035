/**
 * Keys as the reducer sees them. Ink's useInput reports arrows, Enter, Esc and characters but not
 * function keys, so those are read from the raw key sequences Ink already splits apart.
 */
import { useInput, useStdin } from 'ink';
import { useEffect } from 'react';
import type { KeyName, KeyPress } from './state.js';

/** Function key sequences of xterm, VT220/rxvt, the Linux console and tmux. */
const FUNCTION_KEYS: Record<string, KeyName> = {
  '\u001bOP': 'f1', '\u001bOQ': 'f2', '\u001bOR': 'f3', '\u001bOS': 'f4',
  '\u001b[11~': 'f1', '\u001b[12~': 'f2', '\u001b[13~': 'f3', '\u001b[14~': 'f4',
  '\u001b[[A': 'f1', '\u001b[[B': 'f2', '\u001b[[C': 'f3', '\u001b[[D': 'f4', '\u001b[[E': 'f5',
  '\u001b[15~': 'f5', '\u001b[17~': 'f6', '\u001b[18~': 'f7', '\u001b[19~': 'f8', '\u001b[20~': 'f9', '\u001b[21~': 'f10',
};

export function functionKey(sequence: string): KeyName | undefined {
  return FUNCTION_KEYS[sequence];
}

export function useKeys(onKey: (key: KeyPress) => void): void {
  const { internal_eventEmitter: emitter } = useStdin();
  useEffect(() => {
    const onRaw = (sequence: string) => {
      const name = functionKey(sequence);
      if (name) onKey({ name });
    };
    emitter?.on('input', onRaw);
    return () => {
      emitter?.removeListener('input', onRaw);
    };
  }, [emitter, onKey]);

  useInput((input, key) => {
    const named: [boolean, KeyName][] = [
      [key.upArrow, 'up'], [key.downArrow, 'down'], [key.leftArrow, 'left'], [key.rightArrow, 'right'],
      [key.pageUp, 'pageup'], [key.pageDown, 'pagedown'], [key.home, 'home'], [key.end, 'end'],
      [key.return, 'enter'], [key.escape, 'escape'], [key.tab, 'tab'], [key.backspace || key.delete, 'backspace'],
    ];
    const hit = named.find(([on]) => on);
    if (hit) return onKey({ name: hit[1] });
    if (key.ctrl) {
      if (input === 'c') onKey({ name: 'ctrl-c' });
      else if (input === 'f') onKey({ name: 'pagedown' });
      else if (input === 'b') onKey({ name: 'pageup' });
      return;
    }
    // Pasted text arrives as one string; printable characters only.
    for (const char of input) if (char >= ' ' && char !== '\u007f') onKey({ name: 'char', char });
  });
}
