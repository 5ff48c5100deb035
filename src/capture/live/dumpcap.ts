/**
 * dumpcap (Wireshark's capture process): several interfaces in one pcapng stream, one IDB per
 * interface with its name, kernel timestamps in nanoseconds, a kernel buffer per interface (-B)
 * and, when it stops, one Interface Statistics Block per interface with the packets it received
 * and the packets dropped (kernel plus its own queue). Those counts travel in the stream, so the
 * saved file carries them too.
 */
import { firstErrorLine, runCaptureProcess } from './process.js';
import { LiveCaptureError } from './types.js';
import type { LiveCapture, LiveCaptureBackend, LiveCaptureRequest } from './types.js';

export const DUMPCAP_INSTALL_HINT =
  'install Wireshark\'s capture tool dumpcap (Debian/Ubuntu: apt-get install tshark, or wireshark-common; Fedora: dnf install wireshark-cli)';

/** dumpcap's poll timeout is 250 ms: twice that lets the last block through before it stops. */
const DUMPCAP_DRAIN_MS = 500;

export function dumpcapArgs(request: LiveCaptureRequest): string[] {
  // Options before the first -i are the defaults of every interface.
  const args = ['-q', '-n', '-B', String(request.bufferMiB)];
  if (request.filter !== undefined) args.push('-f', request.filter);
  for (const name of request.interfaces) args.push('-i', name);
  args.push('-w', '-');
  return args;
}

export function classifyDumpcapFailure(stderr: string, end: string): LiveCaptureError {
  const noDevice = /There is no device named "([^"]*)"/.exec(stderr);
  if (noDevice) {
    return new LiveCaptureError('no-such-interface', `no interface named "${noDevice[1]}" here (list them with: ip link)`);
  }
  const denied = /permission to capture on device "([^"]*)"/.exec(stderr);
  if (denied || /Operation not permitted/.test(stderr)) {
    return new LiveCaptureError(
      'permission-denied',
      `not permitted to capture${denied ? ` on ${denied[1]}` : ''}: run as root, or give dumpcap the capture capabilities ` +
        '(sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v dumpcap)"; on Debian/Ubuntu: sudo dpkg-reconfigure wireshark-common and join the wireshark group)',
    );
  }
  const badFilter = /Invalid capture filter "(.*)" for interface/.exec(stderr);
  if (badFilter) {
    const reason = /isn't a valid capture filter \((.*)\)/.exec(stderr)?.[1];
    return new LiveCaptureError('bad-filter', `capture filter "${badFilter[1]}" does not compile${reason ? `: ${reason}` : ''}`);
  }
  const down = /Device "([^"]*)" is not up/.exec(stderr);
  if (down) return new LiveCaptureError('interface-down', `interface ${down[1]} is down (bring it up with: ip link set ${down[1]} up)`);
  const detail = firstErrorLine(stderr, 'dumpcap');
  return new LiveCaptureError('capture-failed', `dumpcap stopped${detail ? `: ${detail}` : ''} (${end})`);
}

export class DumpcapBackend implements LiveCaptureBackend {
  readonly name = 'dumpcap';

  constructor(readonly executable = 'dumpcap') {}

  unsupported(): string | undefined {
    return undefined;
  }

  start(request: LiveCaptureRequest): LiveCapture {
    return runCaptureProcess({
      backend: this.name,
      executable: this.executable,
      args: dumpcapArgs(request),
      // "File: -" follows once every interface is open and its filter compiled.
      startedPattern: /^File: /m,
      drainMs: DUMPCAP_DRAIN_MS,
      classifyFailure: classifyDumpcapFailure,
      reportedCounts: () => [],
      installHint: DUMPCAP_INSTALL_HINT,
    });
  }
}
