import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StageConfigError } from './errors.ts';

/**
 * Per-stage configuration of the CDK app, selected with `-c stage=dev|prod` (default `dev`).
 *
 * Everything a deployer may want to differ between stages lives here, typed, in one place;
 * constructs never read context themselves.
 */

export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface StageConfig {
  readonly stage: StageName;
  /**
   * Prefix of the stack name and of every physical name the stack sets (functions, queues, event
   * bus, state machine, topic, API). Buckets and tables are named by CloudFormation.
   */
  readonly namePrefix: string;
  /**
   * Account to deploy to (override: `-c account=…`).
   * @default - the CLI's current credentials (`CDK_DEFAULT_ACCOUNT`)
   */
  readonly account?: string;
  /**
   * Region to deploy to (override: `-c region=…`).
   * @default - the CLI's current region (`CDK_DEFAULT_REGION`)
   */
  readonly region?: string;
  /**
   * Days an upload stays under `incoming/` of the raw bucket. Ingest keeps the content-addressed
   * copy under `raw/`, so the upload itself is only needed until ingest has run (and re-run).
   */
  readonly incomingObjectExpiryDays: number;
  /**
   * Days a noncurrent (overwritten or deleted) version of an upload under `incoming/` or a report
   * under `quarantine/` is kept (once Object Lock allows it). Versions under `raw/` never expire.
   */
  readonly incomingNoncurrentVersionRetentionDays: number;
  /**
   * S3 Object Lock default retention of the raw bucket: every version of every object in it
   * (`raw/`, `incoming/`, `quarantine/`) can be neither overwritten in place nor deleted for this
   * long. GOVERNANCE lets a principal with `s3:BypassGovernanceRetention` delete (dev, so a
   * teardown needs no waiting); COMPLIANCE lets nobody, not even the account root.
   */
  readonly rawObjectLock: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number };
  /**
   * Days a noncurrent version of a curated table or an export is kept after it was overwritten
   * or deleted (both buckets are versioned).
   */
  readonly derivedNoncurrentVersionRetentionDays: number;
  /** Briefing versions assemble keeps per dataset (HLD_KEEP_VERSIONS of every pipeline function). */
  readonly briefingVersionsToKeep: number;
  /** Days S3 server access logs are kept. */
  readonly accessLogRetentionDays: number;
  /** Retention of function, state machine and API access log groups. */
  readonly logRetention: RetentionDays;
  /** EventBridge Scheduler `cron(...)` expression of the scheduled refresh. */
  readonly refreshScheduleCron: string;
  /** IANA time zone the refresh cron is evaluated in. */
  readonly refreshScheduleTimeZone: string;
  /**
   * Address subscribed to the alarm topic (override: `-c alarmEmail=…`). A stage must have one,
   * or say why not in `alarmEmailOptOut`: synthesis fails otherwise.
   * @default - none; then `alarmEmailOptOut` is required
   */
  readonly alarmEmail?: string;
  /**
   * Why the stage deploys with no alarm subscription (`-c alarmEmail=none` sets it). The alarms
   * still fire and show in the CloudWatch console; nobody is mailed.
   * @default - none; then `alarmEmail` is required
   */
  readonly alarmEmailOptOut?: string;
  /**
   * What the refresh state machine logs: `ERROR` (failed executions only) or `ALL`, and whether
   * the log holds each state's input and output (dataset, run id, requester, diff counts).
   */
  readonly refreshLogging: { readonly level: 'ALL' | 'ERROR'; readonly includeExecutionData: boolean };
  /**
   * IAM principals (role ARNs) that may use the key directly, not only through S3 and DynamoDB:
   * break-glass access for named key administrators (override: `-c keyAdministratorArns=a,b`).
   * @default - none: the key decrypts only through S3 and DynamoDB
   */
  readonly keyAdministratorArns?: readonly string[];
  /** Athena refuses a query of the workgroup that would scan more than this many bytes. */
  readonly athenaBytesScannedCutoffPerQuery: number;
  /** Days Athena query results are kept in their bucket. */
  readonly queryResultRetentionDays: number;
  /**
   * Opt in to deleting stateful resources (buckets, tables, key, log groups) with the stack.
   * @default false - RETAIN: a `cdk destroy` never takes evidence with it
   */
  readonly destroyOnRemoval?: boolean;
  /** DynamoDB deletion protection on both tables. */
  readonly tableDeletionProtection: boolean;
  /** CloudFormation termination protection on the stack. */
  readonly terminationProtection: boolean;
  /** Steady-state requests per second of the briefing API (default stage). */
  readonly apiThrottleRateLimit: number;
  /** Burst of the briefing API (default stage). */
  readonly apiThrottleBurstLimit: number;
  /**
   * Stack traces in the function logs point into the TypeScript sources
   * (`NODE_OPTIONS=--enable-source-maps`). Node then reads and parses each function's source map
   * at every cold start (≈ 10 % of its import; BENCHMARKS.md), so prod leaves it off: its traces
   * point into the minified bundle, whose map ships beside it (docs/deploy.md says how to read them).
   */
  readonly sourceMapStackTraces: boolean;
}

