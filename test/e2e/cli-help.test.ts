import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const HLD = fileURLToPath(new URL('../../bin/hld.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `hld args…` as a process, as a user's shell starts it. */
async function hld(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [HLD, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('hld help, version and typos, as gh behaves', () => {
  it('hld --version prints the tool version and the Node.js running it', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));

    const ran = await hld(['--version']);

    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe(`hld ${version} (Node.js ${process.version})`);
  });

  it('hld help briefing show and hld briefing show --help print the same help, with examples', async () => {
    const viaHelp = await hld(['help', 'briefing', 'show']);
    const viaFlag = await hld(['briefing', 'show', '--help']);

    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain('Usage: hld briefing show [options] [country]');
    expect(viaHelp.stdout).toContain('--briefing-version <N>');
    expect(viaHelp.stdout).toMatch(/Examples:\n {2}\$ hld briefing show MDA/);
  });

  it('a mistyped command or option: one line, a suggestion and the usage, exit 2', async () => {
    const command = await hld(['brefing', 'show', 'MDA']);
    const option = await hld(['ingest', 'x.csv', '--knd', 'survey']);

    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(
      /^hld: unknown command 'brefing'\n\(Did you mean briefing\?\)\nUsage: hld /,
    );
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(
      /^hld: unknown option '--knd'\n\(Did you mean --kind\?\)\nUsage: hld ingest \[options\] <paths\.\.\.>/,
    );
    expect(option.stderr).not.toMatch(/\n\s+at /);
  });

  it('hld completion bash prints a script bash accepts, which completes sub-commands and options', async () => {
    const ran = await hld(['completion', 'bash']);
    const cases = [
      ['hld', 'brief'],
      ['hld', 'briefing', 's'],
      ['hld', 'briefing', 'show', 'MDA', '--br'],
      ['hld', 'ingest', '--enc'],
    ];
    // One bash for every case: each sets the words, asks the function, prints its replies.
    const script = cases
      .map(
        (words) =>
          `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hld_complete; echo "\${COMPREPLY[*]}"`,
      )
      .join('\n');
    const completed = (await run('bash', ['-c', `${ran.stdout}\n${script}`])).stdout.trim().split('\n');

    expect(ran.code).toBe(0);
    expect(completed).toEqual(['briefing', 'show', '--briefing-version', '--encoding']);
  });
});
