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
  /** Days a noncurrent (overwritten or deleted) object version of the raw bucket is kept. */
  readonly rawNoncurrentVersionRetentionDays: number;
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
   * Address subscribed to the alarm topic (override: `-c alarmEmail=…`).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
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
}

export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  dev: {
    stage: 'dev',
    namePrefix: 'hld-evidence-dev',
    incomingObjectExpiryDays: 7,
    rawNoncurrentVersionRetentionDays: 7,
    briefingVersionsToKeep: 5,
    accessLogRetentionDays: 30,
    logRetention: RetentionDays.TWO_WEEKS,
    refreshScheduleCron: 'cron(0 6 ? * MON-FRI *)',
    refreshScheduleTimeZone: 'Etc/UTC',
    destroyOnRemoval: true,
    tableDeletionProtection: false,
    terminationProtection: false,
    apiThrottleRateLimit: 10,
    apiThrottleBurstLimit: 20,
  },
  prod: {
    stage: 'prod',
    namePrefix: 'hld-evidence-prod',
    incomingObjectExpiryDays: 30,
    rawNoncurrentVersionRetentionDays: 365,
    briefingVersionsToKeep: 30,
    accessLogRetentionDays: 365,
    logRetention: RetentionDays.THREE_MONTHS,
    refreshScheduleCron: 'cron(0 2 * * ? *)',
    refreshScheduleTimeZone: 'Etc/UTC',
    tableDeletionProtection: true,
    terminationProtection: true,
    apiThrottleRateLimit: 50,
    apiThrottleBurstLimit: 100,
  },
};

/** Values that may be overridden from CDK context without editing this file. */
export interface StageConfigOverrides {
  readonly alarmEmail?: string;
  readonly account?: string;
  readonly region?: string;
}

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
  const config: StageConfig = {
    ...STAGES[stage],
    ...(overrides.alarmEmail ? { alarmEmail: overrides.alarmEmail } : {}),
    ...(overrides.account ? { account: overrides.account } : {}),
    ...(overrides.region ? { region: overrides.region } : {}),
  };
  validateStageConfig(config);
  return config;
}

/** Throws a StageConfigError naming the first invalid field of `config`. */
export function validateStageConfig(config: StageConfig): void {
  const where = `infra/config.ts, stage '${config.stage}'`;
  const positiveIntegers = {
    incomingObjectExpiryDays: config.incomingObjectExpiryDays,
    rawNoncurrentVersionRetentionDays: config.rawNoncurrentVersionRetentionDays,
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
}
