// A command racing for a state folder: says it is ready (a file in the barrier folder), waits for
// the go file, tries to take the folder's PID file, holds it a moment, and prints what happened as
// JSON (outcome, when it tried, when it let go). The barrier, not a clock instant, lines the racers
// up: under load, process start-up can take longer than any instant agreed in advance.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockStateDirectory } from '#packages/cli/session.ts';

const [dir = '', barrier = '', holdMs = '2000'] = process.argv.slice(2);
writeFileSync(join(barrier, `ready-${process.pid}`), '');
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(join(barrier, 'go'))) Atomics.wait(pause, 0, 0, 1);
const triedAt = Date.now();
try {
  const release = await lockStateDirectory(dir);
  const gotAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  const releasedAt = Date.now();
  await release();
  process.stdout.write(`${JSON.stringify({ outcome: 'got', triedAt, gotAt, releasedAt })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ outcome: `refused: ${(error as Error).name}`, triedAt })}\n`);
}
