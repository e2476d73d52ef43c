import { BRIEFING_CONTRACT, BRIEFING_CONTRACT_CHANGES } from '#contracts/briefing/check.ts';
import type { TableContract } from '#contracts/contract.ts';
import { EXAMPLES } from '#contracts/examples.ts';
import { INDICATORS, UNITS } from '#contracts/indicators.ts';
import { TABLE_CONTRACTS } from '#contracts/registry.ts';
import { SIDECAR_SUFFIX, sourceSidecar, UNTITLED_UPLOAD } from '#contracts/source-registry.ts';
import { VOCABULARIES } from '#contracts/vocabularies.ts';
import * as z from '#contracts/zod.ts';
import { columnSpecs, contractJsonSchema, nonNullVariant } from './columns.ts';

/**
 * JSON Schema (2020-12) of one contract, generated from its zod source with the contract's
 * identity, and its plausibility rules where JSON Schema can express them (`allOf`; an end before
 * its start cannot be, and is listed in `x-plausibility` with the others).
 */
export function tableJsonSchema(contract: TableContract): Record<string, unknown> {
  const rules = contract.plausibility.flatMap((rule) => rule.jsonSchema?.() ?? []);
  return {
    ...contractJsonSchema(contract),
    ...(rules.length ? { allOf: rules } : {}),
    $id: `https://hld-evidence.example/contracts/${contract.table}/${contract.version}.json`,
    title: `${contract.table}@${contract.version} — ${contract.title}`,
    description: contract.description,
    'x-primary-key': contract.primaryKey,
    ...(contract.plausibility.length ? { 'x-plausibility': plausibilityList(contract) } : {}),
  };
}

/** Every plausibility rule of a contract, by id and what it requires. */
function plausibilityList(contract: TableContract): { rule: string; requires: string }[] {
  return contract.plausibility.map((rule) => ({ rule: rule.id, requires: rule.description }));
}

interface JsonProperty {
  type?: string | string[];
  format?: string;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonProperty[];
  items?: JsonProperty;
  description?: string;
}

const FRICTIONLESS_TYPE: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
};

/**
 * Frictionless Table Schema (v1) of one contract: fields with types, formats and constraints
 * (plausibility rules included where a field constraint can express them: date ranges, periods,
 * minimums), primary and foreign keys, and the missing values the CSV readers use.
 */
export function tableSchema(contract: TableContract): Record<string, unknown> {
  const schema = baseTableSchema(contract);
  const ruleConstraints = new Map<string, Record<string, unknown>>();
  for (const rule of contract.plausibility) {
    for (const [field, constraints] of Object.entries(rule.tableSchema?.() ?? {})) {
      ruleConstraints.set(field, { ...ruleConstraints.get(field), ...constraints });
    }
  }
  const fields = (schema.fields as { name: string; constraints?: Record<string, unknown> }[]).map((field) => {
    const extra = ruleConstraints.get(field.name);
    return extra ? { ...field, constraints: { ...field.constraints, ...extra } } : field;
  });
  return {
    ...schema,
    fields,
    ...(contract.plausibility.length ? { 'x-plausibility': plausibilityList(contract) } : {}),
  };
}

