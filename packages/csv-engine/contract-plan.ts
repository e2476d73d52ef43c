import * as z from 'zod/mini';
import type { TableContract } from '#contracts/contract.ts';
import { ByteInterner } from '#packages/columnar/byte-interner.ts';
import { type ColumnSpec, columnSpecs, contractJsonSchema } from '#packages/contracts/columns.ts';
import {
  type FieldType,
  isMissingCell,
  parserProvenance,
  type TableShape,
  tableShape,
} from '#packages/formats/contract-tables.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { ineligible } from './errors.ts';

/**
 * A table contract compiled into column checks the fast path runs on bytes.
 *
 * The checks are read from the zod schema itself (its type, its checks, the regex patterns it
 * tests), so they cannot drift from the contract. A check compiled here only ever answers "passes
 * exactly as zod would" or "not sure": every cell it is not sure about goes through the field's
 * own zod schema, which also gives the reference's issue text for cells that fail.
 */

/** Checks on a text value, in the order zod runs them (a `trim()` first when present). */
export interface StringCheck {
  readonly kind: 'string';
  readonly trim: boolean;
  readonly minLength: number;
  readonly maxLength: number;
  readonly patterns: readonly RegExp[];
}

export interface EnumCheck {
  readonly kind: 'enum';
  readonly values: readonly string[];
}

export interface NumberCheck {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly min: number;
  readonly minInclusive: boolean;
  readonly max: number;
  readonly maxInclusive: boolean;
}

export interface BooleanCheck {
  readonly kind: 'boolean';
}

export interface ArrayCheck {
  readonly kind: 'array';
  readonly element: StringCheck | EnumCheck;
}

export type FieldCheck = StringCheck | EnumCheck | NumberCheck | BooleanCheck | ArrayCheck;

/** What the reader fills in when the cell is missing (provenance of parser-extracted rows). */
export type Filler = { readonly kind: 'constant'; readonly value: unknown } | { readonly kind: 'locator' };

export interface FieldPlan {
  readonly name: string;
  /** Position in the contract (and in the Arrow schema). */
  readonly index: number;
  readonly spec: ColumnSpec;
  /** How the reader converts the cell text before zod sees it. */
  readonly readerType: FieldType;
  readonly schema: z.ZodMiniType;
  /** Compiled check of a present value; undefined: every present cell goes through `schema`. */
  readonly check: FieldCheck | undefined;
  /** The field takes null: the reader gives null (not absent) for a missing cell. */
  readonly nullable: boolean;
  /** Output of the schema for a missing cell: `{ ok: true }` with the value, or fails. */
  readonly absent: { readonly ok: true; readonly value: unknown } | { readonly ok: false };
  /** ISO3 codes (scalar or list items) that must be in the country reference (validate.ts). */
  readonly countryField: boolean;
  /**
   * Dictionary columns: the dictionary values that pass the field's checks (and the country
   * reference, for a country field), with their dictionary index. A cell found here passes.
   */
  readonly passingDictionary?: { readonly lookup: ByteInterner; readonly indexOf: Int32Array };
  /** Enum checks (also list items): the allowed values. */
  readonly enumLookup?: ByteInterner;
  /** Country list fields: the codes that pass the item check and the country reference. */
  readonly countryLookup?: ByteInterner;
}

export interface ContractPlan {
  readonly contract: TableContract;
  readonly shape: TableShape;
  readonly fields: readonly FieldPlan[];
  /** The contract's object-level checks (refinements), run through zod on rows that pass. */
  readonly refinement: z.ZodMiniType | undefined;
  /** Field indices of the primary key, in order. */
  readonly primaryKey: readonly number[];
  /** Field indices of foreign keys to other tables of the same kind (rows wait for their parent). */
  readonly waitingForeignKeys: readonly number[];
}

/** What a zod 4 schema exposes about itself (`schema._zod.def`). */
interface ZodDef {
  readonly type: string;
  readonly innerType?: ZodInternals;
  readonly checks?: readonly ZodInternals[];
  readonly check?: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly entries?: Record<string, unknown>;
  readonly element?: ZodInternals;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly when?: (payload: { value: unknown; issues: unknown[] }) => boolean;
  readonly tx?: (value: string) => unknown;
  readonly shape?: Record<string, ZodInternals>;
}

