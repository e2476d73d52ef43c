import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the repository root. Stage entries in the pipeline definition are relative to
 * it, and resolving them here (not against `process.cwd()`) makes `cdk synth`, vitest and the
 * bundle benchmark agree whatever directory they are started from.
 */
export const REPO_ROOT: string = fileURLToPath(new URL('..', import.meta.url));

/** A repository-relative path made absolute. */
export function repoPath(relative: string): string {
  return path.resolve(REPO_ROOT, relative);
}
