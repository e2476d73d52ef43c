import { AthenaClient, CreateWorkGroupCommand, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoAvailable } from '#packages/local/backends.ts';
import { freePort, type ManagedProcess, startProcess } from '#packages/local/processes.ts';
import { hld } from '../support/hld-in-process.ts';

/**
 * `hld query --backend aws` against moto's Athena, on a free port. Moto stands in for the Athena
 * API only: it accepts StartQueryExecution, moves the execution QUEUED → RUNNING → SUCCEEDED as it
 * is polled, and answers GetQueryResults with the ResultSet registered beforehand through
 * `/moto-api/static/athena/query-results`; it does not execute SQL. So these tests prove the
 * client side — the workgroup and database the query goes to, polling, the result turned into the
 * same table / CSV / JSON as the DuckDB path, what was scanned, the timeout — not the SQL.
 * Skipped, saying so, where python3 with moto[server] is absent.
 */

const MOTO = motoAvailable();
if (!MOTO)
  console.warn('[athena-query] python3 -m moto.server not found: hld query --backend aws not tested');

const column = (Name: string, Type: string) => ({ Name, Label: Name, Type, Nullable: 'UNKNOWN' });
const row = (...cells: (string | undefined)[]) => ({
  Data: cells.map((cell) => (cell === undefined ? {} : { VarCharValue: cell })),
});

/** What Athena answers for the README's migrant-stock query: the header row first, as Athena sends it. */
const STOCK = {
  column_info: [
    column('ref_area_iso3', 'varchar'),
    column('time_period', 'integer'),
    column('value', 'double'),
    column('projects', 'bigint'),
  ],
  rows: [
    row('ref_area_iso3', 'time_period', 'value', 'projects'),
    row('MDA', '2000', '464002', '3'),
    row('MDA', '2010', '408393.5', '12345678901234567'),
    row('MDA', '2019', undefined, '0'),
  ],
};

describe.runIf(MOTO)('hld query --backend aws (moto stands in for the Athena API; it runs no SQL)', () => {
  let moto: ManagedProcess;
  let endpoint: string;
  let env: Record<string, string | undefined>;

  const motoApi = async (path: string, body: unknown) => {
    const response = await fetch(`${endpoint}/moto-api/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
  };
  /** A client of our own, to set up and check what the CLI cannot show. */
  const athena = () =>
    new AthenaClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const register = (result: typeof STOCK) => motoApi('static/athena/query-results', { results: [result] });

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = await startProcess(
      'moto',
      'python3',
      ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
      `${endpoint}/moto-api/`,
    );
    env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      HLD_NAME_PREFIX: 'hld-evidence-test',
      HLD_BACKEND: undefined,
    };
    // The stack's workgroup (infra/constructs/query-catalog.ts), as moto needs it to exist.
    const client = athena();
    await client.send(
      new CreateWorkGroupCommand({
        Name: 'hld-evidence-test-analysts',
        Configuration: { ResultConfiguration: { OutputLocation: 's3://hld-query-results/results/' } },
      }),
    );
    client.destroy();
    // Every execution is polled through QUEUED and RUNNING before it succeeds.
    await motoApi('state-manager/set-transition', {
      model_name: 'athena::execution',
      transition: { progression: 'manual', times: 1 },
    });
  });

  afterAll(async () => {
    await moto?.stop();
  });

  const SQL =
    "SELECT ref_area_iso3, time_period, value FROM observation WHERE indicator_id = 'IMM_STOCK' AND ref_area_iso3 = 'MDA' ORDER BY time_period";

  it('prints the registered result as the DuckDB path prints a table, and says what Athena scanned', async () => {
    await register(STOCK);

    const ran = await hld(['query', '--backend', 'aws', SQL], env);

    expect(ran.code, ran.stderr).toBe(0);
    const lines = ran.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'ref_area_iso3  time_period  value     projects',
      '-------------  -----------  --------  -----------------',
      'MDA            2000         464002    3',
      'MDA            2010         408393.5  12345678901234567',
      'MDA            2019                   0',
    ]);
    expect(lines[5]).toMatch(
      /^\(3 rows; Athena scanned 0 bytes in workgroup hld-evidence-test-analysts \(query [0-9a-f-]{36}\)\)$/,
    );
  });

  it('--json prints the rows with types from the ResultSetMetadata, and the scan on stderr', async () => {
    await register(STOCK);

    const ran = await hld(['query', '--backend', 'aws', SQL, '--json'], env);

    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual([
      { ref_area_iso3: 'MDA', time_period: 2000, value: 464002, projects: '3' },
      { ref_area_iso3: 'MDA', time_period: 2010, value: 408393.5, projects: '12345678901234567' },
      { ref_area_iso3: 'MDA', time_period: 2019, value: null, projects: '0' },
    ]);
    expect(ran.stderr).toMatch(/Athena scanned 0 bytes in workgroup hld-evidence-test-analysts/);
  });

  it('--csv prints CSV only on stdout (the header from the column labels, not the header row twice)', async () => {
    await register(STOCK);

    const ran = await hld(['query', '--backend', 'aws', SQL, '--csv', '--quiet'], env);

    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.replaceAll('\r\n', '\n')).toBe(
      [
        'ref_area_iso3,time_period,value,projects',
        'MDA,2000,464002,3',
        'MDA,2010,408393.5,12345678901234567',
        'MDA,2019,,0',
        '',
      ].join('\n'),
    );
    expect(ran.stderr).toBe('');
  });

  it('cancels a query that does not finish within --timeout and exits 3 naming its state', async () => {
    await motoApi('state-manager/set-transition', {
      model_name: 'athena::execution',
      transition: { progression: 'manual', times: 1_000 },
    });
    try {
      const ran = await hld(['query', '--backend', 'aws', SQL, '--timeout', '0.5'], env);

      expect(ran.code).toBe(3);
      expect(ran.stderr).toMatch(
        /did not finish query [0-9a-f-]{36} within 0\.5 s \(still QUEUED\); it was cancelled/,
      );
      const id = /query ([0-9a-f-]{36})/.exec(ran.stderr)?.[1];
      const client = athena();
      const after = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      expect(after.QueryExecution?.Status?.State).toBe('CANCELLED');
      client.destroy();
    } finally {
      await motoApi('state-manager/set-transition', {
        model_name: 'athena::execution',
        transition: { progression: 'manual', times: 1 },
      });
    }
  });

  it('without HLD_NAME_PREFIX, says which stack it needs and exits 2', async () => {
    const ran = await hld(['query', '--backend', 'aws', SQL], { ...env, HLD_NAME_PREFIX: undefined });

    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/needs HLD_NAME_PREFIX/);
  });
});