/** The Table Schema of the contract's fields and keys alone (what CONTRACTS.md tabulates). */
function baseTableSchema(contract: TableContract): Record<string, unknown> {
  const schema = contractJsonSchema(contract) as {
    properties: Record<string, JsonProperty>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties).map(([name, raw]) => {
    const property = nonNullVariant(raw);
    const type =
      property.format === 'date'
        ? 'date'
        : property.format === 'date-time'
          ? 'datetime'
          : (FRICTIONLESS_TYPE[property.type ?? 'string'] ?? 'any');
    const constraints: Record<string, unknown> = {};
    if (required.has(name)) constraints.required = true;
    if (property.enum) constraints.enum = property.enum;
    if (property.pattern && type === 'string') constraints.pattern = property.pattern;
    if (property.minimum !== undefined) constraints.minimum = property.minimum;
    if (property.maximum !== undefined) constraints.maximum = property.maximum;
    if (property.minLength !== undefined) constraints.minLength = property.minLength;
    if (property.maxLength !== undefined) constraints.maxLength = property.maxLength;
    return {
      name,
      type,
      ...(type === 'array'
        ? { 'x-list-separator': '|', ...(property.items?.enum ? { 'x-item-enum': property.items.enum } : {}) }
        : {}),
      ...(raw.description ? { description: raw.description } : {}),
      ...(Object.keys(constraints).length ? { constraints } : {}),
    };
  });
  return {
    name: contract.table,
    title: contract.title,
    description: contract.description,
    'x-version': contract.version,
    fields,
    primaryKey: [...contract.primaryKey],
    foreignKeys: contract.foreignKeys.map((key) => ({
      fields: [...key.fields],
      reference: { resource: key.reference.table, fields: [...key.reference.fields] },
    })),
    missingValues: ['', 'NA'],
  };
}

/** Markdown documentation of every contract: fields, types, requiredness, vocabularies. */
export function contractsMarkdown(): string {
  const lines = [
    '# Data contracts',
    '',
    'Generated from the zod sources in `data-contracts/` by `hld contracts docs`; do not edit by hand.',
    'A file may declare the versions it follows (`"contracts": {"pilot": "1.0.0"}` in JSON); a different major version is refused with the expected one named.',
    'CSV conventions: UTF-8 (BOM allowed), `,` `;` or tab, list cells separated by `|`, empty or `NA` = missing.',
    '',
  ];
  for (const contract of TABLE_CONTRACTS) {
    lines.push(
      `## \`${contract.table}\` ${contract.version} — ${contract.title}`,
      '',
      contract.description,
      '',
    );
    lines.push(
      `Source kind: \`${contract.kind}\` · primary key: ${contract.primaryKey.map((key) => `\`${key}\``).join(', ')}`,
    );
    for (const key of contract.foreignKeys) {
      lines.push(
        `· foreign key: ${key.fields.join(', ')} → \`${key.reference.table}\`(${key.reference.fields.join(', ')})`,
      );
    }
    lines.push('', '| field | type | required | rule / vocabulary |', '|---|---|---|---|');
    const schema = baseTableSchema(contract) as {
      fields: {
        name: string;
        type: string;
        constraints?: Record<string, unknown>;
        'x-item-enum'?: string[];
      }[];
    };
    const specs = new Map(columnSpecs(contract).map((spec) => [spec.name, spec]));
    for (const field of schema.fields) {
      const spec = specs.get(field.name);
      const vocabulary =
        spec?.type.kind === 'dictionary' && spec.type.vocabulary in VOCABULARIES
          ? `vocabulary \`${spec.type.vocabulary}\``
          : '';
      const enumValues = (field.constraints?.enum as string[] | undefined) ?? field['x-item-enum'];
      const rule = [
        vocabulary,
        enumValues && !vocabulary ? enumValues.join(', ') : '',
        field.constraints?.pattern
          ? `pattern \`${String(field.constraints.pattern).replace(/\|/g, '\\|')}\``
          : '',
      ]
        .filter(Boolean)
        .join('; ');
      lines.push(
        `| \`${field.name}\` | ${field.type} | ${field.constraints?.required ? 'yes' : ''} | ${rule} |`,
      );
    }
    if (contract.plausibility.length) {
      lines.push(
        '',
        'Plausibility rules (a row that breaks one is quarantined with the rule id; see docs/evidence-rules.md):',
        '',
      );
      for (const rule of contract.plausibility) lines.push(`- \`${rule.id}\`: ${rule.description}`);
    }
    const example = EXAMPLES[contract.table];
    if (example) lines.push('', 'Example:', '', '```json', JSON.stringify(example, null, 2), '```');
    lines.push('');
  }
  lines.push('## Vocabularies', '');
  for (const [name, values] of Object.entries(VOCABULARIES))
    lines.push(`- \`${name}\`: ${values.map((value) => `\`${value}\``).join(', ')}`);
  lines.push(
    '',
    '## Indicators',
    '',
    'Known `observation.indicator_id` values and the unit each is stored in (`indicator-unit`); any other id is a source’s own series code.',
    '',
    '| indicator_id | unit | never negative | what it is |',
    '|---|---|---|---|',
  );
  for (const [id, definition] of Object.entries(INDICATORS))
    lines.push(
      `| \`${id}\` | ${definition.unit} | ${definition.nonNegative ? 'yes' : ''} | ${definition.label} |`,
    );
  lines.push('', `Units: ${UNITS.map((unit) => `\`${unit}\``).join(', ')}.`, '');
  lines.push(...registryMarkdown());
  lines.push(...briefingMarkdown());
  return lines.join('\n');
}

/** The briefing item contract's version, its lineage's locator ranges, and its breaking changes. */
function briefingMarkdown(): string[] {
  return [
    `## Briefing item \`${BRIEFING_CONTRACT.name}\` ${BRIEFING_CONTRACT.version}`,
    '',
    'The product: one item per country, theme × scope, event, plus the sources (`data-contracts/briefing/`). ' +
      'Each item has a `body` (hashed, diffed) and a `lineage` beside it: per document and uploaded file, the raw ' +
      'object (`raw_key`, `file_sha256`), the `tables`, `rows` (how many) and `ranges`, every row as a locator range.',
    '',
    'A locator range is `{ "table", "first", "last"? }`: consecutive rows of one table of one file whose locators ' +
      'differ in one number only, counting up by one (`line 2` … `line 22`; `last` is absent for one row). A locator ' +
      'is split at its runs of digits; `first` and `last` have the same text around exactly one run, a plain integer ' +
      '(no leading zero, at most 15 digits) in both, `first`’s below `last`’s. Expanding the ranges gives every row ' +
      'the item rests on, in the builder’s order (`expandLocatorRanges` in `data-contracts/briefing/locator-ranges.ts`); ' +
      'no two neighbouring ranges could be one.',
    '',
    '| version | breaking change | why |',
    '|---|---|---|',
    ...BRIEFING_CONTRACT_CHANGES.map((entry) => `| ${entry.version} | ${entry.change} | ${entry.why} |`),
    '',
  ];
}

