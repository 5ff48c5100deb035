/**
 * Where the time went in a V8 CPU profile (`node --cpu-prof`): the functions with the most self
 * time and the most total time (self plus callees, each function counted once per stack).
 *
 *   npx tsx bench/profile-summary.ts FILE.cpuprofile [rows] [--under NAME]
 *
 * --under NAME keeps only the samples whose stack holds a function labelled NAME... (for example
 * "ageOut src/analysis/session.ts"): where the time inside that function went.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map next to a bundled file (dist/*.js.map), so bundle positions read as src/ positions. */
function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const mapFile = `${file}.map`;
    sourceMaps.set(url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined);
  }
  return sourceMaps.get(url);
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  let file = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
  const entry = (url ? sourceMapOf(url)?.findEntry(lineNumber, columnNumber) : undefined) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource !== undefined) file = `${entry.originalSource.replace(/^.*?\/src\//, 'src/')}:${(entry.originalLine ?? 0) + 1}`;
  return `${functionName || '(anonymous)'} ${file}`.trim();
}

export function summarize(profile: Profile, rows: number, under?: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(label(byId.get(at)!));
    if (under !== undefined && ![...onStack].some((name) => name.startsWith(under))) return;
    all += dt;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    for (const name of onStack) total.set(name, (total.get(name) ?? 0) + dt);
  });
  const table = (title: string, values: Map<string, number>) => {
    const lines = [...values.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows);
    return [title, ...lines.map(([name, us]) => `${(us / 1e3).toFixed(0).padStart(8)} ms ${((100 * us) / all).toFixed(1).padStart(5)} %  ${name}`)].join('\n');
  };
  return `${(all / 1e6).toFixed(2)} s sampled\n\n${table('self time', self)}\n\n${table('total time', total)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const underAt = args.indexOf('--under');
  const under = underAt >= 0 ? args.splice(underAt, 2)[1] : undefined;
  const [file, rows] = args;
  if (!file || (underAt >= 0 && under === undefined)) {
    process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [rows] [--under NAME]\n');
    process.exit(2);
  }
  process.stdout.write(summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(rows ?? 25), under));
}
