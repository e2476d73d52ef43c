import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { contractForTable, INGESTED_TABLES, TABLE_CONTRACTS } from '#contracts/registry.ts';
import { COUNTRY_COLUMNS, PRIMARY_KEYS, RELATIONS } from '#contracts/relations.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { contractsMarkdown, tableJsonSchema, tableSchema } from '#packages/contracts/export.ts';
import { readSource } from '#packages/formats/index.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
const jsonSchemaValidator = (table: string) => {
  let validate = compiled.get(table);
  if (!validate) {
    validate = ajv.compile(tableJsonSchema(contractForTable(table)));
    compiled.set(table, validate);
  }
  return validate;
};

const SAMPLES: readonly [SourceKind, string][] = [
  ['reference', 'reference/events-and-sources.json'],
  ['pilot', 'pilot/mainstreaming-pilots.json'],
  ['survey', 'survey/gmg-unct-2011-kobo.csv'],
  ['stocktaking', 'stocktaking/jmdi-projects.csv'],
  ['stocktaking', 'stocktaking/jmdi-lessons.csv'],
  ['statistics', 'statistics/context-figures.csv'],
];

async function fixtureRows(): Promise<{ table: string; values: Record<string, unknown> }[]> {
  const rows: { table: string; values: Record<string, unknown> }[] = [];
  for (const [kind, path] of SAMPLES) {
    const bytes = await readFile(new URL(`../../../data-contracts/samples/${path}`, import.meta.url));
    const read = await readSource({
      bytes,
      fileName: path.split('/').pop() as string,
      kind,
      docId: 'DOC-fixture',
    });
    for await (const row of read.rows) rows.push({ table: row.table, values: { ...row.values } });
  }
  return rows;
}

/** A Frictionless Table Schema check of one row (types, required, enum, pattern, range). */
function tableSchemaAccepts(
  schema: ReturnType<typeof tableSchema>,
  values: Record<string, unknown>,
): string[] {
  const errors: string[] = [];
  for (const field of schema.fields as { name: string; type: string; constraints?: Record<string, any> }[]) {
    const value = values[field.name];
    const constraints = field.constraints ?? {};
    if (value === undefined || value === null || value === '') {
      if (constraints.required) errors.push(`${field.name}: required`);
      continue;
    }
    const typeOk =
      field.type === 'integer'
        ? Number.isInteger(value)
        : field.type === 'number'
          ? typeof value === 'number'
          : field.type === 'boolean'
            ? typeof value === 'boolean'
            : field.type === 'array'
              ? Array.isArray(value)
              : field.type === 'date'
                ? /^\d{4}-\d{2}-\d{2}$/.test(String(value))
                : field.type === 'datetime'
                  ? !Number.isNaN(Date.parse(String(value)))
                  : typeof value === 'string';
    if (!typeOk) errors.push(`${field.name}: not ${field.type}`);
    if (constraints.enum && !constraints.enum.includes(value)) errors.push(`${field.name}: not in enum`);
    if (constraints.pattern && !new RegExp(constraints.pattern).test(String(value)))
      errors.push(`${field.name}: pattern`);
    // Dates compare as ISO text, numbers as numbers (Table Schema ranges apply to both).
    const comparable = field.type === 'date' ? String(value) : Number(value);
    if (constraints.minimum !== undefined && comparable < constraints.minimum)
      errors.push(`${field.name}: minimum`);
    if (constraints.maximum !== undefined && comparable > constraints.maximum)
      errors.push(`${field.name}: maximum`);
  }
  return errors;
}

