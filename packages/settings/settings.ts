import { SettingError } from './errors.ts';

/**
 * Every `HLD_*` setting, defined once (in the style of Powertools' `envUtils`): its name as a
 * constant, what it means, its default, the range it must be in, and who sets it. The CDK stack
 * imports these to set a function's environment (`settingEnv`), the runtime to read it
 * (`readSetting`); a value out of range is a SettingError naming the variable — never a silent
 * default, never a NaN that reaches a comparison. The CLI reads every setting once at start
 * (`readSettings`) and exits 2 on the first bad one.
 *
 * This module imports nothing of the project: it sits below storage, which reads its resource
 * names from here.
 */

/** Who gives a setting its value. */
export type SettingSource =
  /** The CDK stack sets it on the functions that read it. */
  | 'stack'
  /** A person or a script, in the environment of the CLI (or of a test run). */
  | 'user';

/** One `HLD_*` environment variable. */
export interface Setting<T> {
  readonly name: `HLD_${string}`;
  readonly description: string;
  /** The value when the variable is unset; `undefined`: no value (the feature is off). */
  readonly defaultValue: T | undefined;
  /** The default as the README's configuration table states it. */
  readonly defaultText: string;
  /** What a valid value looks like (the README's table, and every SettingError). */
  readonly allowed: string;
  readonly setBy: readonly SettingSource[];
  /** The value of the variable's text; throws SettingError naming the variable. */
  parse(raw: string): T;
  /** The variable's text for a value (what the stack sets); throws SettingError when out of range. */
  format(value: T): string;
}

/** A setting with a default: reading it always gives a value. */
export type DefaultedSetting<T> = Setting<T> & { readonly defaultValue: T };

interface SettingSpec<T, D extends T | undefined> {
  readonly name: `HLD_${string}`;
  readonly description: string;
  readonly defaultValue: D;
  readonly defaultText?: string;
  readonly setBy: readonly SettingSource[];
}

function integerSetting<D extends number | undefined>(
  spec: SettingSpec<number, D> & { readonly min: number; readonly max: number; readonly unit?: string },
): Setting<number> & { readonly defaultValue: D } {
  const expected = `a whole number from ${spec.min} to ${spec.max}${spec.unit ? ` (${spec.unit})` : ''}`;
  const check = (value: number, raw: string) => {
    if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max)
      throw new SettingError(spec.name, raw, expected);
    return value;
  };
  return {
    ...spec,
    defaultText: spec.defaultText ?? `\`${spec.defaultValue}\``,
    allowed: expected,
    parse: (raw) => check(/^\s*[+]?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN, raw),
    format: (value) => String(check(value, String(value))),
  };
}

function textSetting<D extends string | undefined>(
  spec: SettingSpec<string, D> & { readonly pattern: RegExp; readonly expected: string },
): Setting<string> & { readonly defaultValue: D } {
  const check = (value: string) => {
    if (!spec.pattern.test(value)) throw new SettingError(spec.name, value, spec.expected);
    return value;
  };
  return {
    ...spec,
    defaultText:
      spec.defaultText ?? (spec.defaultValue === undefined ? '(unset)' : `\`${spec.defaultValue}\``),
    allowed: spec.expected,
    parse: check,
    format: check,
  };
}

function choiceSetting<const C extends string, D extends C>(
  spec: SettingSpec<C, D> & { readonly choices: readonly C[] },
): Setting<C> & { readonly defaultValue: D } {
  const expected = `one of ${spec.choices.join(', ')}`;
  const check = (value: string): C => {
    if (!(spec.choices as readonly string[]).includes(value))
      throw new SettingError(spec.name, value, expected);
    return value as C;
  };
  return {
    ...spec,
    defaultText: spec.defaultText ?? `\`${spec.defaultValue}\``,
    allowed: expected,
    parse: check,
    format: check,
  };
}

function flagSetting(spec: SettingSpec<boolean, boolean>): DefaultedSetting<boolean> {
  return {
    ...spec,
    defaultText: spec.defaultText ?? 'off',
    allowed: '1 or true (on), 0 or false (off)',
    parse: (raw) => {
      if (raw === '1' || raw === 'true') return true;
      if (raw === '0' || raw === 'false') return false;
      throw new SettingError(spec.name, raw, '1 or true (on), 0 or false (off)');
    },
    format: (value) => (value ? '1' : '0'),
  };
}

// Sizes below are literals: esbuild drops an unused setting from a bundle only when every
// argument of its definition is a literal.
// S3 bucket names (3–63 lower-case letters, digits, dots, hyphens); DynamoDB table names.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

