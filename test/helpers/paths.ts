import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Real public captures live beside the repository, never inside it. */
export const publicCapturesDir = path.resolve(repoRoot, '../shared/captures/public');
export const havePublicCaptures = existsSync(publicCapturesDir);
/** Reason shown by describe.skipIf when the shared captures are absent. */
export const noPublicCapturesReason = `public captures not found at ${publicCapturesDir}`;

export function publicCapture(name: string): string {
  return path.join(publicCapturesDir, name);
}

/** Captures made by this project (lab and tool-generated), committed under captures/. */
export function projectCapture(relative: string): string {
  return path.join(repoRoot, 'captures', relative);
}
