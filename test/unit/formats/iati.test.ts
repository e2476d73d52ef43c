import { describe, expect, it } from 'vitest';
import { decodeXmlEntities, readIatiXml } from '#packages/formats/iati.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { caught, collectRows, fixtureBytes, readerInput, readerProblems } from './reader-input.ts';

async function readFixture(name: string) {
  const result = await readIatiXml(readerInput('stocktaking', name, fixtureBytes(`iati/${name}`)));
  return { result, rows: await collectRows(result) };
}

const byTable = (rows: Awaited<ReturnType<typeof readFixture>>['rows'], table: string) =>
  rows.filter((row) => row.table === table);

describe('readIatiXml (IATI 2.03 annotated example)', () => {
  it('makes one project with titles in three languages, its identifiers, dates, status, budget and ISO3 country', async () => {
    // act
    const { result, rows } = await readFixture('activity-standard-example-annotated.xml');
    const projects = byTable(rows, 'jmdi_project');

    // assess
    expect(result.format).toBe('iati-xml-2.03');
    expect(result.metadata).toMatchObject({ iatiVersion: '2.03', dialect: '2.0x' });
    expect(projects).toHaveLength(1);
    expect({ ...projects[0], problems: undefined }).toEqual({
      table: 'jmdi_project',
      locator: '/iati-activities/iati-activity[1]',
      problems: undefined,
      values: {
        project_id: 'JMDI1-ABC123-XYZ',
        jmdi_code: 'ABC123-XYZ',
        iati_identifier: 'AA-AAA-123456789-ABC123',
        title_en: 'Activity title',
        title_fr: "Titre de l'activité",
        title_es: 'Título de la actividad',
        description_en:
          'General activity description text.  Long description of the activity with no particular structure.',
        target_country_iso3: 'AFG',
        activity_status: 2,
        selection_status: 'implemented',
        start_planned: '2012-04-15',
        start_actual: '2012-04-28',
        end_planned: '2015-12-31',
        total_budget_amount: 3000,
        total_budget_currency: 'EUR',
        source_doc_id: 'DOC-test0001',
        source_locator: '/iati-activities/iati-activity[1]',
        extraction_method: 'parser',
        confidence: 'high',
        extracted_at: '2013-06-01T12:00:00Z',
      },
    });
  });

  it('lists the participating organisations with their roles', async () => {
    // act
    const { rows } = await readFixture('activity-standard-example-annotated.xml');
    const partners = byTable(rows, 'jmdi_partner').map((row) => row.values);

    // assess
    expect(
      partners.map((partner) => [partner.org_id, partner.role, partner.iati_role_code, partner.org_name]),
    ).toEqual([
      ['BB-BBB-123456789', 'funding', 1, 'Name of Agency B'],
      ['CC-CCC-123456789', 'accountable', 2, 'Name of Agency C'],
      ['AA-AAA-123456789', 'extending', 3, 'Name of Agency A'],
    ]);
    expect(partners.every((partner) => partner.project_id === 'JMDI1-ABC123-XYZ')).toBe(true);
  });

  it('gives results with baseline, target and actual per period', async () => {
    // act
    const { rows } = await readFixture('activity-standard-example-annotated.xml');
    const results = byTable(rows, 'jmdi_result');

    // assess
    expect(results).toHaveLength(1);
    expect(results[0]?.values).toMatchObject({
      result_id: 'JMDI1-ABC123-XYZ-R01',
      project_id: 'JMDI1-ABC123-XYZ',
      result_type: 1,
      indicator_title: 'Indicator title',
      measure: 1,
      baseline_value: '10',
      baseline_year: 2012,
      target_value: '10',
      actual_value: '11',
      period_start: '2013-01-01',
      period_end: '2013-03-31',
      disaggregation: '{"sex":"female","age":"adult"}',
    });
    expect(results[0]?.locator).toBe('/iati-activities/iati-activity[1]/result[1]/indicator[1]/period[1]');
  });

  it('reports the missing JMDI theme and the second recipient country', async () => {
    // act
    const { result } = await readFixture('activity-standard-example-annotated.xml');

    // assess
    expect((await readerProblems(result)).map((problem) => [problem.rule, problem.rejectsRow])).toEqual([
      ['multiple-recipient-countries', false],
      ['theme-missing', true],
    ]);
    expect((await readerProblems(result))[0]?.message).toContain('AFG 25%, ATG 25%');
  });
});

