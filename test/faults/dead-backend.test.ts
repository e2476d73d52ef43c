import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { integrationBackends } from '../support/backends.ts';
import { emulatorsOf, groupRuns, hld, startHld, waitForOutput, waitUntil } from './support/hld.ts';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

for (const backend of integrationBackends().filter(
  (candidate) => candidate.available && (candidate.name === 'moto' || candidate.name === 'ddblocal'),
)) {
  describe(`an emulator that dies in the middle of hld run (${backend.name})`, () => {
    it('is exit 3 saying what was lost and how to resume, without hanging', async () => {
      const child = startHld(['run'], { HLD_BACKEND: backend.name });
      await waitForOutput(child, (text) => text.includes('[1/'));
      const emulators = await emulatorsOf(child.process.pid!);
      expect(emulators.length).toBeGreaterThan(0);

      // The emulator dies (its whole process group, as a crash or an OOM kill would take it).
      for (const emulator of emulators) process.kill(-emulator.pid, 'SIGKILL');
      const timer = setTimeout(() => child.process.kill('SIGKILL'), 120_000);
      const result = await child.done;
      clearTimeout(timer);

      expect(result.signal, 'hld hung and was killed').toBeNull();
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(
        new RegExp(`backend '${backend.name}' stopped answering \\((ECONNREFUSED|ECONNRESET|EPIPE)\\)`),
      );
      expect(result.stderr).toContain('keeps its state in memory');
      expect(result.stderr).toContain('Run the command again');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await waitUntil(() => emulators.every((emulator) => !groupRuns(emulator.pid)), 5000)).toBe(true);
    });
  });
}

describe('an endpoint that cannot be reached', () => {
  it('is exit 3 naming the backend, the socket error and what to do (aws backend, endpoint from the environment)', async () => {
    const port = await closedPort();

    const result = await hld(['status'], {
      HLD_BACKEND: 'aws',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      HLD_RAW_BUCKET: 'hld-raw',
      HLD_LEDGER_TABLE: 'hld-ledger',
      HLD_BRIEFINGS_TABLE: 'hld-briefings',
    });

    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("backend 'aws' stopped answering (ECONNREFUSED)");
    expect(result.stderr).toContain('What was written before stays');
  });
});
