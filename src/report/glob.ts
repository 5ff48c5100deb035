/**
 * Shell-style globs over "/"-separated paths, for inputs the shell did not expand (quoted) and for
 * `--pair inside=GLOB outside=GLOB`: `*` (within one path segment, captured: --pair keys cases by
 * what the stars matched), `?`, `[...]` / `[!...]`, `{a,b}`, and `**` (any number of folders).
 */

export function hasGlobMagic(text: string): boolean {
  return /[*?[{]/.test(text);
}

export function globToRegExp(glob: string): RegExp {
  let out = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '([^/]*)';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{' && !inBraces && glob.indexOf('}', i) !== -1) {
      inBraces = true;
      out += '(?:';
    } else if (c === '}' && inBraces) {
      inBraces = false;
      out += ')';
    } else if (c === ',' && inBraces) {
      out += '|';
    } else {
      out += c.replace(/[.+^${}()|\\\]]/g, (m) => `\\${m}`);
    }
  }
  return new RegExp(`^${out}$`);
}