interface ZodInternals {
  readonly _zod: { readonly def: ZodDef };
}

const defOf = (schema: unknown): ZodDef => (schema as ZodInternals)._zod.def;

/**
 * A check's `when` guard is harmless to the pass/fail verdict when it lets the check run on every
 * value the column can hold while no other check has failed (zod's own length checks carry a
 * "value is not nullish" guard). A guard that skips a check only after an earlier issue does not
 * change the verdict: the cell fails anyway.
 */
function runsAlways(when: ZodDef['when'], probes: readonly unknown[]): boolean {
  if (when === undefined) return true;
  try {
    return probes.every((value) => when({ value, issues: [] }) === true);
  } catch {
    return false;
  }
}

const STRING_PROBES = ['', 'a', ' x ', 'é😀', 'NA', 'x'.repeat(300)];
const NUMBER_PROBES = [0, -1, 1.5, 1e9, -0];

/** Formats whose zod check is exactly a test of `def.pattern`. */
const PATTERN_FORMATS = new Set(['regex', 'date', 'datetime']);

/** An `overwrite` check that is `String.prototype.trim`, recognised by what it does. */
function isTrim(tx: ((value: string) => unknown) | undefined): boolean {
  if (!tx) return false;
  const probes = [' a b ', '\u00a0\ufeffX\u2028\t', 'AbC', '\r\n', ' \u3000é '];
  try {
    return probes.every((probe) => tx(probe) === probe.trim());
  } catch {
    return false;
  }
}

function compileString(def: ZodDef): StringCheck | undefined {
  let trim = false;
  let minLength = 0;
  let maxLength = Number.POSITIVE_INFINITY;
  const patterns: RegExp[] = [];
  if (def.format !== undefined) {
    if (!PATTERN_FORMATS.has(def.format) || !(def.pattern instanceof RegExp)) return undefined;
    patterns.push(def.pattern);
  }
  const checks = def.checks ?? [];
  for (const [position, check] of checks.entries()) {
    const inner = defOf(check);
    if (!runsAlways(inner.when, STRING_PROBES)) return undefined;
    switch (inner.check) {
      case 'min_length':
        minLength = Math.max(minLength, inner.minimum ?? 0);
        break;
      case 'max_length':
        maxLength = Math.min(maxLength, inner.maximum ?? Number.POSITIVE_INFINITY);
        break;
      case 'length_equals':
        minLength = Math.max(minLength, inner.length ?? 0);
        maxLength = Math.min(maxLength, inner.length ?? Number.POSITIVE_INFINITY);
        break;
      case 'string_format':
        if (!PATTERN_FORMATS.has(inner.format ?? '') || !(inner.pattern instanceof RegExp)) return undefined;
        patterns.push(inner.pattern);
        break;
      case 'overwrite':
        // Only a leading trim: any other transform, or a trim after a check, is left to zod.
        if (position !== 0 || !isTrim(inner.tx)) return undefined;
        trim = true;
        break;
      default:
        return undefined;
    }
  }
  // A global or sticky regex keeps state between tests; leave such patterns to zod.
  if (patterns.some((pattern) => pattern.global || pattern.sticky)) return undefined;
  return { kind: 'string', trim, minLength, maxLength, patterns };
}

function compileNumber(def: ZodDef): NumberCheck | undefined {
  let integer = false;
  let min = Number.NEGATIVE_INFINITY;
  let minInclusive = true;
  let max = Number.POSITIVE_INFINITY;
  let maxInclusive = true;
  for (const check of def.checks ?? []) {
    const inner = defOf(check);
    if (!runsAlways(inner.when, NUMBER_PROBES)) return undefined;
    switch (inner.check) {
      case 'number_format':
        if (inner.format !== 'safeint') return undefined;
        integer = true;
        break;
      case 'greater_than':
        if (inner.value === undefined || inner.value < min) return undefined;
        min = inner.value;
        minInclusive = inner.inclusive ?? false;
        break;
      case 'less_than':
        if (inner.value === undefined || inner.value > max) return undefined;
        max = inner.value;
        maxInclusive = inner.inclusive ?? false;
        break;
      default:
        return undefined;
    }
  }
  return { kind: 'number', integer, min, minInclusive, max, maxInclusive };
}

