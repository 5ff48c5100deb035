import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DumpcapBackend, LiveCaptureError, TcpdumpBackend, selectBackend } from '../../src/capture/live/index.js';
import { classifyDumpcapFailure, dumpcapArgs } from '../../src/capture/live/dumpcap.js';
import { findExecutable } from '../../src/capture/live/process.js';
import { classifyTcpdumpFailure, tcpdumpArgs, tcpdumpCounts } from '../../src/capture/live/tcpdump.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'algscope-backends-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// What dumpcap 4.0.17 and tcpdump 4.99.3 print on this machine.
const DUMPCAP_NO_DEVICE = 'Capturing on \'nosuch0\'\ndumpcap: There is no device named "nosuch0".\n(No such device exists)\n';
const DUMPCAP_BAD_FILTER =
  "Capturing on 'va'\ndumpcap: Invalid capture filter \"bogus filter\" for interface 'va'.\n\nThat string isn't a valid capture filter (can't parse filter expression: syntax error).\nSee the User's Guide for a description of the capture filter syntax.\n";
const DUMPCAP_DENIED =
  'Capturing on \'va\'\ndumpcap: You do not have permission to capture on device "va".\n(socket: Operation not permitted)\nPlease check to make sure you have sufficient permissions.\n';

describe('capture command lines', () => {
  it('dumpcap: pcapng to stdout, buffer and filter for every interface, interfaces in order', () => {
    expect(dumpcapArgs({ interfaces: ['lan0', 'wan0'], filter: 'udp or tcp', bufferMiB: 64 })).toEqual([
      '-q', '-n', '-B', '64', '-f', 'udp or tcp', '-i', 'lan0', '-i', 'wan0', '-w', '-',
    ]);
    expect(dumpcapArgs({ interfaces: ['eth0'], bufferMiB: 2 })).toEqual(['-q', '-n', '-B', '2', '-i', 'eth0', '-w', '-']);
  });

  it('tcpdump: packet-buffered pcap to stdout with nanosecond timestamps, buffer in KiB, filter last', () => {
    expect(tcpdumpArgs({ interfaces: ['eth0'], filter: 'port 5060', bufferMiB: 8 })).toEqual([
      '-n', '-U', '-w', '-', '--time-stamp-precision=nano', '-B', '8192', '-i', 'eth0', 'port 5060',
    ]);
  });
});

describe('capture failures become one clear line', () => {
  it('classifies what dumpcap prints', () => {
    expect(classifyDumpcapFailure(DUMPCAP_NO_DEVICE, 'exit status 1')).toMatchObject({ code: 'no-such-interface', message: 'no interface named "nosuch0" here (list them with: ip link)' });
    expect(classifyDumpcapFailure(DUMPCAP_BAD_FILTER, 'exit status 1')).toMatchObject({
      code: 'bad-filter',
      message: 'capture filter "bogus filter" does not compile: can\'t parse filter expression: syntax error',
    });
    const denied = classifyDumpcapFailure(DUMPCAP_DENIED, 'exit status 1');
    expect(denied.code).toBe('permission-denied');
    expect(denied.message).toContain('not permitted to capture on va: run as root');
    expect(denied.message).toContain('setcap cap_net_raw,cap_net_admin=eip');
    expect(classifyDumpcapFailure('Capturing on \'vdown\'\ndumpcap: Device "vdown" is not up.\n(That device is not up)\n', 'exit status 1')).toMatchObject({
      code: 'interface-down',
      message: 'interface vdown is down (bring it up with: ip link set vdown up)',
    });
    expect(classifyDumpcapFailure('dumpcap: something new\n', 'exit status 1')).toMatchObject({ code: 'capture-failed', message: 'dumpcap stopped: something new (exit status 1)' });
  });

  it('classifies what tcpdump prints and reads its closing counts', () => {
    expect(classifyTcpdumpFailure('tcpdump: nosuch0: No such device exists\n(No such device exists)\n', 'exit status 1').code).toBe('no-such-interface');
    expect(classifyTcpdumpFailure('tcpdump: vdown: That device is not up\n', 'exit status 1').message).toBe('interface vdown is down (bring it up with: ip link set vdown up)');
    expect(classifyTcpdumpFailure('tcpdump: illegal port number 99999 > 65535\n', 'exit status 1')).toMatchObject({
      code: 'bad-filter',
      message: 'capture filter does not compile: illegal port number 99999 > 65535',
    });
    expect(classifyTcpdumpFailure("tcpdump: va: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)\n", 'exit status 1').code).toBe(
      'permission-denied',
    );
    const closing = 'tcpdump: listening on va, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n120 packets captured\n125 packets received by filter\n5 packets dropped by kernel\n';
    expect(tcpdumpCounts(closing, 'va')).toEqual([{ interface: 'va', received: 125, dropped: 5 }]);
    expect(tcpdumpCounts('tcpdump: listening on va\n', 'va')).toEqual([]);
  });
});

