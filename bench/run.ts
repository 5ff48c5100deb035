/**
 * `npm run bench`: generates the inputs (bench/generate.ts), then runs algscope and the reference
 * tools on the same files in the same run, each as a child process under GNU time, and prints
 * wall time, MB/s, packets/s and peak RSS with algscope's ratio to each reference. Results go to
 * bench/out/results.json.
 *
 * Environment:
 *   BENCH_SCALE=0.1        smaller inputs for a quick run (default 1: the sizes issue 8 asks for)
 *   BENCH_ONLY=rtp,sip,pair,micro  run only these groups (rtp-heavy, SIP-heavy single files, the
 *                          pair at 25/50/100 %, and micro: bench/sip-parse.ts, SIP parsing in
 *                          memory, and bench/sip-floor.ts, the least a JavaScript parse+group does)
 *   BENCH_REFERENCES=0     skip tshark, sngrep, tcpdump (algscope and cat only)
 *   BENCH_PROFILE=1        run algscope with node --cpu-prof (profiles in bench/out/profiles;
 *                          summarize with bench/profile-summary.ts)
 *   BENCH_TIMEOUT=900      seconds before a command is killed and reported as timed out
 *   BENCH_ROUNDS=1         run every case this many times, all cases once per round (so a slow
 *                          stretch of a shared machine falls on every tool), and report each case's
 *                          median wall and CPU time, its range of wall times and its largest peak RSS
 *
 * algscope runs from the build in dist/ (the npm script builds first), its stage benchmarks
 * (bench/stages.ts), bench/sip-parse.ts and bench/sip-floor.ts from bundles built the same way into
 * bench/out/harnesses.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { ensureInputs, type InputFile } from './generate.js';
import { median } from '../src/util/lists.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH_DIR);
const OUT = path.join(BENCH_DIR, 'out');
const LOGS = path.join(OUT, 'logs');
const PROFILES = path.join(OUT, 'profiles');
const CLI = path.join(REPO, 'dist', 'cli.js');
const HARNESSES = path.join(OUT, 'harnesses');

const scale = Number(process.env.BENCH_SCALE ?? 1);
const only = new Set((process.env.BENCH_ONLY ?? 'rtp,sip,pair,micro').split(',').map((s) => s.trim()));
const withReferences = process.env.BENCH_REFERENCES !== '0';
const profile = process.env.BENCH_PROFILE === '1';
const timeoutSeconds = Number(process.env.BENCH_TIMEOUT ?? 900);
const rounds = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 1)) || 1);

interface Measurement {
  input: string;
  tool: string;
  command: string;
  /** The algscope measurement this row is compared with (its `tool`), if any. */
  compareWith?: string;
  /** The median over the rounds (see BENCH_ROUNDS), as cpuSeconds. */
  wallSeconds: number;
  cpuSeconds: number;
  /** Every round's wall time, in the order they ran. */
  roundWallSeconds: number[];
  /** The largest over the rounds. */
  peakRssMiB: number;
  exitCode: number | null;
  timedOut: boolean;
  bytes: number;
  packets: number;
  /** What the tool says it found (SIP messages, dialogs, streams), to show the work was the same. */
  found: string;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function relative(file: string): string {
  return path.relative(REPO, file);
}

/**
 * Runs argv under GNU time with stdout to a log file (or /dev/null: discardOutput); returns wall
 * time (measured here), CPU time and peak RSS (GNU time's %M: the largest resident set of the process).
 */
async function measure(name: string, argv: string[], discardOutput = false): Promise<{ wallSeconds: number; cpuSeconds: number; peakRssMiB: number; exitCode: number | null; timedOut: boolean; stdout: string; stderr: string }> {
  const log = path.join(LOGS, `${name}.out`);
  const errLog = path.join(LOGS, `${name}.err`);
  const timeFile = path.join(LOGS, `${name}.time`);
  rmSync(timeFile, { force: true });
  rmSync(log, { force: true });
  const stdoutFd = openSync(discardOutput ? '/dev/null' : log, 'w');
  const stderrFd = openSync(errLog, 'w');
  const started = process.hrtime.bigint();
  let timedOut = false;
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, ...argv], { stdio: ['ignore', stdoutFd, stderrFd], cwd: REPO });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  closeSync(stdoutFd);
  closeSync(stderrFd);
  const timeLines = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n') : [];
  const [user, system, rssKiB] = (timeLines.at(-1) ?? '0 0 0').split(' ').map(Number) as [number, number, number];
  return {
    wallSeconds,
    cpuSeconds: user + system,
    peakRssMiB: rssKiB / 1024,
    exitCode,
    timedOut,
    stdout: discardOutput ? '' : tail(log, 1 << 16),
    stderr: tail(errLog, 1 << 12),
  };
}

