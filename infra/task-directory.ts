import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh scratch directory with no `node_modules` in it or above it, like Lambda's /var/task:
 * a bundle run from there finds a package it leaves out (exceljs) only through NODE_PATH, as in
 * Lambda, never through a node_modules that happens to sit above the temp directory.
 */
export function taskDirectory(prefix: string): string {
  const candidates = [os.tmpdir(), '/var/tmp', os.homedir()];
  const base = candidates.find((candidate) => !hasNodeModulesAbove(candidate));
  if (!base) {
    throw new Error(
      `Every candidate scratch directory (${candidates.join(', ')}) has a node_modules in or above it; ` +
        'a bundle run there would not show what Lambda resolves. Set TMPDIR to a directory without one.',
    );
  }
  return mkdtempSync(path.join(base, prefix));
}

function hasNodeModulesAbove(directory: string): boolean {
  for (let current = path.resolve(directory); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'node_modules'))) return true;
    if (path.dirname(current) === current) return false;
  }
}