export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  dev: {
    stage: 'dev',
    namePrefix: 'hld-evidence-dev',
    incomingObjectExpiryDays: 7,
    incomingNoncurrentVersionRetentionDays: 7,
    // One day of governance-mode lock: uploads are protected while someone works with them, and
    // a teardown waits a day or uses s3:BypassGovernanceRetention.
    rawObjectLock: { mode: 'GOVERNANCE', days: 1 },
    derivedNoncurrentVersionRetentionDays: 7,
    briefingVersionsToKeep: 5,
    accessLogRetentionDays: 30,
    logRetention: RetentionDays.TWO_WEEKS,
    refreshScheduleCron: 'cron(0 6 ? * MON-FRI *)',
    refreshScheduleTimeZone: 'Etc/UTC',
    alarmEmailOptOut:
      'dev stacks belong to one developer at a time, who reads their alarms in the CloudWatch ' +
      'console; deploy with -c alarmEmail=you@example.org to be mailed',
    refreshLogging: { level: 'ALL', includeExecutionData: true },
    athenaBytesScannedCutoffPerQuery: 1024 ** 3,
    queryResultRetentionDays: 7,
    destroyOnRemoval: true,
    tableDeletionProtection: false,
    terminationProtection: false,
    apiThrottleRateLimit: 10,
    apiThrottleBurstLimit: 20,
    sourceMapStackTraces: true,
  },
  prod: {
    stage: 'prod',
    namePrefix: 'hld-evidence-prod',
    incomingObjectExpiryDays: 30,
    incomingNoncurrentVersionRetentionDays: 30,
    // A year in which no one, the account root included, can delete or replace a version of the
    // evidence; after it, no lifecycle rule expires raw/ and the bucket policy denies deleting
    // its versions (infra/constructs/evidence-storage.ts).
    rawObjectLock: { mode: 'COMPLIANCE', days: 365 },
    derivedNoncurrentVersionRetentionDays: 90,
    briefingVersionsToKeep: 30,
    accessLogRetentionDays: 365,
    logRetention: RetentionDays.THREE_MONTHS,
    refreshScheduleCron: 'cron(0 2 * * ? *)',
    refreshScheduleTimeZone: 'Etc/UTC',
    refreshLogging: { level: 'ERROR', includeExecutionData: false },
    athenaBytesScannedCutoffPerQuery: 10 * 1024 ** 3,
    queryResultRetentionDays: 30,
    tableDeletionProtection: true,
    terminationProtection: true,
    apiThrottleRateLimit: 50,
    apiThrottleBurstLimit: 100,
    sourceMapStackTraces: false,
  },
};

/** Values that may be overridden from CDK context without editing this file. */
export interface StageConfigOverrides {
  /** An address, or `none` to deploy with no subscription (an explicit opt-out). */
  readonly alarmEmail?: string;
  readonly account?: string;
  readonly region?: string;
  readonly keyAdministratorArns?: readonly string[];
}

/** `-c alarmEmail=none`: no subscription, on purpose. */
export const ALARM_EMAIL_OPT_OUT = 'none';

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGE_NAMES as readonly string[]).includes(value);
}

