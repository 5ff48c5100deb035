import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { splitPairOption } from '../../src/cli/report-command.js';
import { UsageError } from '../../src/cli/exit.js';
import { planCases } from '../../src/report/cases.js';
import { globToRegExp } from '../../src/report/glob.js';
import { collectInputs } from '../../src/report/inputs.js';
import { pcapFile } from '../capture/build-capture.js';

const root = mkdtempSync(path.join(tmpdir(), 'algscope-cases-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PCAP = pcapFile([]);
const PCAPNG_MAGIC = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a]);

function file(rel: string, bytes: Uint8Array | string): string {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, bytes);
  return full;
}

file('site-a/a-lan.pcap', PCAP);
file('site-a/a-wan.pcap', PCAP);
file('site-a/b-lan.pcap', PCAP);
file('site-a/notes.txt', 'call me maybe');
file('site-a/broken.pcap', 'not really a capture'); // named like one: taken, and its case will fail
file('site-b/trace', PCAPNG_MAGIC);
file('site-b/trace2.gz', gzipSync(PCAP));
file('site-b/logs.gz', gzipSync('just text'));
file('site-b/.hidden/x.pcap', PCAP);
file('single.pcapng', PCAPNG_MAGIC);
file('split/lan/x1.pcap', PCAP);
file('split/wan/x1.pcap', PCAP);

const rel = (p: string) => path.relative(root, path.resolve(p)).split(path.sep).join('/');

describe('collectInputs', () => {
  it('walks folders in name order, takes captures by name or magic (inside gzip too), lists the rest with the reason', async () => {
    const inputs = await collectInputs([root]);
    expect(inputs.root).toBe(root);
    expect(inputs.files.map((f) => rel(f.path))).toEqual([
      'single.pcapng',
      'site-a/a-lan.pcap',
      'site-a/a-wan.pcap',
      'site-a/b-lan.pcap',
      'site-a/broken.pcap',
      'site-b/trace',
      'site-b/trace2.gz',
      'split/lan/x1.pcap',
      'split/wan/x1.pcap',
    ]);
    expect(inputs.notCaptures.map((n) => [rel(n.path), n.reason])).toEqual([
      ['site-a/notes.txt', 'not a pcap or pcapng capture (starts with 63 61 6c 6c)'],
      ['site-b/logs.gz', 'gzip file without a pcap or pcapng capture inside'],
    ]);
    expect(inputs.problems).toEqual([]);
  });

  it('expands quoted globs, keeps explicit files even when missing, and reports arguments that give nothing', async () => {
    const inputs = await collectInputs([path.join(root, '*/*-lan.pcap'), path.join(root, 'missing.pcap'), path.join(root, 'nothing-*.pcap'), path.join(root, 'split')], [path.join(root, 'split/wan')]);
    expect(inputs.files.map((f) => rel(f.path))).toEqual(['missing.pcap', 'site-a/a-lan.pcap', 'site-a/b-lan.pcap', 'split/lan/x1.pcap']);
    expect(inputs.problems).toEqual([{ input: path.join(root, 'nothing-*.pcap'), reason: 'matches no capture file' }]);
  });
});