/** The last `bytes` of a file (tool outputs can be large; the counts are at the end). */
function tail(file: string, bytes: number): string {
  const data = readFileSync(file);
  return data.subarray(Math.max(0, data.length - bytes)).toString('utf8');
}

/** What each tool printed about the work it did. */
const FOUND: Record<string, (stdout: string) => string> = {
  algscope: (out) => {
    const m = /(\d+) packets, (\d+) SIP messages \((\d+) retransmissions\), (\d+) dialogs, (\d+) RTP\/RTCP packets/.exec(out);
    const verdict = /\((alg-detected|alg-suspected|nat-without-alg|no-nat|inconclusive)\)/.exec(out.slice(0, 400));
    return m ? `${m[2]} SIP msgs, ${m[4]} dialogs, ${m[5]} RTP${verdict ? `; ${verdict[1]}` : ''}` : '';
  },
  stage: (out) => {
    try {
      const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { frames?: number; payloads?: number; sipMessages?: number; dialogs?: number };
      return r.sipMessages !== undefined ? `${r.sipMessages} SIP msgs, ${r.dialogs} dialogs` : r.payloads !== undefined ? `${r.payloads} payloads` : `${r.frames} frames`;
    } catch {
      return '';
    }
  },
  sipStat: (out) => {
    const m = /Number of SIP messages: (\d+)/.exec(out);
    return m ? `${m[1]} SIP msgs` : '';
  },
  rtpStreams: (out) => `${out.split('\n').filter((l) => /0x[0-9A-Fa-f]{8}/.test(l)).length} RTP streams`,
  sngrep: (out) => {
    const counts = [...out.matchAll(/Dialog count: (\d+)/g)];
    return counts.length ? `${counts.at(-1)![1]} dialogs` : '';
  },
  lines: (out) => `${out.length > 0 ? 'output' : 'no output'}`,
  nothing: () => '',
};

interface Case {
  input: string;
  tool: string;
  argv: string[];
  file: InputFile;
  /** Files read (a pair reads two): bytes and packets are their sums. */
  files?: InputFile[];
  found: keyof typeof FOUND;
  compareWith?: string;
  /** Standard output to /dev/null instead of a log file (cat: the floor is reading, not writing a copy). */
  discardOutput?: boolean;
}

function algscopeArgv(args: string[], label: string): string[] {
  const node = ['node', '--max-old-space-size=4096'];
  if (profile) node.push('--cpu-prof', `--cpu-prof-dir=${PROFILES}`, `--cpu-prof-name=${label}.cpuprofile`);
  return [...node, CLI, 'analyze', ...args];
}

function stageArgv(stage: string, file: string): string[] {
  return ['node', path.join(HARNESSES, 'stages.js'), stage, file];
}

/**
 * The in-process harnesses (bench/stages.ts, bench/sip-parse.ts, bench/sip-floor.ts), bundled the way dist/ is: tsx's
 * on-the-fly transform ran the same code about 20 % slower than the build users run.
 */
async function bundleHarnesses(): Promise<void> {
  await build({
    entry: {
      stages: path.join(BENCH_DIR, 'stages.ts'),
      'sip-parse': path.join(BENCH_DIR, 'sip-parse.ts'),
      'sip-floor': path.join(BENCH_DIR, 'sip-floor.ts'),
    },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    outDir: HARNESSES,
    config: false,
    silent: true,
    splitting: false,
  });
}

function referenceCases(input: string, file: InputFile, compareWith: string): Case[] {
  if (!withReferences) return [];
  return [
    { input, tool: 'tshark -z sip,stat', argv: ['tshark', '-r', file.path, '-q', '-z', 'sip,stat'], file, found: 'sipStat', compareWith },
    { input, tool: 'tshark -z rtp,streams', argv: ['tshark', '-r', file.path, '-q', '-z', 'rtp,streams'], file, found: 'rtpStreams', compareWith },
    // -N: no interface, reads the file and exits; -l: keep every dialog (the default limit is 20,000).
    { input, tool: 'sngrep -N', argv: ['sngrep', '-N', '-l', '10000000', '-I', file.path], file, found: 'sngrep', compareWith },
  ];
}

