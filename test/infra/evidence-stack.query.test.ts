import { describe, expect, it } from 'vitest';
import { STAGES } from '#infra/config.ts';
import { QUERY_RESULTS_PREFIX } from '#infra/constructs/query-catalog.ts';
import { parquetCopyKey } from '#packages/pipeline/parquet-copy.ts';
import { queryTables, SOURCE_PARTITION_COLUMN } from '#packages/pipeline/query-tables.ts';
import {
  logicalIdOf,
  property,
  resourcesOfType,
  type SynthesizedStack,
  synthesizedStages,
} from './evidence-stack.fixture.ts';
import { flattenReference, isAllowed, type PolicyStatementJson } from './iam-policy.ts';

const _SYNTH_TIMEOUT_MS = 120_000;

const stackOf = synthesizedStages();

interface TableInputJson {
  readonly Name: string;
  readonly TableType: string;
  readonly Parameters: Record<string, unknown>;
  readonly PartitionKeys: { Name: string; Type: string }[];
  readonly StorageDescriptor: {
    readonly Location: unknown;
    readonly Columns: { Name: string; Type: string }[];
    readonly SerdeInfo: { SerializationLibrary: string };
  };
}

function glueTables(stack: SynthesizedStack): TableInputJson[] {
  return resourcesOfType(stack.json, 'AWS::Glue::Table').map(
    ([, table]) => property(table, 'TableInput') as TableInputJson,
  );
}

function analystStatements(stack: SynthesizedStack): PolicyStatementJson[] {
  const policy = stack.json.Resources[logicalIdOf(stack.stack.query.analystPolicy)];
  return (property(policy, 'PolicyDocument') as { Statement: PolicyStatementJson[] }).Statement;
}

