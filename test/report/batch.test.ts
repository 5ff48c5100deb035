/**
 * `algscope report` end to end, as a process: over the NAT lab's real kernel-ALG captures (paired
 * inside/outside by --pair) and over the public captures with broken files among them. The JSON
 * of every case must be exactly what `analyze --format json` gives for the same files, the HTML
 * must be well-formed with its sections, and a second run must give the same bytes.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze.js';
import { TOOL_VERSION } from '../../src/cli/version.js';
import type { SideAssignment } from '../../src/correlate/types.js';
import { analysisJson } from '../../src/render/json.js';
import { mdText } from '../../src/render/report/case-markdown.js';
import { pcapFile } from '../capture/build-capture.js';
import { havePublicCaptures, projectCapture, publicCapturesDir } from '../helpers/paths.js';
import { parseHtml, runCli, writeHostileAlgCase, type CliRun } from './helpers.js';

const tool = { name: 'algscope', version: TOOL_VERSION };
const work = mkdtempSync(path.join(tmpdir(), 'algscope-batch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The lab's scenarios (inside.pcap + outside.pcap of one call through the kernel SIP ALG or plain
// NAT), copied to a scratch folder so the test reads one consistent set even while the lab is rerun.
const labSource = projectCapture('lab');
const labScenarios = existsSync(labSource)
  ? readdirSync(labSource).filter((name) => existsSync(path.join(labSource, name, 'inside.pcap')) && existsSync(path.join(labSource, name, 'outside.pcap')))
  : [];
const haveLab = labScenarios.length > 0;
const labDir = path.join(work, 'lab-captures');
for (const scenario of labScenarios) {
  mkdirSync(path.join(labDir, scenario), { recursive: true });
  for (const side of ['inside', 'outside']) copyFileSync(path.join(labSource, scenario, `${side}.pcap`), path.join(labDir, scenario, `${side}.pcap`));
}

const CASE_SECTIONS = ['verdict', 'summary', 'call-flow', 'rewritten', 'findings', 'rtp', 'captures'];

async function expectedJson(files: string[], sides: SideAssignment): Promise<string> {
  return `${JSON.stringify(analysisJson(await analyzeCaptures({ files, sides }), tool), null, 2)}\n`;
}

function noSides(): SideAssignment {
  return { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] };
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)]))
    .sort();
}

function readCsv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\r\n');
  const columns = head!.split(',');
  // The test data has no quoted fields with commas except where a test checks them itself.
  return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i]!, cell])));
}

function checkCaseHtml(file: string): ReturnType<typeof parseHtml> {
  const page = parseHtml(readFileSync(file, 'utf8'));
  expect(page.problems, file).toEqual([]);
  for (const id of CASE_SECTIONS) expect(page.ids, `${file} #${id}`).toContain(id);
  return page;
}

describe.skipIf(!haveLab)('report over the NAT lab captures (--pair)', () => {
  const out = path.join(work, 'lab');
  const again = path.join(work, 'lab-again');
  let run: CliRun;
  beforeAll(() => {
    run = runCli(['report', labDir, '--pair', 'inside=*/inside.pcap', 'outside=*/outside.pcap', '-o', out, '--jobs', '2']);
  });

  it('exits 1 (an ALG was found in some case) and prints the summary', () => {
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^algscope report: \d+ cases in [\d.]+ s \(2 workers\)$/m);
    expect(run.stdout).toContain(`Index: ${path.join(out, 'index.html')}`);
  });

  it('writes, per scenario, exactly the JSON `analyze --inside --outside` gives, with the verdict the lab made', async () => {
    const rows = readCsv(path.join(out, 'index.csv'));
    for (const scenario of labScenarios) {
      const inside = path.join(labDir, scenario, 'inside.pcap');
      const outside = path.join(labDir, scenario, 'outside.pcap');
      const row = rows.find((r) => r.case === scenario)!;
      expect(row, scenario).toBeDefined();
      const json = readFileSync(path.join(out, row.json!), 'utf8');
      expect(json).toBe(await expectedJson([inside, outside], { ...noSides(), insideFiles: [inside], outsideFiles: [outside] }));
      const doc = JSON.parse(json) as { schema: string; verdict: string; captures: { side: string; sideSource: string }[] };
      expect(doc.schema).toBe('algscope.analysis/1');
      expect(doc.captures.map((c) => [c.side, c.sideSource])).toEqual([['inside', 'user-file'], ['outside', 'user-file']]);
      if (/-alg(-|$)/.test(scenario)) expect(doc.verdict, scenario).toBe('alg-detected');
      if (/-noalg(-|$)/.test(scenario)) expect(doc.verdict, scenario).toBe('nat-without-alg');
      expect(row.verdict).toBe(doc.verdict);
      expect(row.status).toBe('ok');
    }
  });

  it('matches `algscope analyze --format json` run as a command', () => {
    const scenario = labScenarios.find((s) => s.endsWith('-alg')) ?? labScenarios[0]!;
    const inside = path.join(labDir, scenario, 'inside.pcap');
    const outside = path.join(labDir, scenario, 'outside.pcap');
    const analyze = runCli(['analyze', '--format', 'json', '--inside', inside, '--outside', outside]);
    const row = readCsv(path.join(out, 'index.csv')).find((r) => r.case === scenario)!;
    expect(readFileSync(path.join(out, row.json!), 'utf8')).toBe(analyze.stdout);
  });

  it('draws every ALG case with its ladder, rewritten fields marked in the diffs, and links that resolve', () => {
    for (const row of readCsv(path.join(out, 'index.csv'))) {
      const page = checkCaseHtml(path.join(out, row.html!));
      const doc = JSON.parse(readFileSync(path.join(out, row.json!), 'utf8')) as { verdict: string; dialogs: unknown[]; files: unknown[] };
      expect(page.elements.filter((e) => e === 'svg').length, row.case).toBe(doc.dialogs.length);
      if (doc.verdict === 'alg-detected') {
        expect(page.elements, row.case).toContain('mark');
        expect(page.ids.some((id) => id.startsWith('diff-')), row.case).toBe(true);
        expect(page.hrefs.some((h) => h.startsWith('#diff-')), row.case).toBe(true);
      }
      expect(page.hrefs).toContain('../index.html');
    }
    const index = parseHtml(readFileSync(path.join(out, 'index.html'), 'utf8'));
    expect(index.problems).toEqual([]);
    const caseLinks = index.hrefs.filter((h) => h.startsWith('cases/'));
    expect(caseLinks.length).toBe(3 * readCsv(path.join(out, 'index.csv')).length + readCsv(path.join(out, 'index.csv')).length);
    for (const link of caseLinks) expect(existsSync(path.join(out, link)), link).toBe(true);
  });

  it('gives the same bytes on a second run with another number of workers (only run.json differs)', () => {
    const second = runCli(['report', labDir, '--pair', 'inside=*/inside.pcap', 'outside=*/outside.pcap', '-o', again, '--jobs', '1']);
    expect(second.status).toBe(1);
    const files = listFiles(out);
    expect(listFiles(again)).toEqual(files);
    for (const file of files.filter((f) => f !== 'run.json')) expect(readFileSync(path.join(again, file), 'utf8'), file).toBe(readFileSync(path.join(out, file), 'utf8'));
    const runInfo = JSON.parse(readFileSync(path.join(again, 'run.json'), 'utf8')) as { schema: string; generatedAt: string; jobs: number; outputs: string[] };
    expect(runInfo.schema).toBe('algscope.report-run/1');
    expect(runInfo.jobs).toBe(1);
    expect(Number.isNaN(Date.parse(runInfo.generatedAt))).toBe(false);
    expect([...runInfo.outputs, 'run.json'].sort()).toEqual(files);
  });
});

