/**
 * tcpdump: the fallback where dumpcap is not installed. One interface per process and classic
 * pcap (no interface name, no statistics block in the stream), so the interface name comes from
 * the request and the drop counts from tcpdump's closing report on stderr.
 */
import { firstErrorLine, runCaptureProcess } from './process.js';
import { LiveCaptureError } from './types.js';
import type { LiveCapture, LiveCaptureBackend, LiveCaptureRequest, ReportedInterfaceCounts } from './types.js';

export const TCPDUMP_INSTALL_HINT = 'install tcpdump (Debian/Ubuntu: apt-get install tcpdump; Fedora: dnf install tcpdump)';

/** tcpdump's libpcap timeout is 1 s: the last block is handed over within that. */
const TCPDUMP_DRAIN_MS = 1200;

export function tcpdumpArgs(request: LiveCaptureRequest): string[] {
  const args = ['-n', '-U', '-w', '-', '--time-stamp-precision=nano', '-B', String(request.bufferMiB * 1024), '-i', request.interfaces[0]!];
  if (request.filter !== undefined) args.push(request.filter);
  return args;
}

export function classifyTcpdumpFailure(stderr: string, end: string): LiveCaptureError {
  const detail = firstErrorLine(stderr, 'tcpdump');
  if (/No such device/.test(stderr)) {
    return new LiveCaptureError('no-such-interface', `no such interface: ${detail ?? ''} (list them with: ip link)`);
  }
  if (/permission|Operation not permitted/i.test(stderr)) {
    return new LiveCaptureError(
      'permission-denied',
      'not permitted to capture: run as root, or give tcpdump the capture capabilities (sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)")',
    );
  }
  if (/can't parse filter expression|syntax error|illegal/i.test(stderr)) {
    return new LiveCaptureError('bad-filter', `capture filter does not compile: ${detail ?? ''}`);
  }
  const down = /(\S+): That device is not up/.exec(stderr);
  if (down) return new LiveCaptureError('interface-down', `interface ${down[1]} is down (bring it up with: ip link set ${down[1]} up)`);
  return new LiveCaptureError('capture-failed', `tcpdump stopped${detail ? `: ${detail}` : ''} (${end})`);
}

/** "12 packets received by filter", "3 packets dropped by kernel", "0 packets dropped by interface". */
export function tcpdumpCounts(stderr: string, iface: string): ReportedInterfaceCounts[] {
  const count = (what: string) => {
    const match = new RegExp(`^(\\d+) packets? ${what}$`, 'm').exec(stderr);
    return match ? Number(match[1]) : undefined;
  };
  const received = count('received by filter');
  const kernel = count('dropped by kernel');
  const byInterface = count('dropped by interface');
  if (received === undefined && kernel === undefined) return [];
  return [{ interface: iface, received, dropped: kernel === undefined && byInterface === undefined ? undefined : (kernel ?? 0) + (byInterface ?? 0) }];
}

export class TcpdumpBackend implements LiveCaptureBackend {
  readonly name = 'tcpdump';

  constructor(readonly executable = 'tcpdump') {}

  unsupported(request: LiveCaptureRequest): string | undefined {
    return request.interfaces.length > 1
      ? 'tcpdump captures one interface per process; for several interfaces at once use dumpcap'
      : undefined;
  }

  start(request: LiveCaptureRequest): LiveCapture {
    const iface = request.interfaces[0]!;
    return runCaptureProcess({
      backend: this.name,
      executable: this.executable,
      args: tcpdumpArgs(request),
      startedPattern: /^listening on /m,
      drainMs: TCPDUMP_DRAIN_MS,
      classifyFailure: classifyTcpdumpFailure,
      reportedCounts: (stderr) => tcpdumpCounts(stderr, iface),
      installHint: TCPDUMP_INSTALL_HINT,
    });
  }
}
