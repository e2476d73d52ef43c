import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/repo-root.ts';
import { SettingError } from '#packages/settings/errors.ts';
import {
  checkSettings,
  HLD_BACKEND,
  HLD_EPHEMERAL,
  HLD_KEEP_VERSIONS,
  HLD_LOCK_LEASE_SECONDS,
  HLD_MAX_UPLOAD_BYTES,
  HLD_TEST_BACKENDS,
  readSetting,
  SETTINGS,
  settingEnv,
} from '#packages/settings/settings.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const integerSettings = [HLD_KEEP_VERSIONS, HLD_LOCK_LEASE_SECONDS, HLD_MAX_UPLOAD_BYTES];

describe('settings', () => {
  it(`reads back every in-range value it formats, and refuses every other text naming the variable (fast-check seed ${SEED})`, () => {
    for (const setting of integerSettings) {
      const [min, max] = setting.allowed.match(/\d+/g)!.map(Number) as [number, number];
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min, max: Math.min(max, 2 ** 31 - 1) }), fc.constant(max)),
          (value) => {
            expect(readSetting(setting, { [setting.name]: setting.format(value) })).toBe(value);
          },
        ),
        { seed: SEED, numRuns: 200 },
      );
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string().filter((text) => !/^\s*\+?\d+\s*$/.test(text)),
            fc.nat().map((excess) => String(max + 1 + excess)),
            fc.integer({ max: min - 1 }).map(String),
            fc.double({ min: min + 0.01, max: Math.min(max, 1e9), noInteger: true, noNaN: true }).map(String),
          ),
          (text) => {
            expect(() => readSetting(setting, { [setting.name]: text })).toThrowError(
              expect.objectContaining({ name: 'SettingError', variable: setting.name, value: text }),
            );
          },
        ),
        { seed: SEED, numRuns: 200 },
      );
    }
  });

  it('gives the default when unset and says what is wrong and what would be right when set badly', () => {
    expect(readSetting(HLD_KEEP_VERSIONS, {})).toBe(10);
    expect(readSetting(HLD_EPHEMERAL, { HLD_EPHEMERAL: '1' })).toBe(true);
    expect(() => readSetting(HLD_KEEP_VERSIONS, { HLD_KEEP_VERSIONS: 'abc' })).toThrowError(
      'HLD_KEEP_VERSIONS="abc" is not valid: it must be a whole number from 1 to 10000 (versions)',
    );
    expect(() => readSetting(HLD_LOCK_LEASE_SECONDS, { HLD_LOCK_LEASE_SECONDS: '' })).toThrowError(
      SettingError,
    );
    expect(() => readSetting(HLD_BACKEND, { HLD_BACKEND: 'docker' })).toThrowError(
      /one of embedded, moto, ddblocal, localstack, aws/,
    );
    expect(() => checkSettings({ HLD_DATASET: 'hld2013', HLD_EPHEMERAL: 'yes' })).toThrowError(
      /HLD_EPHEMERAL/,
    );
    expect(() => settingEnv(HLD_KEEP_VERSIONS, 0)).toThrowError(/HLD_KEEP_VERSIONS="0"/);
  });

  it('accepts exactly the comma-separated lists of backend names for HLD_TEST_BACKENDS', () => {
    const names = HLD_BACKEND.allowed.replace('one of ', '').split(', ');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 5 }), (list) => {
        expect(readSetting(HLD_TEST_BACKENDS, { HLD_TEST_BACKENDS: list.join(',') })).toBe(list.join(','));
      }),
      { seed: SEED },
    );
    expect(() => readSetting(HLD_TEST_BACKENDS, { HLD_TEST_BACKENDS: 'embedded,docker' })).toThrowError(
      SettingError,
    );
  });
});

/** Every file of the repository worth reading for HLD_* names (not node_modules, not state). */
function files(dir: string, keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (['node_modules', '.hld', 'cdk.out', '.git', 'exports', 'samples'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...files(path, keep));
    else if (keep(path)) found.push(path);
  }
  return found;
}

const ROOT = repoPath('.');
const SOURCES = files(ROOT, (path) => /\.(ts|js|md|json|sh)$|\/run$/.test(path)).filter(
  (path) => !path.endsWith('package-lock.json'),
);
const CODE = SOURCES.filter((path) =>
  /^(packages|functions|infra|bin|data-contracts|bench)\//.test(relative(ROOT, path)),
);

describe('HLD_* names in the repository', () => {
  it('name a registered setting wherever they appear: code, tests, docs, CI (a typo or a stale name fails here)', () => {
    const registered = new Set<string>(SETTINGS.map((setting) => setting.name));
    const unknown: string[] = [];
    for (const path of SOURCES) {
      // HLD_RT…: the round-table vocabulary (data-contracts/vocabularies.ts), not a setting.
      for (const [name] of readFileSync(path, 'utf8').matchAll(/\bHLD_(?!RT)[A-Z][A-Z0-9_]*\b/g)) {
        if (!registered.has(name)) unknown.push(`${relative(ROOT, path)}: ${name}`);
      }
    }

    expect(unknown).toEqual([]);
  });

  it('are read only through packages/settings: no code reads process.env.HLD_* itself', () => {
    const direct = CODE.filter((path) => !relative(ROOT, path).startsWith('packages/settings/')).flatMap(
      (path) =>
        [...readFileSync(path, 'utf8').matchAll(/\benv(?:\.HLD_|\[\s*['"`]HLD_)[A-Z_]*/g)].map(
          ([match]) => `${relative(ROOT, path)}: ${match}`,
        ),
    );

    expect(direct).toEqual([]);
  });

  it('are each documented in the README configuration table with their default and what they accept', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const missing = SETTINGS.filter(
      (setting) =>
        !readme.includes(`| \`${setting.name}\` | ${setting.defaultText} |`) ||
        !readme.includes(setting.allowed),
    ).map((setting) => setting.name);

    expect(missing).toEqual([]);
  });
});
