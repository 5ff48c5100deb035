import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Built, this runs from dist/ (package.json one folder up); under tsx, from src/cli/ (two folders up).
function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'algscope' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const TOOL_VERSION = readVersion();
