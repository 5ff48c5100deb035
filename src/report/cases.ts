/**
 * Groups capture files into cases. By default every file is a case. `--case-per-dir` makes every
 * folder one case. `--pair inside=GLOB outside=GLOB` gives files their side of the router and
 * puts files together whose names the globs' `*` matched the same way (`site1-lan.pcap` with
 * `site1-wan.pcap`); with `--case-per-dir` too, it only gives the sides. A glob without "/" is
 * matched against the file name, within one folder; a glob with "/" against the path relative to
 * the common folder of the inputs. Cases come out sorted by name, each with a unique file-name stem.
 */
import path from 'node:path';
import type { SideAssignment } from '../correlate/types.js';
import { globToRegExp } from './glob.js';
import type { CollectedInputs, InputFile } from './inputs.js';

export interface PairGlobs {
  inside: string;
  outside: string;
}

export interface GroupingOptions {
  casePerDir: boolean;
  pair?: PairGlobs;
}

export interface CasePlan {
  /** Shown to people: a file or folder path relative to the inputs' common folder, or the paired key. */
  name: string;
  /** Unique file-name stem of the case's reports (letters, digits, ".", "_", "-"). */
  slug: string;
  /** Inside files first, then files whose side is inferred, then outside files. */
  files: string[];
  sides: SideAssignment;
  /** How the files were put together and how their sides were given, one line each. */
  grouping: string[];
}

interface SideMatch {
  side: 'inside' | 'outside';
  /** What the glob's stars matched, joined with "*", and whether the glob is matched within one folder. */
  key: string;
  perFolder: boolean;
  glob: string;
}

function matchSide(file: { rel: string }, pair: PairGlobs): SideMatch | undefined {
  for (const side of ['inside', 'outside'] as const) {
    const glob = pair[side];
    const perFolder = !glob.includes('/');
    const m = globToRegExp(glob).exec(perFolder ? path.posix.basename(file.rel) : file.rel);
    if (m) return { side, key: m.slice(1).join('*'), perFolder, glob };
  }
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** File-name stems from case names, unique even on case-insensitive file systems. */
function assignSlugs(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'case';
    let slug = base;
    for (let n = 2; used.has(slug.toLowerCase()); n++) slug = `${base}-${n}`;
    used.add(slug.toLowerCase());
    return slug;
  });
}

interface Draft {
  name: string;
  members: { file: InputFile; rel: string; match?: SideMatch }[];
  how: string;
}

export function planCases(inputs: CollectedInputs, options: GroupingOptions): CasePlan[] {
  const drafts = new Map<string, Draft>();
  const rootName = path.basename(inputs.root) || inputs.root;
  for (const file of inputs.files) {
    const rel = path.relative(inputs.root, file.absolute).split(path.sep).join('/');
    const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
    const match = options.pair ? matchSide({ rel }, options.pair) : undefined;
    let key: string;
    let name: string;
    let how: string;
    if (options.casePerDir) {
      key = `dir\u0000${dir}`;
      name = dir || rootName;
      how = `All capture files in the folder ${dir || rootName} (--case-per-dir).`;
    } else if (match) {
      const folder = match.perFolder ? dir : '';
      key = `pair\u0000${folder}\u0000${match.key}`;
      name = [folder, match.key].filter(Boolean).join('/') || path.posix.basename(rel);
      how = `Files paired by --pair inside=${options.pair!.inside} outside=${options.pair!.outside}: the * matched "${match.key}"${match.perFolder ? ` in the folder ${dir || rootName}` : ''}.`;
    } else {
      key = `file\u0000${rel}`;
      name = rel;
      how = options.pair ? `One capture file (it matches neither --pair glob).` : 'One capture file (one case per file is the default).';
    }
    let draft = drafts.get(key);
    if (!draft) drafts.set(key, (draft = { name, members: [], how }));
    draft.members.push({ file, rel, match });
  }

  const sorted = [...drafts.values()].sort((a, b) => compare(a.name, b.name));
  const slugs = assignSlugs(sorted.map((d) => d.name));
  return sorted.map((draft, i): CasePlan => {
    const bySide = (side: 'inside' | 'outside' | undefined) => draft.members.filter((m) => m.match?.side === side).map((m) => m.file.path);
    const inside = bySide('inside');
    const outside = bySide('outside');
    const grouping = [draft.how];
    for (const m of draft.members) {
      grouping.push(m.match ? `${m.rel}: ${m.match.side} (matches ${m.match.side}=${m.match.glob})` : `${m.rel}: side inferred from the packets`);
    }
    if (options.pair && !options.casePerDir && (inside.length === 0) !== (outside.length === 0)) {
      grouping.push(`No ${inside.length ? 'outside' : 'inside'} file matched: only one side of the router is in this case.`);
    }
    return {
      name: draft.name,
      slug: slugs[i]!,
      files: [...inside, ...bySide(undefined), ...outside],
      sides: { insideFiles: inside, outsideFiles: outside, insideInterfaces: [], outsideInterfaces: [] },
      grouping,
    };
  });
}
