import type { TableContract } from '#contracts/contract.ts';
import { VOCABULARIES } from '#contracts/vocabularies.ts';
import * as z from '#contracts/zod.ts';
import { countryReference } from '#packages/formats/countries.ts';

/** How one contract field is stored in Arrow. Derived from the zod schema, never written twice. */
export type ColumnType =
  | { readonly kind: 'utf8' }
  | {
      readonly kind: 'dictionary';
      readonly vocabulary: string;
      readonly values: readonly string[] | undefined;
    }
  | { readonly kind: 'int32' }
  | { readonly kind: 'float64' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'list-utf8' };

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly description?: string;
}

interface JsonSchemaProperty {
  type?: string | string[];
  format?: string;
  enum?: string[];
  anyOf?: JsonSchemaProperty[];
  items?: JsonSchemaProperty;
  description?: string;
  'x-arrow'?: string;
  'x-vocabulary'?: string;
}

/** The JSON Schema of a contract (input side: what a file may contain). */
export function contractJsonSchema(contract: TableContract): Record<string, unknown> {
  return z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

let iso3Codes: readonly string[] | undefined;

function vocabularyValues(
  name: string | undefined,
  enumValues: string[] | undefined,
): readonly string[] | undefined {
  if (name && name in VOCABULARIES) return VOCABULARIES[name as keyof typeof VOCABULARIES];
  if (name === 'iso3') {
    // The ISO3 dictionary is the country reference itself, sorted so that every snapshot of
    // every table shares one dictionary (and a group-by can index straight into it).
    iso3Codes ??= countryReference()
      .rows.map((row) => row.iso3)
      .sort();
    return iso3Codes;
  }
  return enumValues;
}

/** The non-null variant of a property (`anyOf [T, null]` and `type: [T, "null"]` both occur). */
export function nonNullVariant<P extends { type?: string | string[]; anyOf?: P[] }>(
  property: P,
): P & { type?: string } {
  const variant = property.anyOf?.find((candidate) => candidate.type !== 'null') ?? property;
  const type = Array.isArray(variant.type) ? variant.type.find((name) => name !== 'null') : variant.type;
  return { ...variant, type } as P & { type?: string };
}

function columnType(property: JsonSchemaProperty): ColumnType {
  const variant = nonNullVariant(property);
  if (variant.type === 'array') return { kind: 'list-utf8' };
  if (variant.type === 'integer') return { kind: 'int32' };
  if (variant.type === 'number') return { kind: 'float64' };
  if (variant.type === 'boolean') return { kind: 'bool' };
  if (variant.format === 'date') return { kind: 'date' };
  if (variant.format === 'date-time') return { kind: 'timestamp' };
  const arrow = variant['x-arrow'] ?? property['x-arrow'];
  const vocabulary = variant['x-vocabulary'] ?? property['x-vocabulary'];
  if (arrow === 'dictionary' || variant.enum) {
    const values = vocabularyValues(vocabulary, variant.enum);
    // An open set with no known values is stored as plain Utf8: a dictionary that grows per
    // batch would need delta dictionaries, which not every IPC file reader accepts.
    if (!values) return { kind: 'utf8' };
    return { kind: 'dictionary', vocabulary: vocabulary ?? 'enum', values };
  }
  return { kind: 'utf8' };
}

const cache = new WeakMap<TableContract, ColumnSpec[]>();

/** The Arrow columns of a contract table, in contract field order. */
export function columnSpecs(contract: TableContract): ColumnSpec[] {
  const known = cache.get(contract);
  if (known) return known;
  const schema = contractJsonSchema(contract) as {
    properties: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const specs = Object.entries(schema.properties).map(([name, property]) => ({
    name,
    type: columnType(property),
    required: required.has(name),
    ...(property.description ? { description: property.description } : {}),
  }));
  cache.set(contract, specs);
  return specs;
}