describe.each(['dev', 'prod'] as const)('SQL over the curated data: Glue and Athena (%s)', (stage) => {
  it('catalogues one Glue table per curated table, with the columns and types of the shared query-tables module', () => {
    const stack = stackOf(stage);
    const tables = glueTables(stack);
    const expected = queryTables();

    expect(resourcesOfType(stack.json, 'AWS::Glue::Database')).toHaveLength(1);
    expect(tables.map((table) => table.Name).sort()).toEqual(expected.map((table) => table.name).sort());
    for (const table of expected) {
      const glue = tables.find((candidate) => candidate.Name === table.name);
      expect(glue?.StorageDescriptor.Columns.map((column) => [column.Name, column.Type])).toEqual(
        table.columns.map((column) => [column.name, column.type]),
      );
      expect(glue?.TableType).toBe('EXTERNAL_TABLE');
      expect(glue?.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/ParquetHiveSerDe$/);
    }
    expect(resourcesOfType(stack.json, 'AWS::Glue::Crawler')).toEqual([]);
  });

  it('projects the source_sha256 partition (injected) over the very layout parquet-copy writes', () => {
    const stack = stackOf(stage);
    const curated = `<${logicalIdOf(stack.stack.storage.buckets.curated)}>`;

    for (const table of glueTables(stack)) {
      // Athena's placeholder in the key parquet-copy would write: the template must be that key.
      const written = parquetCopyKey(table.Name, ['${', SOURCE_PARTITION_COLUMN, '}'].join(''), 'snapshot-1');
      const template = flattenReference(table.Parameters['storage.location.template']);

      expect(table.PartitionKeys).toEqual([
        expect.objectContaining({ Name: SOURCE_PARTITION_COLUMN, Type: 'string' }),
      ]);
      expect(table.Parameters).toMatchObject({
        'projection.enabled': 'true',
        [`projection.${SOURCE_PARTITION_COLUMN}.type`]: 'injected',
        classification: 'parquet',
      });
      expect(`${template}snapshot-1.parquet`).toBe(`s3://${curated}/${written}`);
      expect(flattenReference(table.StorageDescriptor.Location)).toBe(
        `s3://${curated}/parquet/${table.Name}/`,
      );
      expect(table.StorageDescriptor.Columns.map((column) => column.Name)).not.toContain(
        SOURCE_PARTITION_COLUMN,
      );
    }
  });

  it('enforces the workgroup configuration: KMS-encrypted results in their own bucket, owner checked, a per-query scan limit', () => {
    const stack = stackOf(stage);
    const [, workGroup] = resourcesOfType(stack.json, 'AWS::Athena::WorkGroup')[0] ?? [];
    const configuration = property(workGroup, 'WorkGroupConfiguration') as {
      EnforceWorkGroupConfiguration: boolean;
      BytesScannedCutoffPerQuery: number;
      ResultConfiguration: {
        OutputLocation: unknown;
        EncryptionConfiguration: { EncryptionOption: string; KmsKey: unknown };
        ExpectedBucketOwner: unknown;
      };
    };
    const keyId = resourcesOfType(stack.json, 'AWS::KMS::Key')[0]?.[0];
    const results = logicalIdOf(stack.stack.storage.queryResultsBucket);

    expect(configuration.EnforceWorkGroupConfiguration).toBe(true);
    expect(configuration.BytesScannedCutoffPerQuery).toBe(STAGES[stage].athenaBytesScannedCutoffPerQuery);
    expect(configuration.BytesScannedCutoffPerQuery).toBeGreaterThanOrEqual(10_000_000);
    expect(flattenReference(configuration.ResultConfiguration.OutputLocation)).toBe(
      `s3://<${results}>/${QUERY_RESULTS_PREFIX}`,
    );
    expect(configuration.ResultConfiguration.EncryptionConfiguration.EncryptionOption).toBe('SSE_KMS');
    expect(flattenReference(configuration.ResultConfiguration.EncryptionConfiguration.KmsKey)).toBe(
      `<${keyId}.Arn>`,
    );
    expect(flattenReference(configuration.ResultConfiguration.ExpectedBucketOwner)).toBe('<AWS::AccountId>');
  });

  it('keeps query results in a bucket of their own that is KMS-encrypted, private, TLS-only and expires them', () => {
    const stack = stackOf(stage);
    const results = stack.json.Resources[logicalIdOf(stack.stack.storage.queryResultsBucket)];

    expect(results).not.toBe(stack.json.Resources[logicalIdOf(stack.stack.storage.buckets.curated)]);
    expect(
      (property(results, 'LifecycleConfiguration') as { Rules: { Id: string; ExpirationInDays?: number }[] })
        .Rules,
    ).toContainEqual(
      expect.objectContaining({
        Id: 'expire-query-results',
        ExpirationInDays: STAGES[stage].queryResultRetentionDays,
      }),
    );
  });

  it('lets the analyst run queries in the workgroup and read exactly the Parquet copies, the catalogue and the results', () => {
    const stack = stackOf(stage);
    const analyst = analystStatements(stack);
    const curated = `<${logicalIdOf(stack.stack.storage.buckets.curated)}.Arn>`;
    const raw = `<${logicalIdOf(stack.stack.storage.buckets.raw)}.Arn>`;
    const results = `<${logicalIdOf(stack.stack.storage.queryResultsBucket)}.Arn>`;
    const account = 'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>';
    const glue = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
    const db = stack.stack.query.databaseName;

    expect(
      isAllowed(
        analyst,
        'athena:StartQueryExecution',
        `${account}:workgroup/${stack.stack.query.workGroupName}`,
      ),
    ).toBe(true);
    expect(isAllowed(analyst, 'athena:StartQueryExecution', `${account}:workgroup/primary`)).toBe(false);
    expect(isAllowed(analyst, 'glue:GetTable', `${glue}:table/${db}/observation`)).toBe(true);
    expect(isAllowed(analyst, 'glue:GetTable', `${glue}:table/other_db/observation`)).toBe(false);
    expect(isAllowed(analyst, 'glue:UpdateTable', `${glue}:table/${db}/observation`)).toBe(false);
    expect(
      isAllowed(analyst, 's3:GetObject', `${curated}/parquet/observation/source_sha256=ab/s.parquet`),
    ).toBe(true);
    expect(isAllowed(analyst, 's3:GetObject', `${curated}/tables/observation/ab/s.arrow`)).toBe(false);
    expect(isAllowed(analyst, 's3:PutObject', `${curated}/parquet/observation/x.parquet`)).toBe(false);
    expect(isAllowed(analyst, 's3:GetObject', `${raw}/raw/pilot/ab/pilots.json`)).toBe(false);
    expect(isAllowed(analyst, 's3:PutObject', `${results}/${QUERY_RESULTS_PREFIX}q1.csv`)).toBe(true);
    expect(isAllowed(analyst, 's3:PutObject', `${results}/elsewhere/q1.csv`)).toBe(false);
    expect(
      analyst
        .flatMap((statement) => [statement.Action].flat())
        .some((action) => String(action).startsWith('dynamodb:')),
    ).toBe(false);
    const keyStatement = analyst.find((statement) => [statement.Action].flat().includes('kms:Decrypt'));
    expect(keyStatement?.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.anything() } });
  });

  it('gives the analyst role only the analyst policy', () => {
    const stack = stackOf(stage);
    const role = stack.json.Resources[logicalIdOf(stack.stack.query.analystRole)];

    expect(property(role, 'ManagedPolicyArns')).toEqual([
      { Ref: logicalIdOf(stack.stack.query.analystPolicy) },
    ]);
    expect(property(role, 'Policies')).toBeUndefined();
  });
});
