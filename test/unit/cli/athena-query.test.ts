import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { athenaValue } from '#packages/cli/athena-query.ts';
import { hld } from '../../support/hld-in-process.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * What moto's Athena cannot do, with the SDK client mocked (every AthenaClient of this process):
 * an execution that FAILS with a reason (moto's executions always succeed) and a result in
 * several GetQueryResults pages (moto answers every row in one). The rest of `hld query
 * --backend aws` runs against moto: test/integration/athena-query.test.ts.
 */

const athena = mockClient(AthenaClient);
const env = {
  HLD_NAME_PREFIX: 'hld-evidence-test',
  HLD_BACKEND: undefined,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
const ID = '11111111-2222-3333-4444-555555555555';
const text = (value: string) => ({ VarCharValue: value });

afterEach(() => athena.reset());
afterAll(() => athena.restore());

describe('hld query --backend aws (Athena client mocked)', () => {
  it('exits 2 with the state reason when Athena FAILS the query (mocked: moto never fails one)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason:
            'CONSTRAINT_VIOLATION: For the injected projected partition column source_sha256, the WHERE clause must contain only static equality conditions, and at least one such condition must be present.',
        },
      },
    });

    const ran = await hld(['query', '--backend', 'aws', 'SELECT count(*) FROM observation'], env);

    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      `hld: the query failed in Athena (workgroup hld-evidence-test-analysts): FAILED: CONSTRAINT_VIOLATION: For the injected projected partition column source_sha256`,
    );
    expect(ran.stderr).toContain(`(query ${ID})`);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toMatchObject({
      WorkGroup: 'hld-evidence-test-analysts',
      QueryExecutionContext: { Database: 'hld_evidence_test' },
    });
  });

  it('reads every page of the result, the header row only on the first (mocked: moto answers in one page)', async () => {
    const columns = [
      { Name: 'iso3', Label: 'iso3', Type: 'varchar' },
      { Name: 'n', Label: 'n', Type: 'integer' },
    ];
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1_234_567 } },
    });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [{ Data: [text('iso3'), text('n')] }, { Data: [text('MDA'), text('1')] }],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          // A data row that reads like the header is data on any later page.
          Rows: [{ Data: [text('iso3'), text('2')] }, { Data: [text('PHL'), text('3')] }],
        },
        NextToken: 'page-3',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: 'page-3' })
      .resolves({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [{ Data: [text('MEX'), {}] }] },
      });

    const ran = await hld(['query', '--backend', 'aws', 'SELECT iso3, n FROM x', '--json'], env);

    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual([
      { iso3: 'MDA', n: 1 },
      { iso3: 'iso3', n: 2 },
      { iso3: 'PHL', n: 3 },
      { iso3: 'MEX', n: null },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
    expect(ran.stderr).toContain('(4 rows; Athena scanned 1.23 MB in workgroup hld-evidence-test-analysts');
  });
});

describe('athenaValue', () => {
  it('gives back every integer and finite double Athena writes as the number it wrote', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constantFrom('integer', 'smallint', 'tinyint'), fc.integer()),
          fc.tuple(fc.constant('double'), fc.double({ noNaN: true, noDefaultInfinity: true })),
        ),
        ([type, value]) => {
          // === : String(-0) is '0', and 0 is the number Athena meant.
          expect(athenaValue(type, String(value)) === value).toBe(true);
        },
      ),
      propertyRuns('athenaValue numbers round-trip', 500),
    );
  });

  it('keeps bigint and decimal as text (a JSON number would lose digits) and NULL as null', () => {
    expect(athenaValue('bigint', '12345678901234567')).toBe('12345678901234567');
    expect(athenaValue('decimal(10,2)', '1.25')).toBe('1.25');
    expect(athenaValue('varchar', undefined)).toBeNull();
    expect(athenaValue('boolean', 'false')).toBe(false);
    expect(athenaValue('double', 'NaN')).toBe('NaN');
  });
});