function cases(inputs: ReturnType<typeof ensureInputs>): Case[] {
  const list: Case[] = [];
  const catCase = (input: string, file: InputFile, compareWith: string): Case => ({ input, tool: 'cat > /dev/null', argv: ['cat', file.path], file, found: 'nothing', compareWith, discardOutput: true });
  if (only.has('rtp')) {
    const input = 'rtp-heavy.pcap';
    const file = inputs.rtpHeavy;
    list.push(
      { input, tool: 'algscope analyze', argv: algscopeArgv([file.path], 'rtp-heavy'), file, found: 'algscope' },
      catCase(input, file, 'algscope analyze'),
      ...referenceCases(input, file, 'algscope analyze'),
      { input, tool: 'algscope read+decode', argv: stageArgv('decode', file.path), file, found: 'stage' },
    );
    if (withReferences) {
      list.push(
        { input, tool: 'tshark -T fields -e frame.number', argv: ['tshark', '-r', file.path, '-T', 'fields', '-e', 'frame.number'], file, found: 'lines', compareWith: 'algscope read+decode' },
        { input, tool: 'tcpdump -r -n', argv: ['tcpdump', '-r', file.path, '-n'], file, found: 'lines', compareWith: 'algscope read+decode' },
      );
    }
  }
  if (only.has('sip')) {
    for (const [input, file] of [
      ['sip-heavy.pcap', inputs.sipHeavyPcap],
      ['sip-heavy.pcapng', inputs.sipHeavyPcapng],
    ] as const) {
      list.push(
        { input, tool: 'algscope analyze', argv: algscopeArgv([file.path], input.replace('.', '-')), file, found: 'algscope' },
        { input, tool: 'algscope parse+group', argv: stageArgv('sip', file.path), file, found: 'stage' },
        catCase(input, file, 'algscope analyze'),
        ...referenceCases(input, file, 'algscope analyze'),
      );
    }
  }
  if (only.has('pair')) {
    for (const pair of inputs.pairs) {
      const input = `pair ${pair.percent}%`;
      list.push({
        input,
        tool: 'algscope analyze --inside --outside',
        argv: algscopeArgv(['--inside', pair.inside.path, '--outside', pair.outside.path], `pair-${pair.percent}`),
        file: pair.inside,
        files: [pair.inside, pair.outside],
        found: 'algscope',
      });
    }
  }
  return list;
}

function machine(): Record<string, string | number> {
  const version = (argv: string[]): string => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
    } catch {
      return 'not installed';
    }
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    tshark: version(['tshark', '--version']),
    sngrep: version(['sngrep', '-V']),
    tcpdump: version(['tcpdump', '--version']),
    loadAverageAtStart: loadavg()[0]!.toFixed(2),
  };
}