describe('report with broken and hostile captures among good ones', () => {
  const inputs = path.join(work, 'mixed');
  const out = path.join(work, 'mixed-out');
  let run: CliRun;
  beforeAll(() => {
    const site = path.join(inputs, 'site-1');
    mkdirSync(site, { recursive: true });
    mkdirSync(path.join(work, 'hostile'));
    const hostile = writeHostileAlgCase(path.join(work, 'hostile'));
    writeFileSync(path.join(site, 'call-lan.pcap'), readFileSync(hostile.inside));
    writeFileSync(path.join(site, 'call-wan.pcap'), readFileSync(hostile.outside));
    writeFileSync(path.join(site, 'broken.pcap'), 'this is not a capture at all');
    writeFileSync(path.join(site, 'empty.pcap'), '');
    writeFileSync(path.join(site, 'notes.txt'), 'customer says calls drop after 30 s');
    // A capture whose last record is cut short: analyzed, with the problem reported.
    const whole = pcapFile([{ sec: 1, frac: 0, data: new Uint8Array(60) }, { sec: 2, frac: 0, data: new Uint8Array(60) }]);
    writeFileSync(path.join(site, 'truncated.pcap'), whole.subarray(0, whole.length - 10));
    run = runCli(['report', inputs, '--pair', 'inside=*-lan.pcap', 'outside=*-wan.pcap', '-o', out]);
  });

  it('exits 2, names every failed case with its reason, and still reports the others', () => {
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/FAILED site-1\/broken\.pcap: .*broken\.pcap.*not/);
    expect(run.stdout).toMatch(/FAILED site-1\/empty\.pcap: /);
    expect(run.stdout).toContain('1 file in the inputs skipped as not captures');
    const rows = readCsv(path.join(out, 'index.csv'));
    expect(rows.map((r) => [r.case, r.status, r.verdict])).toEqual([
      ['site-1/broken.pcap', 'failed', 'inconclusive'],
      ['site-1/call', 'ok', 'alg-detected'],
      ['site-1/empty.pcap', 'failed', 'inconclusive'],
      ['site-1/truncated.pcap', 'ok', 'inconclusive'],
    ]);
    const truncated = JSON.parse(readFileSync(path.join(out, rows[3]!.json!), 'utf8')) as { files: { problems: { code: string; frame: number }[] }[] };
    expect(truncated.files[0]!.problems.map((p) => [p.code, p.frame])).toEqual([['truncated-packet', 2]]);
    const index = parseHtml(readFileSync(path.join(out, 'index.html'), 'utf8'));
    expect(index.problems).toEqual([]);
    expect(index.text).toContain('FAILED');
    expect(index.text).toContain('notes.txt');
  });

  it('pairs call-lan.pcap with call-wan.pcap and keeps every hostile header as text', () => {
    const page = checkCaseHtml(path.join(out, 'cases', 'site-1_call.html'));
    expect(readFileSync(path.join(out, 'cases', 'site-1_call.html'), 'utf8')).not.toMatch(/<script|<img|<svg onload/i);
    expect(page.text).toContain('&lt;script&gt;');
    const doc = JSON.parse(readFileSync(path.join(out, 'cases', 'site-1_call.json'), 'utf8')) as { captures: { file: string; side: string }[] };
    expect(doc.captures.map((c) => [path.basename(c.file), c.side])).toEqual([['call-lan.pcap', 'inside'], ['call-wan.pcap', 'outside']]);
  });

  it('removes the reports of cases that are gone when the same folder is reported again', () => {
    const before = listFiles(out);
    expect(before).toContain(path.join('cases', 'site-1_truncated.pcap.html'));
    rmSync(path.join(inputs, 'site-1', 'truncated.pcap'));
    const rerun = runCli(['report', inputs, '--pair', 'inside=*-lan.pcap', 'outside=*-wan.pcap', '-o', out]);
    expect(rerun.status).toBe(2);
    const after = listFiles(out);
    expect(after.filter((f) => f.includes('truncated'))).toEqual([]);
    expect(after.length).toBe(before.length - 3);
  });
});

