/**
 * The terminal around the TUI: the alternate screen (the shell's screen comes back untouched on
 * exit, as with less or sngrep), a line shown while Ink loads, and the keyboard.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';

const ALTERNATE_SCREEN_ON = '\u001b[?1049h';
const ALTERNATE_SCREEN_OFF = '\u001b[?1049l';
const CLEAR = '\u001b[H\u001b[2J';

export interface TerminalScreen {
  /** Clears the loading line before the first frame. */
  clear(): void;
  /** Back to the shell's screen (also done on process exit). */
  leave(): void;
}

export function enterTerminalScreen(stdout: NodeJS.WriteStream = process.stdout): TerminalScreen {
  stdout.write(`${ALTERNATE_SCREEN_ON}${CLEAR}algscope: loading the terminal UI…`);
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    process.off('exit', leave);
    stdout.write(ALTERNATE_SCREEN_OFF);
  };
  process.on('exit', leave);
  return { clear: () => stdout.write(CLEAR), leave };
}

/** Keys come from the terminal; when the capture itself comes from standard input, from /dev/tty. */
export function openKeyboard(captureFromStdin: boolean): NodeJS.ReadStream {
  if (!captureFromStdin) return process.stdin;
  return new ReadStream(openSync('/dev/tty', 'r')) as NodeJS.ReadStream;
}