describe('readIatiXml (IATI 1.02, UNDP 2013 style)', () => {
  it('reads inline text, xml:lang titles, entities, word status and start-planned style dates', async () => {
    // act
    const { result, rows } = await readFixture('undp-2013-v102.xml');
    const projects = byTable(rows, 'jmdi_project');

    // assess
    expect(result.format).toBe('iati-xml-1.02');
    expect(result.metadata.dialect).toBe('1.0x');
    expect(projects).toHaveLength(1);
    expect(projects[0]?.values).toMatchObject({
      project_id: 'JMDI1-MDA-07',
      jmdi_code: 'MDA-07',
      iati_identifier: '41114-PROJECT-00061234',
      title_en: 'Diaspora engagement for local development in Moldova',
      title_fr: 'Engagement de la diaspora pour le développement local en Moldavie',
      description_en:
        'Supports hometown associations & local authorities in two districts.\r\nPhase 1 of the JMDI call.',
      target_country_iso3: 'MDA',
      theme_primary: 'communities',
      activity_status: 2,
      start_planned: '2011-03-01',
      start_actual: '2011-04-15',
      end_planned: '2012-09-30',
    });
    expect(await readerProblems(result)).toEqual([]);
  });

  it('maps letter transaction codes and role words to the 2.0x numbers', async () => {
    // act
    const { result, rows } = await readFixture('undp-2013-v102.xml');
    const transactions = result.metadata.transactions as { type_raw: string; type: number }[];
    const roles = byTable(rows, 'jmdi_partner').map((row) => [row.values.role, row.values.iati_role_code]);

    // assess
    expect(transactions.map((transaction) => [transaction.type_raw, transaction.type])).toEqual([
      ['IF', 1],
      ['C', 2],
      ['D', 3],
      ['E', 4],
    ]);
    expect(roles).toEqual([
      ['funding', 1],
      ['funding', 1],
      ['accountable', 2],
      ['implementing', 4],
      ['implementing', 4],
    ]);
  });

  it('folds OUTPUT activities into their PROJECT without adding their budgets to the parent’s', async () => {
    // act
    const { result, rows } = await readFixture('undp-2013-v102.xml');
    const activities = result.metadata.activities as {
      iati_identifier: string;
      hierarchy: number;
      parent?: string;
      budget: unknown;
    }[];

    // assess
    expect(byTable(rows, 'jmdi_project')[0]?.values).toMatchObject({
      total_budget_amount: 200000,
      total_budget_currency: 'EUR',
    });
    expect(
      activities.map((activity) => [activity.iati_identifier, activity.hierarchy, activity.parent]),
    ).toEqual([
      ['41114-PROJECT-00061234', 1, undefined],
      ['41114-OUTPUT-00071001', 2, '41114-PROJECT-00061234'],
      ['41114-OUTPUT-00071002', 2, '41114-PROJECT-00061234'],
    ]);
    expect(activities[1]?.budget).toEqual({ amount: 90000, currency: 'EUR' });
    expect(
      byTable(rows, 'jmdi_result').map((row) => [row.values.result_id, row.values.via_activity]),
    ).toEqual([
      ['JMDI1-MDA-07-R01', undefined],
      ['JMDI1-MDA-07-R02', '41114-OUTPUT-00071002'],
    ]);
  });

  it('names a partner without an IATI identifier LOCAL-{ISO3}-{slug} and lists it once', async () => {
    // act
    const { rows } = await readFixture('undp-2013-v102.xml');
    const local = byTable(rows, 'jmdi_partner').filter((row) =>
      String(row.values.org_id).startsWith('LOCAL-'),
    );

    // assess
    expect(local.map((row) => row.values.org_id)).toEqual(['LOCAL-MDA-hometown-association-moldova-mea']);
  });
});

