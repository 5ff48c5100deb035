/**
 * A real browser renders a case report and the index: headless Chromium (Debian package
 * `chromium`) takes 1280x2000 screenshots, and the test reads the pixels back to check that the
 * styles, the verdict banner and the SVG call flow were drawn. Skipped, with the reason in its
 * name, where Chromium is not installed.
 *
 * ALGSCOPE_UPDATE_DOCS=1 also copies the two screenshots to docs/ (the README shows them).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectCapture, repoRoot } from '../helpers/paths.js';
import { decodePng, runCli, writeHostileAlgCase, type Png } from './helpers.js';

function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    const which = spawnSync('which', [name], { encoding: 'utf8' });
    if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  }
  return undefined;
}

const chromium = findChromium();
const WIDTH = 1280;
const HEIGHT = 2000;

function screenshot(page: string, png: string, profile: string): void {
  const run = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      `--window-size=${WIDTH},${HEIGHT}`,
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (!existsSync(png)) throw new Error(`chromium wrote no screenshot (status ${run.status}): ${run.stderr.slice(-2000)}`);
}

/** Pixels of exactly this colour in the rectangle. */
function count(png: Png, rgb: [number, number, number], box = { x: 0, y: 0, w: png.width, h: png.height }): number {
  let n = 0;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      const [r, g, b] = png.pixel(x, y);
      if (r === rgb[0] && g === rgb[1] && b === rgb[2]) n++;
    }
  }
  return n;
}

// Colours from the report's stylesheet (page.ts).
const ALG_BANNER_BG: [number, number, number] = [0xfe, 0xe2, 0xe2];
const REWRITTEN_RED: [number, number, number] = [0xb9, 0x1c, 0x1c];
const INSIDE_LANE: [number, number, number] = [0xf0, 0xf7, 0xff];
const OUTSIDE_LANE: [number, number, number] = [0xff, 0xf7, 0xed];
const NAT_BADGE_BG: [number, number, number] = [0xdc, 0xfc, 0xe7];

describe.skipIf(!chromium)(`report pages in headless Chromium (${chromium ? chromium : 'skipped: chromium is not installed (apt-get install chromium)'})`, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'algscope-browser-'));
  const out = path.join(work, 'out');
  let casePng: Png;
  let indexPng: Png;
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    // The lab's real ALG and no-ALG calls when they are there; else the hand-built ALG call.
    const lab = projectCapture('lab');
    const inputs = path.join(work, 'captures');
    const scenarios = existsSync(lab) ? readdirSync(lab).filter((s) => existsSync(path.join(lab, s, 'inside.pcap')) && existsSync(path.join(lab, s, 'outside.pcap'))) : [];
    for (const s of scenarios) {
      mkdirSync(path.join(inputs, s), { recursive: true });
      for (const side of ['inside', 'outside']) copyFileSync(path.join(lab, s, `${side}.pcap`), path.join(inputs, s, `${side}.pcap`));
    }
    if (scenarios.length === 0) {
      mkdirSync(path.join(inputs, 'hand-built-alg'), { recursive: true });
      writeHostileAlgCase(path.join(inputs, 'hand-built-alg'));
    }
    // Relative paths, as a support engineer would type them (they show in the screenshots).
    const run = runCli(['report', 'captures', '--pair', 'inside=*/inside.pcap', 'outside=*/outside.pcap', '-o', out], work);
    expect(run.status, run.stderr).toBe(1);
    const shown = scenarios.includes('udp-call-alg') ? 'udp-call-alg' : scenarios.find((s) => s.endsWith('-alg')) ?? 'hand-built-alg';
    screenshot(path.join(out, 'cases', `${shown}.html`), path.join(work, 'case.png'), path.join(work, 'profile-case'));
    screenshot(path.join(out, 'index.html'), path.join(work, 'index.png'), path.join(work, 'profile-index'));
    casePng = decodePng(readFileSync(path.join(work, 'case.png')));
    indexPng = decodePng(readFileSync(path.join(work, 'index.png')));
    if (process.env.ALGSCOPE_UPDATE_DOCS === '1') {
      mkdirSync(path.join(repoRoot, 'docs'), { recursive: true });
      copyFileSync(path.join(work, 'case.png'), path.join(repoRoot, 'docs', 'report-case.png'));
      copyFileSync(path.join(work, 'index.png'), path.join(repoRoot, 'docs', 'report-index.png'));
    }
  });

  it('draws the case report: the ALG verdict banner at the top, and the call flow with inside/outside lanes and red rewritten rows', () => {
    expect([casePng.width, casePng.height]).toEqual([WIDTH, HEIGHT]);
    expect(count(casePng, ALG_BANNER_BG, { x: 0, y: 80, w: WIDTH, h: 200 })).toBeGreaterThan(20_000);
    expect(count(casePng, INSIDE_LANE)).toBeGreaterThan(5_000);
    expect(count(casePng, OUTSIDE_LANE)).toBeGreaterThan(5_000);
    expect(count(casePng, REWRITTEN_RED)).toBeGreaterThan(200);
  });

  it('draws the index: one verdict badge per case in the table', () => {
    expect([indexPng.width, indexPng.height]).toEqual([WIDTH, HEIGHT]);
    expect(count(indexPng, ALG_BANNER_BG)).toBeGreaterThan(2_000);
    const scenarios = existsSync(projectCapture('lab')) && readdirSync(projectCapture('lab')).some((s) => s.endsWith('-noalg'));
    if (scenarios) expect(count(indexPng, NAT_BADGE_BG)).toBeGreaterThan(2_000);
  });
});