function fmt(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows: Measurement[]): string {
  const ranges = rows.some((r) => r.roundWallSeconds.length > 1);
  const header = ['input', 'tool', ranges ? 'median wall s' : 'wall s', 'CPU s', 'MB/s', 'packets/s', 'peak RSS MiB', 'algscope vs this', 'found'];
  if (ranges) header.push('wall s, each round');
  const byKey = new Map(rows.map((r) => [`${r.input}\u0000${r.tool}`, r]));
  const lines = rows.map((r) => {
    const base = r.compareWith ? byKey.get(`${r.input}\u0000${r.compareWith}`) : undefined;
    let ratio = '';
    if (base && !r.timedOut && !base.timedOut) {
      const times = r.wallSeconds / base.wallSeconds;
      ratio = r.tool.startsWith('cat') ? `${fmt(100 * times, 1)} % of its speed` : times >= 1 ? `${fmt(times, 1)}x faster` : `${fmt(1 / times, 1)}x slower`;
    }
    const failed = r.timedOut ? 'timed out' : r.exitCode !== null && r.exitCode > 1 ? `exit ${r.exitCode}` : '';
    return [
      r.input,
      r.tool,
      failed || fmt(r.wallSeconds, 2),
      fmt(r.cpuSeconds, 2),
      fmt(r.bytes / 1e6 / r.wallSeconds, 0),
      fmt(r.packets / r.wallSeconds, 0),
      fmt(r.peakRssMiB, 0),
      ratio,
      r.found,
      ...(ranges ? [r.roundWallSeconds.map((t) => fmt(t, 2)).join(', ')] : []),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [row(header), `|${widths.map((w, i) => (i >= 2 && i <= 6 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...lines.map(row)].join('\n');
}

type Run = Awaited<ReturnType<typeof measure>>;

/** One case's row from its rounds: medians of the times, the largest RSS, the last round's output. */
function measurement(c: Case, caseRuns: Run[]): Measurement {
  const last = caseRuns.at(-1)!;
  const files = c.files ?? [c.file];
  const result: Measurement = {
    input: c.input,
    tool: c.tool,
    command: c.argv.map(shellQuote).join(' ').replaceAll(`${REPO}/`, ''),
    wallSeconds: median(caseRuns.map((r) => r.wallSeconds)),
    cpuSeconds: median(caseRuns.map((r) => r.cpuSeconds)),
    roundWallSeconds: caseRuns.map((r) => r.wallSeconds),
    peakRssMiB: Math.max(...caseRuns.map((r) => r.peakRssMiB)),
    exitCode: caseRuns.find((r) => r.exitCode !== null && r.exitCode > 1)?.exitCode ?? last.exitCode,
    timedOut: caseRuns.some((r) => r.timedOut),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    packets: files.reduce((n, f) => n + f.packets, 0),
    found: FOUND[c.found]!(last.stdout),
  };
  if (c.compareWith) result.compareWith = c.compareWith;
  return result;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${relative(CLI)} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time');
  mkdirSync(LOGS, { recursive: true });
  if (profile) mkdirSync(PROFILES, { recursive: true });
  await bundleHarnesses();
  const inputs = ensureInputs(scale, (line) => console.log(line));
  const host = machine();
  console.log(`machine: ${host.cores} x ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, load ${host.loadAverageAtStart}`);
  const list = cases(inputs);
  const runs: Run[][] = list.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    for (const [i, c] of list.entries()) {
      // A case that timed out once would only take the whole timeout again.
      if (runs[i]!.some((r) => r.timedOut)) continue;
      process.stdout.write(`  ${c.input}: ${c.tool} ... `);
      const run = await measure(`${c.input}-${c.tool}`.replace(/[^\w.-]+/g, '_'), c.argv, c.discardOutput);
      runs[i]!.push(run);
      const problem = run.timedOut ? ' (timed out)' : run.exitCode !== null && run.exitCode > 1 ? ` (exit ${run.exitCode}: ${run.stderr.trim().split('\n').at(-1)})` : '';
      console.log(`${fmt(run.wallSeconds, 2)} s, ${fmt(run.peakRssMiB, 0)} MiB${problem}`);
    }
  }
  const results = list.map((c, i) => measurement(c, runs[i]!));
  const pairRows = results.filter((r) => r.input.startsWith('pair '));
  console.log(`\n${table(results)}\n`);
  if (pairRows.length > 1) {
    console.log('pair correlation, time per SIP message (linear when constant):');
    for (const r of pairRows) console.log(`  ${r.input.padEnd(9)} ${fmt(r.packets, 0).padStart(9)} messages  ${fmt(r.wallSeconds, 2).padStart(7)} s  ${fmt((1e6 * r.wallSeconds) / r.packets, 2)} µs/message`);
  }
  let micro: string | undefined;
  let floor: string | undefined;
  if (only.has('micro')) {
    const run = await measure('sip-parse', ['node', path.join(HARNESSES, 'sip-parse.js'), '1']);
    micro = run.stdout.trim();
    console.log(`\nSIP parsing in memory (bench/sip-parse.ts):\n${micro}`);
    const floorRun = await measure('sip-floor', ['node', path.join(HARNESSES, 'sip-floor.js'), inputs.sipHeavyPcap.path]);
    floor = floorRun.stdout.trim();
    console.log(`\nThe least a JavaScript SIP parse+group does, on sip-heavy.pcap (bench/sip-floor.ts):\n${floor}`);
  }
  writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), scale, rounds, machine: host, inputs, results, sipParse: micro, sipFloor: floor }, null, 2)}\n`);
  console.log(`\nresults: ${relative(path.join(OUT, 'results.json'))}, tool output: ${relative(LOGS)}/`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
