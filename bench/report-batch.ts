/**
 * Batch report throughput: builds a folder of at least 200 captures in a temporary folder (copies
 * of the NAT lab's inside/outside captures, every other copy gzip'd, in two halves), runs the built
 * command (`npm run build`, then `node dist/cli.js report`) over it with --jobs 1 and --jobs 2 (and
 * the core count when it is more), and prints each wall time, the speed-up, and whether the reports
 * of the runs are the same bytes. Nothing is written inside the repository except dist/.
 *
 * As a reference for what the machine gives this workload at the time, each round also runs two
 * separate `--jobs 1` processes at once, one per half: on a machine shared with other work, a
 * speed-up is only possible up to that.
 *
 * With --synthetic SCALE the cases are copies of the benchmark's synthetic SIP-heavy pair at that
 * scale (bench/generate.ts; 0.002 is about 900 SIP messages per side) instead of the lab captures:
 * a lab case takes ~20 ms, so process start-up and writing the reports dominate and no core count
 * shows; heavier cases show what the workers give.
 *
 *   npx tsx bench/report-batch.ts [--captures N] [--runs N] [--synthetic SCALE] [--keep]
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateSipHeavy } from './generate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lab = path.join(repo, 'captures', 'lab');
const cli = path.join(repo, 'dist', 'cli.js');
const GROUPING = ['--case-per-dir', '--pair', 'inside=inside.pcap*', 'outside=outside.pcap*'];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)]))
    .sort();
}

/** `algscope report` over `inputs`; resolves with its exit status (0 or 1 expected: no case fails). */
function report(inputs: string, out: string, jobs: number): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'report', inputs, ...GROUPING, '-o', out, '--jobs', String(jobs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (status) => (status === 0 || status === 1 ? resolve() : reject(new Error(`report --jobs ${jobs} exited ${status}:\n${output.slice(0, 2000)}`))));
  });
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const wanted = option('--captures', 200);
  const runs = option('--runs', 3);
  const synthetic = option('--synthetic', 0);
  const work = mkdtempSync(path.join(os.tmpdir(), 'algscope-bench-report-'));
  let scenarios: { name: string; inside: string; outside: string }[];
  if (synthetic > 0) {
    const generated = generateSipHeavy(mkdtempSync(path.join(work, 'synthetic-')), synthetic);
    scenarios = [{ name: 'synthetic', inside: generated.sipHeavyPcap.path, outside: generated.pairs.at(-1)!.outside.path }];
  } else {
    const names = existsSync(lab) ? readdirSync(lab).filter((s) => existsSync(path.join(lab, s, 'inside.pcap')) && existsSync(path.join(lab, s, 'outside.pcap'))).sort() : [];
    if (names.length === 0) throw new Error(`no lab captures (captures/lab/<scenario>/inside.pcap + outside.pcap) under ${lab}`);
    scenarios = names.map((name) => ({ name, inside: path.join(lab, name, 'inside.pcap'), outside: path.join(lab, name, 'outside.pcap') }));
  }

  const inputs = path.join(work, 'captures');
  const halves = [path.join(inputs, 'half-a'), path.join(inputs, 'half-b')];
  let captures = 0;
  let bytes = 0;
  let cases = 0;
  for (let copy = 0; captures < wanted; copy++) {
    for (const scenario of scenarios) {
      const dir = path.join(halves[cases++ % 2]!, `site-${String(copy).padStart(3, '0')}-${scenario.name}`);
      mkdirSync(dir, { recursive: true });
      for (const side of ['inside', 'outside'] as const) {
        const data = readFileSync(scenario[side]);
        const [name, content] = copy % 2 ? [`${side}.pcap.gz`, gzipSync(data)] : [`${side}.pcap`, data];
        writeFileSync(path.join(dir, name), content);
        captures++;
        bytes += content.length;
      }
    }
  }
  console.log(`${captures} captures (${(bytes / 1e6).toFixed(1)} MB, half of them gzip'd) in ${cases} cases, copied from ${synthetic > 0 ? `the synthetic SIP-heavy pair at scale ${synthetic}` : `${scenarios.length} lab scenarios`}, in ${inputs}`);

  const build = spawnSync('npm', ['run', 'build'], { cwd: repo, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);

  const cores = os.availableParallelism();
  const jobCounts = [...new Set([1, 2, cores])];
  console.log(`${cores} cores; load average before the runs ${os.loadavg()[0]!.toFixed(2)}`);
  const times = new Map<string, number[]>();
  const record = (label: string, seconds: number) => times.set(label, [...(times.get(label) ?? []), seconds]);
  // Rounds alternate the runs, so a change in the machine's load hits them alike.
  for (let round = 0; round < runs; round++) {
    for (const jobs of jobCounts) record(`--jobs ${jobs}`, await timed(() => report(inputs, path.join(work, `out-j${jobs}`), jobs)));
    record('two --jobs 1 processes, one per half', await timed(() => Promise.all(halves.map((h, i) => report(h, path.join(work, `out-half-${i}`), 1)))));
  }
  console.log(`load average after the runs ${os.loadavg()[0]!.toFixed(2)}`);
  const best = new Map([...times].map(([label, list]) => [label, Math.min(...list)] as const));
  for (const [label, list] of times) {
    console.log(`${label}: ${list.map((t) => `${t.toFixed(2)} s`).join(', ')} (best ${best.get(label)!.toFixed(2)} s, ${(cases / best.get(label)!).toFixed(1)} cases/s)`);
  }
  const one = best.get('--jobs 1')!;
  for (const jobs of jobCounts.filter((n) => n > 1)) console.log(`speed-up --jobs ${jobs} over --jobs 1: ${(one / best.get(`--jobs ${jobs}`)!).toFixed(2)}x`);
  console.log(`reference, two processes over --jobs 1: ${(one / best.get('two --jobs 1 processes, one per half')!).toFixed(2)}x`);

  const reference = path.join(work, 'out-j1');
  const referenceFiles = filesUnder(reference).filter((f) => f !== 'run.json');
  for (const jobs of jobCounts.filter((n) => n > 1)) {
    const other = path.join(work, `out-j${jobs}`);
    const same = referenceFiles.every((f) => existsSync(path.join(other, f)) && readFileSync(path.join(other, f)).equals(readFileSync(path.join(reference, f))));
    console.log(`reports of --jobs ${jobs} ${same ? 'are byte-identical to' : 'DIFFER from'} --jobs 1 (${referenceFiles.length} files, run.json aside)`);
  }

  if (process.argv.includes('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

await main();
