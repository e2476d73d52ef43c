import { type PlausibilityRule, plausibilityCheck } from './plausibility.ts';
import type { SourceKind } from './source-kinds.ts';
import { CONFIDENCE, EXTRACTION_METHOD } from './vocabularies.ts';
import * as z from './zod.ts';

/** A foreign key from this table's `fields` to another table's `fields` (Frictionless shape). */
export interface ForeignKey {
  readonly fields: readonly string[];
  readonly reference: { readonly table: string; readonly fields: readonly string[] };
}

/** A versioned data contract for one table. */
export interface TableContract<S extends z.ZodMiniObject = z.ZodMiniObject> {
  /** Table name, unique across the evidence base (`pilot_milestone`). */
  readonly table: string;
  /** The source kind whose files carry rows of this table. */
  readonly kind: SourceKind;
  /** Semantic version; a file may declare `table@major.minor.patch`. */
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly schema: S;
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ForeignKey[];
  /** True when the pipeline fills the provenance columns (parser-extracted rows). */
  readonly provenanceFromParser: boolean;
  /** What a valid row must also be to be believed (data-contracts/plausibility.ts); part of `schema`. */
  readonly plausibility: readonly PlausibilityRule[];
}

/** What a contract module declares: the contract, its schema as the function that builds it. */
export type TableDeclaration<S extends z.ZodMiniObject> = Omit<
  TableContract<S>,
  'schema' | 'foreignKeys' | 'provenanceFromParser' | 'plausibility'
> &
  Partial<Pick<TableContract<S>, 'foreignKeys' | 'provenanceFromParser' | 'plausibility'>> & {
    readonly schema: () => S;
  };

/**
 * A contract; its plausibility rules become a check of its schema, run wherever the schema is.
 *
 * The schema is built on first read of `schema`, then kept: importing the contracts builds no zod
 * schema, so a Lambda that validates one source kind builds only that kind's schemas, after its
 * cold start (building all of them was the largest part of every bundle's own top-level code;
 * BENCHMARKS.md, "Cold import on Node 24").
 */
export function defineTable<S extends z.ZodMiniObject>(declaration: TableDeclaration<S>): TableContract<S> {
  const { schema: buildSchema, ...fields } = declaration;
  const plausibility = declaration.plausibility ?? [];
  let schema: S | undefined;
  const contract = { foreignKeys: [], provenanceFromParser: false, ...fields, plausibility };
  return Object.defineProperty(contract, 'schema', {
    enumerable: true,
    get(): S {
      if (schema === undefined) {
        const built = buildSchema();
        schema = plausibility.length > 0 ? (built.check(plausibilityCheck(plausibility)) as S) : built;
      }
      return schema;
    },
  }) as TableContract<S>;
}

/** `contract id` as written in files and Arrow metadata: `table@version`. */
export function contractId(contract: Pick<TableContract, 'table' | 'version'>): string {
  return `${contract.table}@${contract.version}`;
}

// ---- field building blocks --------------------------------------------------------------------

export const iso3 = () =>
  z
    .string()
    .check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code such as MDA'))
    .register(z.globalRegistry, { 'x-arrow': 'dictionary', 'x-vocabulary': 'iso3' });

export const isoDate = () => z.iso.date({ error: 'must be a date written YYYY-MM-DD' });

export const isoDateTime = () => z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const text = (max = 4000) =>
  z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max));

export const identifier = (pattern?: RegExp, hint?: string) =>
  pattern
    ? z.string().check(z.regex(pattern, hint ?? `must match ${pattern}`))
    : z.string().check(z.minLength(1), z.maxLength(200));

export const vocab = <const T extends readonly [string, ...string[]]>(values: T, name: string) =>
  z.enum(values).register(z.globalRegistry, { 'x-arrow': 'dictionary', 'x-vocabulary': name });

export const vocabList = <const T extends readonly [string, ...string[]]>(values: T, name: string) =>
  z.array(vocab(values, name));

/** Provenance: required on every fact row (DOMAIN.md §4.1). */
export const provenanceFields = {
  source_doc_id: z
    .string()
    .check(z.minLength(1))
    .register(z.globalRegistry, { description: 'FK source_document.doc_id: the document the row states' }),
  source_locator: z
    .string()
    .check(z.minLength(1), z.maxLength(500))
    .register(z.globalRegistry, { description: 'page, sheet!cell, XPath, row number or URL fragment' }),
  extraction_method: vocab(EXTRACTION_METHOD, 'extraction_method'),
  extracted_at: z.optional(isoDateTime()),
  confidence: vocab(CONFIDENCE, 'confidence'),
  as_of_date: z.optional(isoDate()),
  reviewer: z.optional(z.string().check(z.maxLength(200))),
} as const;

export const PROVENANCE_FIELDS = Object.keys(provenanceFields) as (keyof typeof provenanceFields)[];
