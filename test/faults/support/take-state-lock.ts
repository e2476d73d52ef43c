// A command racing for a state folder: waits until the agreed instant, tries to take the folder's
// PID file, holds it a moment, and prints what happened as JSON (outcome, when it tried, when it
// let go).
import { lockStateDirectory } from '#packages/cli/session.ts';

const [dir = '', startAt = '0', holdMs = '2000'] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {
  // Busy-wait the last milliseconds so that the racers start within a millisecond of each other.
}
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