describe('contract exports', () => {
  it('JSON Schema and Table Schema accept every fixture row the zod contract accepts', async () => {
    const rows = await fixtureRows();
    const tables = new Set<string>();

    for (const { table, values } of rows) {
      const contract = contractForTable(table);
      if (!contract.schema.safeParse(values).success) continue;
      tables.add(table);
      const validate = jsonSchemaValidator(table);
      expect(validate(values), `${table}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(tableSchemaAccepts(tableSchema(contract), values)).toEqual([]);
    }
    expect([...tables].sort()).toEqual(
      [
        'event',
        'jmdi_lesson',
        'jmdi_project',
        'observation',
        'pilot',
        'pilot_milestone',
        'pilot_status',
        'source_document',
        'survey_respondent',
        'survey_response',
      ].sort(),
    );
  });

  it('JSON Schema and Table Schema reject what the contract rejects for enums, patterns and missing fields', async () => {
    const rows = await fixtureRows();
    const project = rows.find((row) => row.table === 'jmdi_project')!.values;
    const broken = [
      { ...project, theme_primary: 'tourism' },
      { ...project, target_country_iso3: 'mda' },
      Object.fromEntries(Object.entries(project).filter(([key]) => key !== 'selection_status')),
    ];
    const contract = contractForTable('jmdi_project');
    const validate = jsonSchemaValidator('jmdi_project');

    for (const values of broken) {
      expect(contract.schema.safeParse(values).success).toBe(false);
      expect(validate(values)).toBe(false);
      expect(tableSchemaAccepts(tableSchema(contract), values).length).toBeGreaterThan(0);
    }
  });

  it('JSON Schema and Table Schema reject the plausibility breaches they can express, as the contract does', async () => {
    const rows = await fixtureRows();
    const valid = (table: string) => rows.find((row) => row.table === table)!.values;
    const cases: [string, Record<string, unknown>, readonly ('json' | 'table')[]][] = [
      ['jmdi_project', { ...valid('jmdi_project'), start_planned: '1899-12-31' }, ['json', 'table']],
      ['jmdi_project', { ...valid('jmdi_project'), total_budget_amount: -1 }, ['json', 'table']],
      ['event', { ...valid('event'), start_date: '2099-01-01' }, ['json', 'table']],
      ['observation', { ...valid('observation'), time_period: '2099' }, ['json', 'table']],
      ['observation', { ...valid('observation'), time_period: '0000' }, ['json', 'table']],
      ['observation', { ...valid('observation'), unit: 'percent', value: 140 }, ['json']],
    ];

    for (const [table, values, expressedIn] of cases) {
      const contract = contractForTable(table);
      expect(contract.schema.safeParse(values).success, JSON.stringify(values)).toBe(false);
      if (expressedIn.includes('json'))
        expect(jsonSchemaValidator(table)(values), JSON.stringify(values)).toBe(false);
      if (expressedIn.includes('table')) {
        expect(
          tableSchemaAccepts(tableSchema(contract), values).length,
          JSON.stringify(values),
        ).toBeGreaterThan(0);
      }
    }
  });

  it("lists in RELATIONS exactly the contracts' foreign keys between ingested tables", () => {
    const fromContracts = TABLE_CONTRACTS.flatMap((contract) =>
      contract.foreignKeys
        .filter((key) => key.reference.table !== 'country')
        .map((key) => `${contract.table}.${key.fields[0]}→${key.reference.table}.${key.reference.fields[0]}`),
    ).sort();
    const listed = RELATIONS.map(
      (relation) =>
        `${relation.table}.${relation.field}→${relation.references.table}.${relation.references.field}`,
    ).sort();

    expect(listed).toEqual(fromContracts);
  });

  it("lists in PRIMARY_KEYS exactly the contracts' primary keys of ingested tables, and country columns that exist", () => {
    const fromContracts = Object.fromEntries(
      INGESTED_TABLES.map((contract) => [contract.table, [...contract.primaryKey]]),
    );

    expect(PRIMARY_KEYS).toEqual(fromContracts);
    for (const [table, column] of Object.entries(COUNTRY_COLUMNS))
      expect(Object.keys(contractForTable(table).schema.shape), table).toContain(column);
  });

  it('exports a schema with keys for every table, and the committed docs are up to date', async () => {
    for (const contract of TABLE_CONTRACTS) {
      const schema = tableSchema(contract) as { primaryKey: string[]; fields: { name: string }[] };
      const names = schema.fields.map((field) => field.name);
      for (const key of schema.primaryKey) expect(names).toContain(key);
    }
    const committed = await readFile(
      new URL('../../../data-contracts/CONTRACTS.md', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(contractsMarkdown());
  });
});