// ---- local runs (the CLI) -----------------------------------------------------------------------

/** The backends `hld` runs against (`--backend` or HLD_BACKEND). */
export const BACKEND_NAMES = ['embedded', 'moto', 'ddblocal', 'localstack', 'aws'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const HLD_BACKEND = /* @__PURE__ */ choiceSetting({
  name: 'HLD_BACKEND',
  description: 'where local commands and integration tests go',
  defaultValue: 'embedded',
  choices: BACKEND_NAMES,
  setBy: ['user'],
});

export const HLD_STATE_DIR = /* @__PURE__ */ textSetting({
  name: 'HLD_STATE_DIR',
  description: 'local state of the embedded backend',
  defaultValue: '.hld',
  pattern: /^[^\0]+$/,
  expected: 'a folder path',
  setBy: ['user'],
});

export const HLD_EPHEMERAL = /* @__PURE__ */ flagSetting({
  name: 'HLD_EPHEMERAL',
  description: 'the embedded backend keeps nothing on disk (state lives in memory for one command)',
  defaultValue: false,
  setBy: ['user'],
});

export const HLD_DEBUG = /* @__PURE__ */ flagSetting({
  name: 'HLD_DEBUG',
  description: '`hld` prints the stack trace of an unexpected failure (as `--debug` does)',
  defaultValue: false,
  setBy: ['user'],
});

export const HLD_LOCALSTACK_ENDPOINT = /* @__PURE__ */ textSetting({
  name: 'HLD_LOCALSTACK_ENDPOINT',
  description: 'where the `localstack` backend connects',
  defaultValue: 'http://127.0.0.1:4566',
  pattern: /^https?:\/\/\S+$/,
  expected: 'an http(s) URL such as http://127.0.0.1:4566',
  setBy: ['user'],
});

export const HLD_STATE_MACHINE_ARN = /* @__PURE__ */ textSetting({
  name: 'HLD_STATE_MACHINE_ARN',
  description: 'the refresh state machine `hld refresh --backend aws` starts (a stack output)',
  defaultValue: undefined,
  pattern: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/,
  expected: 'a Step Functions state machine ARN (the RefreshStateMachineArn stack output)',
  setBy: ['user'],
});

export const HLD_NAME_PREFIX = /* @__PURE__ */ textSetting({
  name: 'HLD_NAME_PREFIX',
  description:
    "the deployed stack's name prefix, whose stage queues `hld redrive --backend aws` refills (the stack name)",
  defaultValue: undefined,
  pattern: /^[a-z][a-z0-9-]{1,39}$/,
  expected: 'a stack name prefix such as hld-evidence-prod',
  setBy: ['user'],
});

export const HLD_TEST_BACKENDS = /* @__PURE__ */ textSetting({
  name: 'HLD_TEST_BACKENDS',
  description: 'the local backends the integration suite runs on',
  defaultValue: 'embedded,moto,ddblocal',
  pattern: /^(embedded|moto|ddblocal|localstack|aws)(,(embedded|moto|ddblocal|localstack|aws))*$/,
  expected: 'a comma-separated list of embedded, moto, ddblocal, localstack, aws',
  setBy: ['user'],
});

export const HLD_PROPERTY_SEED = /* @__PURE__ */ integerSetting({
  name: 'HLD_PROPERTY_SEED',
  description: 'the seed of every property test (fast-check), printed by each run so it can be replayed',
  defaultValue: 20_131_003,
  min: 0,
  max: 2_147_483_647,
  setBy: ['user'],
});

export const HLD_TEST_SEED = /* @__PURE__ */ integerSetting({
  name: 'HLD_TEST_SEED',
  description: 'the seed of the randomised fault tests (kill instants, racing processes), to replay a run',
  defaultValue: undefined,
  defaultText: 'a fresh one each run (printed)',
  min: 0,
  max: 4_294_967_295,
  setBy: ['user'],
});

export const HLD_FAULT_KILLS = /* @__PURE__ */ integerSetting({
  name: 'HLD_FAULT_KILLS',
  description: 'how many seeded instants the fault suite kills `hld run` at',
  defaultValue: 10,
  min: 1,
  max: 1000,
  setBy: ['user'],
});

export const HLD_FAULT_PID_ROUNDS = /* @__PURE__ */ integerSetting({
  name: 'HLD_FAULT_PID_ROUNDS',
  description: 'how many rounds the fault suite races processes for one state folder',
  defaultValue: 6,
  min: 1,
  max: 1000,
  setBy: ['user'],
});

export const HLD_EMBEDDED_S3_MAX_BYTES = /* @__PURE__ */ integerSetting({
  name: 'HLD_EMBEDDED_S3_MAX_BYTES',
  description: 'a size limit of the embedded store (a full disk in tests; a write over it fails cleanly)',
  defaultValue: undefined,
  defaultText: 'none',
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  unit: 'bytes',
  setBy: ['user'],
});

export const HLD_EMBEDDED_OUT_OF_PROCESS = /* @__PURE__ */ flagSetting({
  name: 'HLD_EMBEDDED_OUT_OF_PROCESS',
  description:
    'the embedded emulators (dynalite, fauxqs) run in a child process of `hld`, not inside it (the bench measures a stage apart from them)',
  defaultValue: false,
  setBy: ['user'],
});

export const HLD_STAGE_STATS = /* @__PURE__ */ textSetting({
  name: 'HLD_STAGE_STATS',
  description:
    'a file local commands append one JSON line per stage run to (stage, seconds, peak RSS of that stage on Linux); the bench reads it',
  defaultValue: undefined,
  pattern: /^[^\0]+$/,
  expected: 'a file path',
  setBy: ['user'],
});

// ---- the pipeline (Lambda functions and the CLI) -------------------------------------------------

export const HLD_DATASET = /* @__PURE__ */ textSetting({
  name: 'HLD_DATASET',
  description: 'briefing dataset name',
  defaultValue: 'hld2013',
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  expected: 'a dataset name: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  setBy: ['stack', 'user'],
});

export const HLD_KEEP_VERSIONS = /* @__PURE__ */ integerSetting({
  name: 'HLD_KEEP_VERSIONS',
  description: 'briefing versions kept besides CURRENT (the stack sets it per stage: 5 dev, 30 prod)',
  defaultValue: 10,
  min: 1,
  max: 10_000,
  unit: 'versions',
  setBy: ['stack', 'user'],
});

export const HLD_MAX_UPLOAD_BYTES = /* @__PURE__ */ integerSetting({
  name: 'HLD_MAX_UPLOAD_BYTES',
  description: 'largest upload read in memory (any format)',
  defaultValue: 52_428_800, // 50 MiB
  defaultText: '50 MiB',
  min: 1,
  max: 4_294_967_296, // 4 GiB
  unit: 'bytes',
  setBy: ['user'],
});

export const HLD_MAX_STREAM_BYTES = /* @__PURE__ */ integerSetting({
  name: 'HLD_MAX_STREAM_BYTES',
  description:
    'largest plain contract CSV read as a stream; larger files, and large files of other formats, are kept and refused',
  defaultValue: 1_073_741_824, // 1 GiB
  defaultText: '1 GiB',
  min: 1,
  max: 5_497_558_138_880, // 5 TiB, the largest S3 object
  unit: 'bytes',
  setBy: ['user'],
});

export const HLD_LOCK_LEASE_SECONDS = /* @__PURE__ */ integerSetting({
  name: 'HLD_LOCK_LEASE_SECONDS',
  description:
    'how long a refresh lease lasts without a heartbeat (each step renews it); the stack sets the longest refresh path plus 300 s',
  defaultValue: 900,
  min: 1,
  max: 86_400,
  unit: 'seconds',
  setBy: ['stack', 'user'],
});

export const HLD_EXPORT_LINK_SECONDS = /* @__PURE__ */ integerSetting({
  name: 'HLD_EXPORT_LINK_SECONDS',
  description: 'how long the presigned export links of the API stay valid',
  defaultValue: 3600,
  min: 1,
  // The longest a SigV4 presigned URL may live.
  max: 604_800,
  unit: 'seconds',
  setBy: ['user'],
});

export const HLD_STAGE = /* @__PURE__ */ textSetting({
  name: 'HLD_STAGE',
  description:
    'the deployment stage every Lambda log line names (`stage`; the stack sets dev or prod, local runs say local)',
  defaultValue: 'local',
  pattern: /^[a-z][a-z0-9-]{0,31}$/,
  expected: 'a stage name: 1–32 lower-case letters, digits or "-", starting with a letter',
  setBy: ['stack'],
});

export const HLD_EVENT_BUS = /* @__PURE__ */ textSetting({
  name: 'HLD_EVENT_BUS',
  description:
    'the pipeline event bus event stages put their events on (unset: the local router carries them)',
  defaultValue: undefined,
  pattern: /^[A-Za-z0-9._/-]{1,256}$/,
  expected: 'an EventBridge event bus name',
  setBy: ['stack'],
});

export const HLD_RAW_BUCKET = /* @__PURE__ */ textSetting({
  name: 'HLD_RAW_BUCKET',
  description: 'raw bucket: uploads, content-addressed copies, quarantine reports',
  defaultValue: 'hld-raw',
  pattern: BUCKET_NAME,
  expected: 'an S3 bucket name',
  setBy: ['stack', 'user'],
});

export const HLD_CURATED_BUCKET = /* @__PURE__ */ textSetting({
  name: 'HLD_CURATED_BUCKET',
  description: 'curated bucket: Arrow tables and Parquet copies',
  defaultValue: 'hld-curated',
  pattern: BUCKET_NAME,
  expected: 'an S3 bucket name',
  setBy: ['stack', 'user'],
});

export const HLD_EXPORTS_BUCKET = /* @__PURE__ */ textSetting({
  name: 'HLD_EXPORTS_BUCKET',
  description: 'exports bucket: briefing exports per version',
  defaultValue: 'hld-exports',
  pattern: BUCKET_NAME,
  expected: 'an S3 bucket name',
  setBy: ['stack', 'user'],
});

export const HLD_LEDGER_TABLE = /* @__PURE__ */ textSetting({
  name: 'HLD_LEDGER_TABLE',
  description: 'ledger table: files, runs, locks, lineage',
  defaultValue: 'hld-ledger',
  pattern: TABLE_NAME,
  expected: 'a DynamoDB table name',
  setBy: ['stack', 'user'],
});

export const HLD_BRIEFINGS_TABLE = /* @__PURE__ */ textSetting({
  name: 'HLD_BRIEFINGS_TABLE',
  description: 'briefings table: versions, items, CURRENT pointers, audit',
  defaultValue: 'hld-briefings',
  pattern: TABLE_NAME,
  expected: 'a DynamoDB table name',
  setBy: ['stack', 'user'],
});

/** Every setting (for the CLI's start-up check, the docs and the tests; functions read theirs one by one). */
export const SETTINGS: readonly Setting<unknown>[] = [
  HLD_BACKEND,
  HLD_STATE_DIR,
  HLD_EPHEMERAL,
  HLD_DEBUG,
  HLD_LOCALSTACK_ENDPOINT,
  HLD_STATE_MACHINE_ARN,
  HLD_NAME_PREFIX,
  HLD_TEST_BACKENDS,
  HLD_PROPERTY_SEED,
  HLD_TEST_SEED,
  HLD_FAULT_KILLS,
  HLD_FAULT_PID_ROUNDS,
  HLD_EMBEDDED_S3_MAX_BYTES,
  HLD_EMBEDDED_OUT_OF_PROCESS,
  HLD_STAGE_STATS,
  HLD_DATASET,
  HLD_KEEP_VERSIONS,
  HLD_MAX_UPLOAD_BYTES,
  HLD_MAX_STREAM_BYTES,
  HLD_LOCK_LEASE_SECONDS,
  HLD_EXPORT_LINK_SECONDS,
  HLD_STAGE,
  HLD_EVENT_BUS,
  HLD_RAW_BUCKET,
  HLD_CURATED_BUCKET,
  HLD_EXPORTS_BUCKET,
  HLD_LEDGER_TABLE,
  HLD_BRIEFINGS_TABLE,
] as readonly Setting<unknown>[];

/** The environment settings are read from (process.env, or a function's environment in tests). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** True when the variable is set (to anything, even a bad value: reading it says what is wrong). */
export function isSet(setting: Setting<unknown>, env: Environment = process.env): boolean {
  return env[setting.name] !== undefined;
}

/** The setting's value: parsed and range-checked when set, its default when not. */
export function readSetting<T>(setting: DefaultedSetting<T>, env?: Environment): T;
export function readSetting<T>(setting: Setting<T>, env?: Environment): T | undefined;
export function readSetting<T>(setting: Setting<T>, env: Environment = process.env): T | undefined {
  const raw = env[setting.name];
  return raw === undefined ? setting.defaultValue : setting.parse(raw);
}

/** Checks every setting of the environment at once; throws a SettingError for the first bad one. */
export function checkSettings(env: Environment = process.env): void {
  for (const setting of SETTINGS) readSetting(setting, env);
}

/** `{ NAME: text }` for the stack to set on a function: the value checked against the setting's range. */
export function settingEnv<T>(setting: Setting<T>, value: T): Record<string, string> {
  return { [setting.name]: setting.format(value) };
}