function compileEnum(def: ZodDef): EnumCheck | undefined {
  if ((def.checks ?? []).length > 0 || !def.entries) return undefined;
  const values = Object.values(def.entries);
  if (!values.every((value): value is string => typeof value === 'string')) return undefined;
  return { kind: 'enum', values };
}

/** The compiled check of a present value, or undefined when zod must decide every cell. */
function compileCheck(schema: unknown): FieldCheck | undefined {
  let def = defOf(schema);
  // Present values only reach the inner schema (the reader gives null or nothing for a missing cell).
  while ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
    def = defOf(def.innerType);
  }
  switch (def.type) {
    case 'string':
      return compileString(def);
    case 'number':
      return compileNumber(def);
    case 'enum':
      return compileEnum(def);
    case 'boolean':
      return (def.checks ?? []).length === 0 ? { kind: 'boolean' } : undefined;
    case 'array': {
      if ((def.checks ?? []).length > 0 || !def.element) return undefined;
      const elementDef = defOf(def.element);
      const element =
        elementDef.type === 'string'
          ? compileString(elementDef)
          : elementDef.type === 'enum'
            ? compileEnum(elementDef)
            : undefined;
      return element ? { kind: 'array', element } : undefined;
    }
    default:
      return undefined;
  }
}

/** Which Arrow column kinds can hold which checked values. */
function compatible(check: FieldCheck | undefined, spec: ColumnSpec, readerType: FieldType): boolean {
  const kind = spec.type.kind;
  if (kind === 'list-utf8') return readerType === 'array' && (check === undefined || check.kind === 'array');
  if (kind === 'bool') return readerType === 'boolean' && (check === undefined || check.kind === 'boolean');
  if (kind === 'int32' || kind === 'float64') {
    return (
      (readerType === 'integer' || readerType === 'number') &&
      (check === undefined || check.kind === 'number')
    );
  }
  return readerType === 'string' && (check === undefined || check.kind === 'string' || check.kind === 'enum');
}

const encoder = new TextEncoder();

function passingDictionary(
  spec: ColumnSpec,
  schema: z.ZodMiniType,
  countryField: boolean,
): FieldPlan['passingDictionary'] {
  if (spec.type.kind !== 'dictionary') return undefined;
  const values = spec.type.values ?? [];
  const countries = countryReference();
  const lookup = new ByteInterner();
  const indexOf: number[] = [];
  values.forEach((value, index) => {
    // The reader turns blank and `NA` cells into absent values before zod sees them.
    if (isMissingCell(value) || !schema.safeParse(value).success) return;
    if (countryField && !countries.byIso3(value)) return;
    const bytes = encoder.encode(value);
    if (lookup.find(bytes, 0, bytes.length) >= 0) return;
    lookup.intern(bytes, 0, bytes.length);
    indexOf.push(index);
  });
  return { lookup, indexOf: Int32Array.from(indexOf) };
}

/** validate.ts `countryFields`: fields whose values (or list items) are ISO3 codes. */
function countryFieldsOf(contract: TableContract): Set<string> {
  const schema = contractJsonSchema(contract) as { properties: Record<string, Record<string, unknown>> };
  return new Set(
    Object.entries(schema.properties)
      .filter(([, property]) => {
        const items = property.items as Record<string, unknown> | undefined;
        return property['x-vocabulary'] === 'iso3' || items?.['x-vocabulary'] === 'iso3';
      })
      .map(([name]) => name),
  );
}

/** Country codes a list item may hold and pass both its check and the country reference. */
function passingCountries(element: StringCheck | EnumCheck): ByteInterner {
  const codes = countryReference().rows.map((row) => row.iso3);
  return ByteInterner.of(
    codes.filter((code) => {
      if (element.kind === 'enum') return element.values.includes(code);
      return (
        !isMissingCell(code) &&
        code.trim() === code &&
        code.length >= element.minLength &&
        code.length <= element.maxLength &&
        element.patterns.every((pattern) => pattern.test(code))
      );
    }),
  );
}