describe('backend choice', () => {
  function fakeTools(...names: string[]): string {
    const dir = mkdtempSync(path.join(tmp, 'bin-'));
    for (const name of names) {
      writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 1\n');
      chmodSync(path.join(dir, name), 0o755);
    }
    return dir;
  }
  const two = { interfaces: ['lan0', 'wan0'], bufferMiB: 32 };
  const one = { interfaces: ['eth0'], bufferMiB: 32 };

  it('prefers dumpcap, falls back to tcpdump for one interface', () => {
    expect(selectBackend(two, undefined, fakeTools('dumpcap', 'tcpdump'))).toBeInstanceOf(DumpcapBackend);
    expect(selectBackend(one, undefined, fakeTools('tcpdump'))).toBeInstanceOf(TcpdumpBackend);
    expect(selectBackend(one, 'tcpdump', fakeTools('dumpcap', 'tcpdump'))).toBeInstanceOf(TcpdumpBackend);
  });

  it('says exactly what to install when nothing can capture, and that files still work', () => {
    let error: unknown;
    try {
      selectBackend(one, undefined, fakeTools());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LiveCaptureError);
    expect(error).toMatchObject({ code: 'not-installed' });
    const message = (error as Error).message;
    expect(message).toContain('dumpcap is not installed; tcpdump is not installed');
    expect(message).toContain('apt-get install tshark');
    expect(message).toContain('apt-get install tcpdump');
    expect(message).toContain('algscope analyze');
  });

  it('names dumpcap when only tcpdump is there and several interfaces are asked for', () => {
    expect(() => selectBackend(two, undefined, fakeTools('tcpdump'))).toThrow(/tcpdump captures one interface per process.*install Wireshark's capture tool dumpcap/);
  });

  it('finds executables in PATH only when they can be run', () => {
    const dir = fakeTools('dumpcap');
    writeFileSync(path.join(dir, 'tcpdump'), 'not executable');
    expect(findExecutable('dumpcap', dir)).toBe(path.join(dir, 'dumpcap'));
    expect(findExecutable('tcpdump', dir)).toBeUndefined();
  });
});

const dumpcap = findExecutable('dumpcap');
const isRoot = process.getuid?.() === 0;
const setpriv = findExecutable('setpriv');

describe.skipIf(!dumpcap || !isRoot)(`real dumpcap failures (${!dumpcap ? 'dumpcap not installed' : !isRoot ? 'needs root' : 'dumpcap, root'})`, () => {
  it('no such interface', async () => {
    const capture = new DumpcapBackend(dumpcap).start({ interfaces: ['algscope-nosuch0'], bufferMiB: 2 });
    await expect(capture.started).rejects.toMatchObject({ code: 'no-such-interface', message: expect.stringContaining('"algscope-nosuch0"') });
    expect((await capture.finished).exitCode).toBe(1);
  });

  it('a filter that does not compile', async () => {
    const capture = new DumpcapBackend(dumpcap).start({ interfaces: ['lo'], filter: 'udp port 99999', bufferMiB: 2 });
    await expect(capture.started).rejects.toMatchObject({ code: 'bad-filter', message: expect.stringContaining('illegal port number 99999') });
  });

  it.skipIf(!setpriv)('capture not permitted (dumpcap run as nobody, without capabilities)', async () => {
    const wrapper = path.join(tmp, 'dumpcap-as-nobody');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${setpriv} --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ${dumpcap} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const capture = new DumpcapBackend(wrapper).start({ interfaces: ['lo'], bufferMiB: 2 });
    await expect(capture.started).rejects.toMatchObject({ code: 'permission-denied', message: expect.stringContaining('setcap') });
  });

  it('a capture that ends by itself (an interface vanished) is a failure, whatever its exit status', async () => {
    const script = path.join(tmp, 'dumpcap-interface-vanishes');
    writeFileSync(
      script,
      '#!/bin/sh\necho "Capturing on \'vx\'" >&2\necho "File: -" >&2\nsleep 0.2\necho \'dumpcap: The network adapter "vx" is no longer attached; the capture has stopped.\' >&2\nexit 0\n',
    );
    chmodSync(script, 0o755);
    const capture = new DumpcapBackend(script).start({ interfaces: ['vx'], bufferMiB: 2 });
    await capture.started;
    const end = await capture.finished;
    expect(end.exitCode).toBe(0);
    expect(end.error).toMatchObject({
      code: 'capture-failed',
      message: 'dumpcap stopped: The network adapter "vx" is no longer attached; the capture has stopped. (exit status 0)',
    });
  });

  it('a missing executable', async () => {
    const capture = new DumpcapBackend(path.join(tmp, 'no-dumpcap-here')).start({ interfaces: ['lo'], bufferMiB: 2 });
    await expect(capture.started).rejects.toMatchObject({ code: 'not-installed', message: expect.stringContaining('apt-get install tshark') });
  });

  it('captures on lo and stops cleanly with its statistics block', async () => {
    const capture = new DumpcapBackend(dumpcap).start({ interfaces: ['lo'], filter: 'udp port 9', bufferMiB: 2 });
    const chunks: Buffer[] = [];
    capture.stream.on('data', (c: Buffer) => chunks.push(c));
    await capture.started;
    capture.stop();
    const end = await capture.finished;
    expect(end.error).toBeUndefined();
    const bytes = Buffer.concat(chunks);
    // Section header first, an Interface Statistics Block (type 5) last.
    expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
    const lastLength = bytes.readUInt32LE(bytes.length - 4);
    expect(bytes.readUInt32LE(bytes.length - lastLength)).toBe(5);
  });
});