describe('readIatiXml (refusals and problems)', () => {
  const activity = (body: string) =>
    `<?xml version="1.0"?>\n<iati-activities version="2.03">\n<iati-activity>\n<iati-identifier>XM-DAC-41114-1</iati-identifier>\n<title><narrative>T</narrative></title>\n${body}\n</iati-activity>\n</iati-activities>\n`;

  it.each([
    ['<!DOCTYPE iati-activities [<!ENTITY x "y">]>\n<iati-activities version="2.03"/>', 'DOCTYPE'],
    [
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n<iati-activities>&lol2;</iati-activities>',
      'DOCTYPE',
    ],
    ['<iati-activities version="2.03"><!ENTITY xxe SYSTEM "file:///etc/passwd"></iati-activities>', 'ENTITY'],
  ])('refuses XML with a DOCTYPE or ENTITY declaration (%#)', async (xml, word) => {
    // act
    const error = await caught(() => readIatiXml(readerInput('stocktaking', 'evil.xml', xml)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('xml-doctype');
    expect(error.message).toContain(word);
  });

  it('refuses malformed XML with the line and column of the error', async () => {
    // prepare
    const xml =
      '<?xml version="1.0"?>\n<iati-activities version="2.03">\n <iati-activity>\n  <title><narrative>T</title>\n </iati-activity>\n</iati-activities>\n';

    // act
    const error = await caught(() => readIatiXml(readerInput('stocktaking', 'broken.xml', xml)));

    // assess
    expect(error.rule).toBe('malformed');
    expect(error.message).toMatch(/line 4, column \d+/);
    expect(error.locator).toBe('line 4');
  });

  it('refuses XML nested too deeply to be an IATI file', async () => {
    // prepare
    const xml = `<iati-activities>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</iati-activities>`;

    // act
    const error = await caught(() => readIatiXml(readerInput('stocktaking', 'deep.xml', xml)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('malformed');
  });

  it('refuses XML that is not an IATI activity file', async () => {
    // act
    const error = await caught(() =>
      readIatiXml(readerInput('stocktaking', 'org.xml', '<iati-organisations/>')),
    );

    // assess
    expect(error.rule).toBe('not-iati');
  });

  it('reports a recipient-country code it cannot convert to ISO3', async () => {
    // prepare
    const xml = activity('<recipient-country code="QQ"/><tag vocabulary="99" code="rights"/>');

    // act
    const result = await readIatiXml(readerInput('stocktaking', 'a.xml', xml));
    const rows = await collectRows(result);

    // assess
    expect(await readerProblems(result)).toEqual([
      expect.objectContaining({
        rule: 'country-unresolved',
        value: 'QQ',
        field: 'target_country_iso3',
        rejectsRow: true,
      }),
    ]);
    expect(rows[0]?.values).toMatchObject({ theme_primary: 'rights' });
    expect(rows[0]?.values).not.toHaveProperty('target_country_iso3');
  });

  it('takes the JMDI theme only from an own-vocabulary sector or tag', async () => {
    // prepare
    const xml = activity(
      '<recipient-country code="SN"/><sector vocabulary="1" code="remittances"/><tag vocabulary="99" code="remittances"/><sector vocabulary="99" code="capacities"/>',
    );

    // act
    const rows = await collectRows(await readIatiXml(readerInput('stocktaking', 'a.xml', xml)));

    // assess
    expect(rows[0]?.values).toMatchObject({
      target_country_iso3: 'SEN',
      theme_primary: 'capacities',
      themes_secondary: ['remittances'],
    });
  });

  it('uses the revised budget of a period instead of adding it to the original', async () => {
    // prepare
    const budget = (type: string, amount: number) =>
      `<budget type="${type}"><period-start iso-date="2012-01-01"/><period-end iso-date="2012-12-31"/><value currency="EUR">${amount}</value></budget>`;
    const xml = activity(`<recipient-country code="SN"/>${budget('1', 100000)}${budget('2', 120000)}`);

    // act
    const rows = await collectRows(await readIatiXml(readerInput('stocktaking', 'a.xml', xml)));

    // assess
    expect(rows[0]?.values).toMatchObject({ total_budget_amount: 120000, total_budget_currency: 'EUR' });
  });

  it('gives no budget total for budgets in EUR and in no stated currency, and names both', async () => {
    // prepare
    const budget = (start: string, value: string) =>
      `<budget type="1"><period-start iso-date="${start}-01-01"/><period-end iso-date="${start}-12-31"/>${value}</budget>`;
    const xml = activity(
      `<recipient-country code="SN"/><tag vocabulary="99" code="rights"/>${budget('2011', '<value currency="EUR">100</value>')}${budget('2012', '<value>200</value>')}`,
    );

    // act
    const rows = await collectRows(await readIatiXml(readerInput('stocktaking', 'a.xml', xml)));

    // assess
    expect(rows[0]?.values.total_budget_amount).toBeUndefined();
    expect(rows[0]?.problems?.find((problem) => problem.rule === 'mixed-currency')?.message).toBe(
      'Budgets are in several currencies (EUR, no currency); no total is given',
    );
  });

  it('gives the JMDI grant only from commitments in EUR: a USD commitment or one with no currency gives none, with a notice', async () => {
    // prepare
    const commitment = (value: string) =>
      `<transaction><transaction-type code="11"/><transaction-date iso-date="2011-03-10"/>${value}</transaction>`;
    const read = async (body: string) =>
      (await collectRows(await readIatiXml(readerInput('stocktaking', 'a.xml', activity(body)))))[0];
    const country = '<recipient-country code="SN"/><tag vocabulary="99" code="rights"/>';

    // act
    const eur = await read(`${country}${commitment('<value currency="EUR">200000</value>')}`);
    const usd = await read(`${country}${commitment('<value currency="USD">200000</value>')}`);
    const none = await read(`${country}${commitment('<value>200000</value>')}`);

    // assess
    expect(eur?.values.jmdi_grant_amount).toBe(200000);
    expect(usd?.values.jmdi_grant_amount).toBeUndefined();
    expect(usd?.problems).toContainEqual(
      expect.objectContaining({ rule: 'grant-currency', field: 'jmdi_grant_amount', rejectsRow: false }),
    );
    expect(none?.values.jmdi_grant_amount).toBeUndefined();
    expect(none?.problems?.find((problem) => problem.rule === 'grant-currency')?.message).toContain(
      'no currency, not EUR',
    );
  });
});

describe('decodeXmlEntities', () => {
  it('decodes only the XML entities and character references', () => {
    // act
    const text = decodeXmlEntities('a &amp; b &lt;c&gt; &quot;&apos; &#13;&#10;&#xE9; &nbsp; &lol;');

    // assess
    expect(text).toBe('a & b <c> "\' \r\né &nbsp; &lol;');
  });
});
