import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageAccess } from '#packages/pipeline/definition.ts';
import { BRIEFING_KEYS, LEDGER_INDEX_KEYS, LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { BriefingApiProps } from './briefing-api-props.ts';
import { EvidenceFunction } from './evidence-function.ts';

/** The read-only routes of the briefing API (all GET, all IAM-authorised). */
export const BRIEFING_API_ROUTES = [
  '/datasets',
  '/datasets/{dataset}/versions',
  '/datasets/{dataset}/countries/{iso3}',
  '/datasets/{dataset}/themes/{theme}',
  '/datasets/{dataset}/diff',
  '/datasets/{dataset}/exports',
  '/datasets/{dataset}/lineage/{item}',
] as const;

/**
 * What the API function may read: the briefings (items, versions, pointers, the dataset list),
 * the ledger's file records and their snapshots (`FILE#*`, for lineage), one query of the
 * ledger's `byType` index (the runs, for `last_run`) and nothing else of the ledger, and the exports under `briefings/` (it presigns download URLs for them, which act with
 * the signer's permissions — so read is all it needs).
 */
export const BRIEFING_API_ACCESS: StageAccess = {
  buckets: { exports: { read: ['briefings/*'] } },
  tables: {
    briefings: {
      read: true,
      partitionKeys: [BRIEFING_KEYS.versionItems, BRIEFING_KEYS.dataset, BRIEFING_KEYS.datasets],
    },
    ledger: {
      read: true,
      partitionKeys: [LEDGER_KEYS.file],
      readOnlyKeys: [LEDGER_KEYS.run],
      indexQueries: { byType: [LEDGER_INDEX_KEYS.run] },
    },
  },
};

/**
 * The HTTP API policy analysts pull briefings from.
 *
 * Guarantees:
 * - every route is IAM-authorised (SigV4): there is no anonymous route;
 * - read-only: the function can read the briefings and ledger tables and `briefings/*` of the
 *   exports bucket, and nothing else (no write, no delete, no events);
 * - access logging (JSON, one line per request, caller identity included) on the default stage,
 *   in a log group encrypted with the stack's key;
 * - responses are `Cache-Control: private` (or `no-store`): no shared cache keeps what an
 *   IAM-authorised caller was shown (packages/api/router.ts);
 * - throttling defaults on the default stage, so a runaway client cannot run up the bill;
 * - payload format 2.0 Lambda integration, each route's invoke permission scoped to that route.
 */
export class BriefingApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly handler: EvidenceFunction;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BriefingApiProps) {
    super(scope, id);
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.handler = new EvidenceFunction(this, 'Handler', {
      functionName: `${props.apiName}-handler`,
      description: 'Briefing API: datasets, versions, country/theme briefings, diffs, exports and lineage',
      entry: props.apiEntry ?? 'functions/api/handler.ts',
      access: BRIEFING_API_ACCESS,
      buckets: props.buckets,
      tables: props.tables,
      encryptionKey: props.encryptionKey,
      environment: props.environment,
      memorySizeMb: props.apiMemorySizeMb ?? 512,
      // API Gateway gives up after 30 s; a longer Lambda timeout would only bill for nothing.
      timeoutSeconds: 29,
      logRetention,
      logRemovalPolicy,
    });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: props.apiName,
      description: 'hld-evidence briefing API (read-only, IAM-authorised)',
      // The default stage is created below, with access logging and throttling.
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      // Fixed so the key policy can name this stack's log groups.
      logGroupName: `/aws/apigateway/${props.apiName}-access`,
      encryptionKey: props.encryptionKey,
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.apiThrottleRateLimit ?? 10,
        burstLimit: props.apiThrottleBurstLimit ?? 20,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            time: '$context.requestTime',
            caller: AccessLogField.contextIdentityCaller(),
            userArn: AccessLogField.contextIdentityUserArn(),
            sourceIp: AccessLogField.contextIdentitySourceIp(),
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Integration', this.handler.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const path of BRIEFING_API_ROUTES) {
      this.api.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration });
    }
  }

  /** Invoke URL of the default stage. */
  get url(): string {
    return this.stage.url;
  }
}