describe('planCases', () => {
  it('makes one case per file by default, named by its path from the common folder', async () => {
    const cases = planCases(await collectInputs([path.join(root, 'site-a'), path.join(root, 'single.pcapng')]), { casePerDir: false });
    expect(cases.map((c) => [c.name, c.slug, c.files.length])).toEqual([
      ['single.pcapng', 'single.pcapng', 1],
      ['site-a/a-lan.pcap', 'site-a_a-lan.pcap', 1],
      ['site-a/a-wan.pcap', 'site-a_a-wan.pcap', 1],
      ['site-a/b-lan.pcap', 'site-a_b-lan.pcap', 1],
      ['site-a/broken.pcap', 'site-a_broken.pcap', 1],
    ]);
    expect(cases[0]!.sides).toEqual({ insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] });
    expect(cases[0]!.grouping[1]).toBe('single.pcapng: side inferred from the packets');
  });

  it('--case-per-dir puts every folder together (files at the top level are the top folder\'s case)', async () => {
    const cases = planCases(await collectInputs([root]), { casePerDir: true });
    expect(cases.map((c) => [c.name, c.files.map(rel)])).toEqual([
      [path.basename(root), ['single.pcapng']],
      ['site-a', ['site-a/a-lan.pcap', 'site-a/a-wan.pcap', 'site-a/b-lan.pcap', 'site-a/broken.pcap']],
      ['site-b', ['site-b/trace', 'site-b/trace2.gz']],
      ['split/lan', ['split/lan/x1.pcap']],
      ['split/wan', ['split/wan/x1.pcap']],
    ]);
  });

  it('--pair gives sides and pairs files by what the stars matched, within a folder', async () => {
    const cases = planCases(await collectInputs([path.join(root, 'site-a')]), { casePerDir: false, pair: { inside: '*-lan.pcap', outside: '*-wan.pcap' } });
    expect(cases.map((c) => c.name)).toEqual(['a', 'b', 'broken.pcap', 'notes.txt'].filter((n) => n !== 'notes.txt'));
    const [a, b] = cases;
    expect(a!.files.map(rel)).toEqual(['site-a/a-lan.pcap', 'site-a/a-wan.pcap']);
    expect(a!.sides.insideFiles.map(rel)).toEqual(['site-a/a-lan.pcap']);
    expect(a!.sides.outsideFiles.map(rel)).toEqual(['site-a/a-wan.pcap']);
    expect(a!.grouping).toEqual([
      'Files paired by --pair inside=*-lan.pcap outside=*-wan.pcap: the * matched "a" in the folder site-a.',
      'a-lan.pcap: inside (matches inside=*-lan.pcap)',
      'a-wan.pcap: outside (matches outside=*-wan.pcap)',
    ]);
    expect(b!.grouping.at(-1)).toBe('No outside file matched: only one side of the router is in this case.');
  });

  it('--pair globs with "/" match the path from the common folder, across folders', async () => {
    const cases = planCases(await collectInputs([path.join(root, 'split')]), { casePerDir: false, pair: { inside: 'lan/*.pcap', outside: 'wan/*.pcap' } });
    expect(cases.map((c) => [c.name, c.sides.insideFiles.map(rel), c.sides.outsideFiles.map(rel)])).toEqual([['x1', ['split/lan/x1.pcap'], ['split/wan/x1.pcap']]]);
  });

  it('--case-per-dir with --pair: folders make the cases, the globs give the sides', async () => {
    const cases = planCases(await collectInputs([path.join(root, 'site-a')]), { casePerDir: true, pair: { inside: '*-lan.pcap', outside: '*-wan.pcap' } });
    expect(cases).toHaveLength(1);
    expect(cases[0]!.files.map(rel)).toEqual(['site-a/a-lan.pcap', 'site-a/b-lan.pcap', 'site-a/broken.pcap', 'site-a/a-wan.pcap']);
    expect(cases[0]!.sides.insideFiles.map(rel)).toEqual(['site-a/a-lan.pcap', 'site-a/b-lan.pcap']);
  });

  it('gives every case a unique file-name stem, also on case-insensitive file systems', () => {
    const files = ['a b.pcap', 'a_b.pcap', 'A_B.pcap', '../x.pcap'].map((name) => ({ path: name, absolute: path.join('/cases/in', name) }));
    const cases = planCases({ files, root: '/cases/in', notCaptures: [], problems: [] }, { casePerDir: false });
    expect(cases.map((c) => [c.name, c.slug])).toEqual([
      ['../x.pcap', 'x.pcap'],
      ['A_B.pcap', 'A_B.pcap'],
      ['a b.pcap', 'a_b.pcap-2'],
      ['a_b.pcap', 'a_b.pcap-3'],
    ]);
  });
});

describe('--pair option values', () => {
  it('takes inside=/outside= and hands anything else back as inputs', () => {
    expect(splitPairOption(['inside=*-lan.pcap', 'outside=*-wan.pcap', 'captures/'], ['x.pcap'])).toEqual({ pair: { inside: '*-lan.pcap', outside: '*-wan.pcap' }, inputs: ['x.pcap', 'captures/'] });
    expect(splitPairOption(undefined, ['x'])).toEqual({ inputs: ['x'] });
    expect(() => splitPairOption(['inside=a*'], [])).toThrow(UsageError);
    expect(() => splitPairOption(['inside=a*', 'inside=b*', 'outside=c*'], [])).toThrow(/given twice/);
  });
});

describe('globToRegExp', () => {
  it('matches within a segment with * and ?, across folders with **, and captures what * matched', () => {
    expect(globToRegExp('*-lan.pcap').exec('site1-lan.pcap')?.[1]).toBe('site1');
    expect(globToRegExp('*-lan.pcap').test('a/site1-lan.pcap')).toBe(false);
    expect(globToRegExp('**/*.pcap').test('a/b/c.pcap')).toBe(true);
    expect(globToRegExp('**/*.pcap').test('c.pcap')).toBe(true);
    expect(globToRegExp('cap?.pcap').test('cap1.pcap')).toBe(true);
    expect(globToRegExp('[!x]*.{pcap,pcapng}').test('a.pcapng')).toBe(true);
    expect(globToRegExp('[!x]*.{pcap,pcapng}').test('x.pcap')).toBe(false);
    expect(globToRegExp('a.b(c)').test('a.b(c)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