describe.skipIf(!havePublicCaptures)('report over the public captures', () => {
  const out = path.join(work, 'public');
  let run: CliRun;
  beforeAll(() => {
    run = runCli(['report', publicCapturesDir, '-o', out]);
  });

  it('analyzes every capture as its own case; the JSON is exactly the analysis JSON of that file', async () => {
    expect(run.stderr).not.toMatch(/internal error/);
    expect([0, 1, 2]).toContain(run.status);
    const rows = readCsv(path.join(out, 'index.csv'));
    const captures = readdirSync(publicCapturesDir).filter((f) => f !== 'README.md').sort();
    expect(rows.map((r) => r.case)).toEqual(captures);
    expect(parseHtml(readFileSync(path.join(out, 'index.html'), 'utf8')).text).toContain('README.md');
    for (const row of rows) {
      expect(readFileSync(path.join(out, row.json!), 'utf8'), row.case).toBe(await expectedJson([path.join(publicCapturesDir, row.case!)], noSides()));
      checkCaseHtml(path.join(out, row.html!));
      expect(readFileSync(path.join(out, row.markdown!), 'utf8').startsWith(`# ${mdText(row.case!)}\n`), row.case).toBe(true);
    }
    expect(run.status).toBe(rows.some((r) => r.status === 'failed') ? 2 : rows.some((r) => r.verdict!.startsWith('alg-')) ? 1 : 0);
  });
});
