/**
 * Which Node binaries `npm run bench` measures on: the runtime the stack deploys Lambda on
 * (`nodejs24.x`, infra) and, for comparison, the machine's own Node. The deployed runtime is
 * found in this order: the Node running this script when it is that major; the npm `node`
 * package of the project (node_modules/.bin/node); `npx -y node@<major>` (fetched once through
 * the npm registry and kept in npm's cache). Each candidate is asked for its own `execPath` and
 * version, so what ran is printed, never assumed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

/** The Lambda runtime's Node major (the stack sets `nodejs24.x` on every function). */
export const DEPLOYED_NODE_MAJOR = 24;

export interface NodeRuntime {
  /** `deployed` (the Lambda runtime) or `machine` (the Node on PATH outside node_modules). */
  readonly label: 'deployed' | 'machine';
  readonly execPath: string;
  readonly version: string;
  /** How it was found, for the report. */
  readonly how: string;
}

function describe(
  command: string,
  args: readonly string[],
): { execPath: string; version: string } | undefined {
  const run = spawnSync(command, [...args, '-p', 'JSON.stringify([process.execPath, process.version])'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) return undefined;
  try {
    const [execPath, version] = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as [string, string];
    return { execPath, version };
  } catch {
    return undefined;
  }
}

const majorOf = (version: string) => Number(/^v(\d+)/.exec(version)?.[1]);

/** The Node the stack deploys on, or undefined (with why) when none could be found. */
export function deployedRuntime(root: string): NodeRuntime | { readonly missing: string } {
  if (majorOf(process.version) === DEPLOYED_NODE_MAJOR) {
    return { label: 'deployed', execPath: process.execPath, version: process.version, how: 'this process' };
  }
  const local = join(root, 'node_modules', '.bin', 'node');
  if (existsSync(local)) {
    const found = describe(local, []);
    if (found && majorOf(found.version) === DEPLOYED_NODE_MAJOR)
      return { label: 'deployed', ...found, how: 'the npm node package (node_modules/.bin/node)' };
  }
  const fetched = describe('npx', ['-y', `node@${DEPLOYED_NODE_MAJOR}`]);
  if (fetched && majorOf(fetched.version) === DEPLOYED_NODE_MAJOR)
    return { label: 'deployed', ...fetched, how: `npx -y node@${DEPLOYED_NODE_MAJOR} (npm cache)` };
  return { missing: `no Node ${DEPLOYED_NODE_MAJOR} here, and npx -y node@${DEPLOYED_NODE_MAJOR} failed` };
}

/** The first `node` on PATH outside any node_modules: the machine's own Node. */
export function machineRuntime(): NodeRuntime | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.split(sep).includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const found = describe(candidate, []);
    if (found) return { label: 'machine', ...found, how: `PATH (${dir})` };
  }
  return undefined;
}
