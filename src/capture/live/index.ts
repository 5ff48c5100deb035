/**
 * Live capture backends and the choice between them. dumpcap is preferred (several interfaces
 * in one pcapng stream with names and drop counts); tcpdump serves single-interface captures where
 * dumpcap is missing. Another backend only has to implement LiveCaptureBackend.
 */
import { DUMPCAP_INSTALL_HINT, DumpcapBackend } from './dumpcap.js';
import { findExecutable } from './process.js';
import { TCPDUMP_INSTALL_HINT, TcpdumpBackend } from './tcpdump.js';
import { LiveCaptureError } from './types.js';
import type { LiveCaptureBackend, LiveCaptureRequest } from './types.js';

export type * from './types.js';
export { LiveCaptureError } from './types.js';
export { DumpcapBackend } from './dumpcap.js';
export { TcpdumpBackend } from './tcpdump.js';

export const BACKEND_NAMES = ['dumpcap', 'tcpdump'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const INSTALL_HINTS: Record<BackendName, string> = { dumpcap: DUMPCAP_INSTALL_HINT, tcpdump: TCPDUMP_INSTALL_HINT };

function backendFor(name: BackendName, executable: string): LiveCaptureBackend {
  return name === 'dumpcap' ? new DumpcapBackend(executable) : new TcpdumpBackend(executable);
}

/**
 * The backend for a request: the one asked for, or the first installed one that can serve it.
 * Throws a LiveCaptureError that says what to install when none can.
 */
export function selectBackend(request: LiveCaptureRequest, preferred?: BackendName, searchPath?: string): LiveCaptureBackend {
  const candidates: BackendName[] = preferred ? [preferred] : [...BACKEND_NAMES];
  const reasons: string[] = [];
  for (const name of candidates) {
    const executable = findExecutable(name, searchPath);
    if (!executable) {
      reasons.push(`${name} is not installed`);
      continue;
    }
    const backend = backendFor(name, executable);
    const unsupported = backend.unsupported(request);
    if (!unsupported) return backend;
    reasons.push(unsupported);
  }
  const installable = candidates.filter((name) => !findExecutable(name, searchPath));
  const hints = installable.length > 0 ? installable.map((name) => INSTALL_HINTS[name]) : [INSTALL_HINTS.dumpcap];
  const code = installable.length === candidates.length ? 'not-installed' : 'unsupported';
  return fail(code, `live capture is not possible: ${reasons.join('; ')}. To capture live, ${hints.join(', or ')}. The file commands (algscope analyze) work without them.`);
}

function fail(code: 'not-installed' | 'unsupported', message: string): never {
  throw new LiveCaptureError(code, message);
}
