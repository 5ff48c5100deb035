/** Exit statuses scripts and CI rely on (README: "Exit status"). */
import type { Verdict } from '../detect/types.js';

export const EXIT_NO_ALG = 0;
export const EXIT_ALG = 1;
export const EXIT_INPUT_ERROR = 2;

export function exitCodeFor(verdict: Verdict): number {
  return verdict === 'alg-detected' || verdict === 'alg-suspected' ? EXIT_ALG : EXIT_NO_ALG;
}

/** A mistake in how the tool was called: reported in one line, exit status 2. */
export class UsageError extends Error {}
