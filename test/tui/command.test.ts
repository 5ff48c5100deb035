/**
 * `algscope tui` and plain `algscope CAPTURE...` as a user runs them without a terminal (piped, CI):
 * the text analysis instead of a failure; and Ink staying out of what every other command loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { LAB_INSIDE, LAB_OUTSIDE, haveLabCapture, noLabCaptureReason } from './fixtures.js';

const CLI = path.join(repoRoot, 'src/cli/main.ts');

function algscope(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.skipIf(!haveLabCapture)(`without a terminal${haveLabCapture ? '' : `: skipped, ${noLabCaptureReason}`}`, () => {
  it('`algscope tui` prints the text analysis and its exit status', () => {
    const run = algscope(['tui', '--inside', LAB_INSIDE, '--outside', LAB_OUTSIDE]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Verdict: ALG DETECTED \(alg-detected\)/);
    expect(run.stdout).toContain('contact-rewritten');
  });

  it('`algscope CAPTURE...` does the same, with the same side options as analyze', () => {
    const run = algscope([LAB_INSIDE, '--outside', LAB_OUTSIDE]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Verdict: ALG DETECTED/);
    expect(run.stdout).toMatch(/outside +\S*outside\.pcap#0: \d+ SIP messages; given: --outside/);
  });
});

describe('the default command', () => {
  it('tells a mistyped command from a capture file', () => {
    const run = algscope(['analyse', 'x.pcap']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/"analyse" is neither a command \(analyze, .*tui.*\) nor a capture file/);
  });

  it('shows the usage when given nothing', () => {
    const run = algscope([]);
    expect(run.stderr + run.stdout).toMatch(/Usage: algscope \[options\] \[command\] \[captures\.\.\.\]/);
    expect(run.stderr + run.stdout).toMatch(/tui \[options\] \[captures\.\.\.\]/);
  });

  it('names a missing capture file', () => {
    const run = algscope(['tui', 'no-such.pcap']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no-such.pcap');
  });
});

/** Modules `from` imports when it is loaded (static imports and re-exports, not `import type`, not import()). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gms)) specifiers.push((m[1] ?? m[2])!);
  return specifiers;
}

function loadedPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
      const resolved = [`${base}.ts`, `${base}.tsx`].find((f) => existsSync(f));
      if (!resolved) throw new Error(`${file}: cannot resolve ${spec}`);
      visit(resolved);
    }
  };
  visit(entry);
  return packages;
}

describe('start-up of the non-interactive commands', () => {
  it('never loads Ink or React: the TUI is a dynamic import', () => {
    const packages = loadedPackages(CLI);
    expect(packages.has('commander')).toBe(true);
    expect(packages.has('ink')).toBe(false);
    expect(packages.has('react')).toBe(false);
    expect(readFileSync(path.join(repoRoot, 'src/render/tui/load.ts'), 'utf8')).toContain("return import('./run.js')");
    // ...and the TUI module does use Ink, so the check above can fail.
    expect(loadedPackages(path.join(repoRoot, 'src/render/tui/run.tsx')).has('ink')).toBe(true);
  });
});