/** The configuration of `stage` with overrides applied, validated. */
export function resolveStageConfig(stage: unknown, overrides: StageConfigOverrides = {}): StageConfig {
  if (!isStageName(stage)) {
    throw new StageConfigError(
      `Unknown stage '${String(stage)}'. Use -c stage=${STAGE_NAMES.join('|')} (infra/config.ts).`,
    );
  }
  const { alarmEmail, alarmEmailOptOut, ...stageDefaults } = STAGES[stage];
  const alarms =
    overrides.alarmEmail === ALARM_EMAIL_OPT_OUT
      ? { alarmEmailOptOut: `opted out at deploy time with -c alarmEmail=${ALARM_EMAIL_OPT_OUT}` }
      : overrides.alarmEmail
        ? { alarmEmail: overrides.alarmEmail }
        : { ...(alarmEmail ? { alarmEmail } : {}), ...(alarmEmailOptOut ? { alarmEmailOptOut } : {}) };
  const config: StageConfig = {
    ...stageDefaults,
    ...alarms,
    ...(overrides.account ? { account: overrides.account } : {}),
    ...(overrides.region ? { region: overrides.region } : {}),
    ...(overrides.keyAdministratorArns?.length
      ? { keyAdministratorArns: overrides.keyAdministratorArns }
      : {}),
  };
  validateStageConfig(config);
  return config;
}

/** Throws a StageConfigError naming the first invalid field of `config`. */
export function validateStageConfig(config: StageConfig): void {
  const where = `infra/config.ts, stage '${config.stage}'`;
  const positiveIntegers = {
    incomingObjectExpiryDays: config.incomingObjectExpiryDays,
    incomingNoncurrentVersionRetentionDays: config.incomingNoncurrentVersionRetentionDays,
    'rawObjectLock.days': config.rawObjectLock.days,
    derivedNoncurrentVersionRetentionDays: config.derivedNoncurrentVersionRetentionDays,
    queryResultRetentionDays: config.queryResultRetentionDays,
    briefingVersionsToKeep: config.briefingVersionsToKeep,
    accessLogRetentionDays: config.accessLogRetentionDays,
    apiThrottleRateLimit: config.apiThrottleRateLimit,
    apiThrottleBurstLimit: config.apiThrottleBurstLimit,
  };
  for (const [field, value] of Object.entries(positiveIntegers)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new StageConfigError(`${where}: ${field} must be a positive integer, got ${value}.`);
    }
  }
  // Physical names built from the prefix must stay valid for every service (SQS allows 80
  // characters, Lambda 64, a `-normalise-pending` suffix is the longest we add).
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(config.namePrefix)) {
    throw new StageConfigError(
      `${where}: namePrefix '${config.namePrefix}' must be 2-40 lower-case letters, digits or '-'.`,
    );
  }
  // EventBridge Scheduler cron has six fields: minutes hours day-of-month month day-of-week year.
  if (!/^cron\((\S+\s){5}\S+\)$/.test(config.refreshScheduleCron)) {
    throw new StageConfigError(
      `${where}: refreshScheduleCron '${config.refreshScheduleCron}' is not a six-field ` +
        `EventBridge Scheduler expression such as 'cron(0 2 * * ? *)'.`,
    );
  }
  if (config.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail)) {
    throw new StageConfigError(`${where}: alarmEmail '${config.alarmEmail}' is not an e-mail address.`);
  }
  // Alarms nobody receives are the failure this guards against: a stage either names an address
  // or writes down why it has none.
  if (config.alarmEmail === undefined && !config.alarmEmailOptOut?.trim()) {
    throw new StageConfigError(
      `${where}: no alarm e-mail. Deploy with -c alarmEmail=team@example.org (or ` +
        `-c alarmEmail=${ALARM_EMAIL_OPT_OUT} to deploy with nobody mailed, on purpose).`,
    );
  }
  // Athena's own minimum for BytesScannedCutoffPerQuery is 10 MB.
  if (
    !Number.isInteger(config.athenaBytesScannedCutoffPerQuery) ||
    config.athenaBytesScannedCutoffPerQuery < 10_000_000
  ) {
    throw new StageConfigError(
      `${where}: athenaBytesScannedCutoffPerQuery must be at least 10,000,000 bytes (Athena's minimum).`,
    );
  }
  for (const arn of config.keyAdministratorArns ?? []) {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(arn)) {
      throw new StageConfigError(
        `${where}: keyAdministratorArns entry '${arn}' is not an IAM role or user ARN.`,
      );
    }
  }
}