const cache = new WeakMap<TableContract, ContractPlan>();

/** Compile a contract, or throw FastPathIneligibleError when the fast path cannot hold it. */
export function compileContract(contract: TableContract): ContractPlan {
  const known = cache.get(contract);
  if (known) return known;
  const shape = tableShape(contract);
  const specs = columnSpecs(contract);
  const objectDef = defOf(contract.schema);
  const fieldSchemas = objectDef.shape ?? {};
  const names = Object.keys(fieldSchemas);
  if (names.length !== specs.length || specs.some((spec, index) => spec.name !== names[index])) {
    ineligible('contract', `${contract.table}: the Arrow columns do not follow the contract fields`);
  }
  const countryFields = countryFieldsOf(contract);
  const fields = specs.map((spec, index): FieldPlan => {
    const schema = fieldSchemas[spec.name] as unknown as z.ZodMiniType;
    const readerType = shape.types[spec.name] ?? 'string';
    const check = compileCheck(schema);
    if (!compatible(check, spec, readerType)) {
      ineligible(
        'contract',
        `${contract.table}.${spec.name}: no fast column for ${spec.type.kind} from ${readerType}`,
      );
    }
    const nullable = shape.nullable.has(spec.name);
    const absent = schema.safeParse(nullable ? null : undefined);
    const countryField = countryFields.has(spec.name);
    const dictionary = passingDictionary(spec, schema, countryField);
    const enumCheck =
      check?.kind === 'enum'
        ? check
        : check?.kind === 'array' && check.element.kind === 'enum'
          ? check.element
          : undefined;
    const countryLookup =
      countryField && check?.kind === 'array' ? passingCountries(check.element) : undefined;
    return {
      name: spec.name,
      index,
      spec,
      readerType,
      schema,
      check,
      nullable,
      absent: absent.success ? { ok: true, value: absent.data } : { ok: false },
      countryField,
      ...(dictionary ? { passingDictionary: dictionary } : {}),
      ...(enumCheck ? { enumLookup: ByteInterner.of(enumCheck.values) } : {}),
      ...(countryLookup ? { countryLookup } : {}),
    };
  });

  const objectChecks = objectDef.checks ?? [];
  const refinement =
    objectChecks.length > 0
      ? (z.looseObject({}).check(...(objectChecks as never[])) as unknown as z.ZodMiniType)
      : undefined;
  const fieldIndex = (name: string) => {
    const index = names.indexOf(name);
    if (index < 0) ineligible('contract', `${contract.table}: key field '${name}' is not a contract field`);
    return index;
  };
  const waiting = contract.foreignKeys.filter((foreignKey) => foreignKey.reference.table !== 'country');
  if (waiting.some((foreignKey) => foreignKey.reference.table === contract.table)) {
    ineligible('contract', `${contract.table} refers to itself`);
  }
  const plan: ContractPlan = {
    contract,
    shape,
    fields,
    refinement,
    primaryKey: contract.primaryKey.map(fieldIndex),
    waitingForeignKeys: waiting.map((foreignKey) => fieldIndex(foreignKey.fields[0] ?? '')),
  };
  cache.set(contract, plan);
  return plan;
}

/** Stand-in locator used to find out which fields the reader fills with the row's locator. */
const LOCATOR_PROBE = '\u0000locator\u0000';

/** The provenance the reader fills into missing cells of this contract, per field index. */
export function readerFillers(
  plan: ContractPlan,
  docId: string,
  receivedAt: string | undefined,
): (Filler | undefined)[] {
  const probe: Record<string, unknown> = {};
  parserProvenance(plan.shape, probe, docId, LOCATOR_PROBE, receivedAt);
  return plan.fields.map((field) => {
    if (!(field.name in probe)) return undefined;
    const value = probe[field.name];
    if (value === undefined) return undefined;
    return value === LOCATOR_PROBE ? { kind: 'locator' } : { kind: 'constant', value };
  });
}