/** The source document registry and its sidecar (data-contracts/source-registry.ts). */
function registryMarkdown(): string[] {
  const fields = Object.entries(sourceSidecar.shape).map(([name, schema]) => {
    const optional = schema instanceof z.ZodMiniOptional || schema instanceof z.ZodMiniDefault;
    return `| \`${name}\` | ${optional ? '' : 'yes'} | ${SIDECAR_FIELD_NOTES[name as keyof typeof SIDECAR_FIELD_NOTES]} |`;
  });
  return [
    '## Source document registry',
    '',
    'Every document a briefing cites is registered by a `source_document` row (above) or by a sidecar ' +
      `\`<file>${SIDECAR_SUFFIX}\` uploaded beside the file (\`hld ingest <file> --title … --publisher … --year … --url … --licence …\` writes it). ` +
      `A file with neither is shown as \`${UNTITLED_UPLOAD}\`. A document is illustrative when either says so; every briefing ` +
      'item, statement and derived section then carries `illustrative: true` and `confidence: low`.',
    '',
    '| sidecar field | required | meaning |',
    '|---|---|---|',
    ...fields,
    '',
  ];
}

const SIDECAR_FIELD_NOTES = {
  doc_id: 'the document id the rows cite (`DOC-<id>`); default: the file’s content id `DOC-<sha1[:12]>`',
  title: 'the document’s title',
  publisher: 'who published it',
  year: 'year of publication (1900–2100)',
  url: 'where it is published',
  licence: 'its licence as stated by the publisher',
  illustrative: 'invented content (samples, tests): never evidence; default false',
} as const satisfies Record<keyof typeof sourceSidecar.shape, string>;
