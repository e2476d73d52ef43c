import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { THEME_JMDI } from '#contracts/vocabularies.ts';
import { countryReference } from './countries.ts';
import {
  type ReaderInput,
  type RowProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { canonicalEncoding, decodeText } from './text.ts';

/**
 * IATI activity XML (1.0x with inline text and letter codes, 2.0x with `narrative` and numeric
 * codes) → `jmdi_project`, `jmdi_partner` and `jmdi_result` rows (DOMAIN.md A1, §4.5).
 *
 * Safety: a DOCTYPE or ENTITY declaration is refused before parsing (XXE, billion laughs), and
 * the parser runs with entity processing off; only the five XML entities and character
 * references are decoded, here.
 *
 * Hierarchy: an activity whose parent (`related-activity type=1`) is in the same file is folded
 * into its parent's project (its partners and results join it); budgets are taken from each
 * project's own `budget` elements only, so a parent and its children are never added together.
 */

export const IATI_TABLES = ['jmdi_project', 'jmdi_partner', 'jmdi_result'] as const;

const ARRAY_TAGS = new Set([
  'iati-activity',
  'narrative',
  'title',
  'description',
  'participating-org',
  'other-identifier',
  'activity-date',
  'activity-status',
  'recipient-country',
  'recipient-region',
  'sector',
  'tag',
  'budget',
  'transaction',
  'related-activity',
  'result',
  'indicator',
  'period',
  'baseline',
  'target',
  'actual',
  'dimension',
  'value',
  'reporting-org',
]);

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  isArray: (tagName) => ARRAY_TAGS.has(tagName),
});

/** The five XML entities and character references; nothing else is ever expanded. */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
        return code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

// ---- code tables: 1.0x words/letters ↔ 2.0x numbers ------------------------------------------

const ACTIVITY_DATE_TYPES: Readonly<
  Record<string, 'start_planned' | 'start_actual' | 'end_planned' | 'end_actual'>
> = {
  '1': 'start_planned',
  '2': 'start_actual',
  '3': 'end_planned',
  '4': 'end_actual',
  'start-planned': 'start_planned',
  'start-actual': 'start_actual',
  'end-planned': 'end_planned',
  'end-actual': 'end_actual',
};

/** TransactionType: 1.0x letters → 2.0x numbers. */
export const TRANSACTION_TYPE_CODES: Readonly<Record<string, number>> = {
  IF: 1,
  C: 2,
  D: 3,
  E: 4,
  IR: 5,
  LR: 6,
  R: 7,
  QP: 8,
  QS: 9,
  CG: 10,
};

const ORGANISATION_ROLES: Readonly<Record<string, { code: number; role: string }>> = {
  '1': { code: 1, role: 'funding' },
  '2': { code: 2, role: 'accountable' },
  '3': { code: 3, role: 'extending' },
  '4': { code: 4, role: 'implementing' },
  funding: { code: 1, role: 'funding' },
  accountable: { code: 2, role: 'accountable' },
  extending: { code: 3, role: 'extending' },
  implementing: { code: 4, role: 'implementing' },
};

const ACTIVITY_STATUS_WORDS: Readonly<Record<string, number>> = {
  pipeline: 1,
  'pipeline/identification': 1,
  identification: 1,
  implementation: 2,
  completion: 3,
  finalisation: 3,
  'post-completion': 4,
  closed: 4,
  'operationally closed': 4,
  cancelled: 5,
  suspended: 6,
};

const RESULT_TYPE_WORDS: Readonly<Record<string, number>> = { output: 1, outcome: 2, impact: 3, other: 9 };
const MEASURE_WORDS: Readonly<Record<string, number>> = {
  unit: 1,
  percentage: 2,
  nominal: 3,
  ordinal: 4,
  qualitative: 5,
};

/** Own-vocabulary markers: 2.0x `99`/`98`, 1.0x `RO`/`RO2` (reporting organisation). */
const OWN_VOCABULARIES = new Set(['99', '98', 'RO', 'RO2']);

// ---- small helpers ------------------------------------------------------------------------------

function asArray(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) =>
    typeof item === 'object' && item !== null ? (item as XmlNode) : { '#text': String(item) },
  );
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  if (value === undefined || value === null) return undefined;
  const text = decodeXmlEntities(String(value)).trim();
  return text === '' ? undefined : text;
}

function ownText(node: XmlNode | undefined): string | undefined {
  const value = node?.['#text'];
  if (value === undefined || value === null) return undefined;
  const text = decodeXmlEntities(String(value)).trim();
  return text === '' ? undefined : text;
}

function first(node: XmlNode | undefined, tag: string): XmlNode | undefined {
  return asArray(node?.[tag])[0];
}

/**
 * Text by language: 2.0x `narrative` children, or the element's own text (1.0x, where a
 * translation is a repeated element: `<title xml:lang="fr">`). Pass every repetition.
 */
function narratives(
  nodes: XmlNode | readonly XmlNode[] | undefined,
  defaultLang: string,
): Map<string, string> {
  const texts = new Map<string, string>();
  const list = nodes === undefined ? [] : Array.isArray(nodes) ? nodes : [nodes as XmlNode];
  for (const node of list) addNarratives(texts, node, defaultLang);
  return texts;
}

function addNarratives(texts: Map<string, string>, node: XmlNode, defaultLang: string): void {
  for (const narrative of asArray(node.narrative)) {
    const text = ownText(narrative);
    const lang = (attr(narrative, 'xml:lang') ?? defaultLang).toLowerCase();
    if (text && !texts.has(lang)) texts.set(lang, text);
  }
  const inline = ownText(node);
  if (inline) {
    const lang = (attr(node, 'xml:lang') ?? defaultLang).toLowerCase();
    if (!texts.has(lang)) texts.set(lang, inline);
  }
}

function anyText(texts: Map<string, string>, defaultLang: string): string | undefined {
  return texts.get('en') ?? texts.get(defaultLang) ?? texts.values().next().value;
}

function isoDate(value: string | undefined): string | undefined {
  const match = value ? /^(\d{4}-\d{2}-\d{2})/.exec(value.trim()) : null;
  return match?.[1];
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const cleaned = value.replace(/,/g, '').trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

function slug(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

function codeOf(raw: string | undefined, table: Readonly<Record<string, number>>): number | undefined {
  if (!raw) return undefined;
  const numeric = numberOf(raw);
  if (numeric !== undefined && Number.isInteger(numeric)) return numeric;
  return table[raw.trim().toLowerCase()] ?? table[raw.trim().toUpperCase()];
}

// ---- the reader ---------------------------------------------------------------------------------

/** The encoding an XML declaration names (`<?xml version="1.0" encoding="ISO-8859-1"?>`). */
function declaredXmlEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const match = /^(?:\uFEFF|\xEF\xBB\xBF)?\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
    head,
  );
  return match?.[1];
}

/** Parse and check IATI XML; refuses DOCTYPE/ENTITY and malformed XML with line and column. */
export function parseIatiXml(input: Pick<ReaderInput, 'bytes' | 'fileName' | 'encoding'>): {
  root: XmlNode;
  encoding: string;
} {
  const xmlEncoding = declaredXmlEncoding(input.bytes);
  const declared =
    input.encoding ?? (xmlEncoding && canonicalEncoding(xmlEncoding) !== 'utf-8' ? xmlEncoding : undefined);
  const { text, encoding } = decodeText(input.bytes, input.fileName, declared);
  const doctype = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (doctype) {
    const line = text.slice(0, doctype.index).split('\n').length;
    throw new SourceRefusedError(
      `File '${input.fileName}' declares a ${doctype[1]?.toUpperCase()} (line ${line}); XML with DOCTYPE or ENTITY declarations is refused`,
      'xml-doctype',
      'IATI files never need a DOCTYPE: remove the <!DOCTYPE …> declaration (and any <!ENTITY …>) and upload again.',
      `line ${line}`,
    );
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    throw new SourceRefusedError(
      `File '${input.fileName}' is not well-formed XML at line ${line}, column ${col}: ${msg}`,
      'malformed',
      'Check that every element is closed and that & and < inside text are written &amp; and &lt;.',
      `line ${line}`,
    );
  }
  let document: XmlNode;
  try {
    document = parser.parse(text) as XmlNode;
  } catch (cause) {
    throw new SourceRefusedError(
      `File '${input.fileName}' could not be parsed as XML: ${cause instanceof Error ? cause.message : String(cause)}`,
      'malformed',
      'Check the XML structure (nesting depth, element names).',
      undefined,
      { cause },
    );
  }
  const root = first(document, 'iati-activities');
  if (!root) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is XML but not an IATI activity file (no <iati-activities> root)`,
      'not-iati',
      'Upload an IATI activity file (root element <iati-activities>); organisation files are not read.',
    );
  }
  return { root, encoding };
}

interface ActivityInfo {
  readonly node: XmlNode;
  readonly position: number;
  readonly identifier: string;
  readonly hierarchy?: number;
  readonly related: { type: string; ref: string }[];
  parent?: string;
}

/** Read an IATI activity file into JMDI project, partner and result rows. */
export async function readIatiXml(input: ReaderInput): Promise<SourceReadResult> {
  const { root, encoding } = parseIatiXml(input);
  const version = attr(root, 'version') ?? attr(first(root, 'iati-activity'), 'version');
  const activities = asArray(root['iati-activity']);
  const isV1 = version ? version.startsWith('1.') : !activities.some((activity) => hasNarrative(activity));
  const rows: SourceRow[] = [];
  const rootLang = attr(root, 'xml:lang') ?? 'en';

  const infos: ActivityInfo[] = activities.map((node, index) => {
    const identifier = ownText(first(node, 'iati-identifier')) ?? `activity-${index + 1}`;
    const hierarchy = numberOf(attr(node, 'hierarchy'));
    const related = asArray(node['related-activity']).map((item) => ({
      type: attr(item, 'type') ?? '',
      ref: attr(item, 'ref') ?? ownText(item) ?? '',
    }));
    return {
      node,
      position: index + 1,
      identifier,
      ...(hierarchy !== undefined ? { hierarchy } : {}),
      related,
    };
  });
  const byIdentifier = new Map(infos.map((info) => [info.identifier, info]));
  for (const info of infos) {
    // type 1 = parent. A parent that lists the child (type 2) works too.
    const parentRef = info.related.find(
      (item) => item.type === '1' || item.type.toLowerCase() === 'parent',
    )?.ref;
    const parentFromChildList = infos.find((candidate) =>
      candidate.related.some(
        (item) => (item.type === '2' || item.type.toLowerCase() === 'child') && item.ref === info.identifier,
      ),
    );
    const parent = parentRef && byIdentifier.has(parentRef) ? parentRef : parentFromChildList?.identifier;
    if (parent && parent !== info.identifier) info.parent = parent;
  }
  const topOf = (info: ActivityInfo): ActivityInfo => {
    let current = info;
    const seen = new Set<string>();
    while (current.parent && !seen.has(current.identifier)) {
      seen.add(current.identifier);
      const next = byIdentifier.get(current.parent);
      if (!next) break;
      current = next;
    }
    return current;
  };

  const projectIds = new Map<string, string>();
  const projectCountries = new Map<string, string>();
  const partnerKeys = new Set<string>();
  const resultCounters = new Map<string, number>();
  const transactions: Record<string, unknown>[] = [];

  for (const info of infos) {
    const top = topOf(info);
    const defaultLang = (attr(info.node, 'xml:lang') ?? rootLang).toLowerCase();
    const locator = `/iati-activities/iati-activity[${info.position}]`;
    const provenance = (where: string) => ({
      source_doc_id: input.docId,
      source_locator: where,
      extraction_method: 'parser',
      confidence: 'high',
      ...(input.receivedAt ? { extracted_at: input.receivedAt } : {}),
    });
    if (top === info) {
      const problems: RowProblem[] = [];
      const project = projectRow(info, defaultLang, problems);
      projectIds.set(info.identifier, String(project.project_id));
      if (typeof project.target_country_iso3 === 'string') {
        projectCountries.set(info.identifier, project.target_country_iso3);
      }
      rows.push({
        table: 'jmdi_project',
        locator,
        values: { ...project, ...provenance(locator) },
        ...(problems.length ? { problems } : {}),
      });
    }
    const projectId = projectIds.get(top.identifier) ?? projectIdOf(top.node, top.identifier);

    asArray(info.node['participating-org']).forEach((org, index) => {
      const where = `${locator}/participating-org[${index + 1}]`;
      const roleRaw = attr(org, 'role');
      const role = roleRaw ? ORGANISATION_ROLES[roleRaw.toLowerCase()] : undefined;
      const name = anyText(narratives(org, defaultLang), defaultLang);
      const ref = attr(org, 'ref');
      const problems: RowProblem[] = [];
      if (!role) {
        problems.push({
          field: 'role',
          rule: 'unknown-org-role',
          message: `participating-org role '${roleRaw ?? ''}' is not an IATI OrganisationRole (1–4 or Funding/Accountable/Extending/Implementing)`,
          value: roleRaw ?? '',
          rejectsRow: true,
        });
      }
      if (!ref && !name) {
        problems.push({
          field: 'org_id',
          rule: 'partner-unidentified',
          message: 'participating-org has neither a ref nor a name, so the partner cannot be identified',
          hint: 'Give the organisation its IATI identifier (ref="…") or at least its name (<narrative>…</narrative>)',
          rejectsRow: true,
        });
      }
      // DOMAIN.md §4.2: an organisation without an IATI identifier is LOCAL-{ISO3}-{slug}.
      const country = projectCountries.get(top.identifier) ?? 'XXX';
      const orgId = ref ?? (name ? `LOCAL-${country}-${slug(name).toLowerCase()}` : undefined);
      const key = `${projectId}|${orgId}|${role?.role ?? roleRaw}`;
      if (orgId && partnerKeys.has(key)) return; // the same partner reported again by a child activity
      partnerKeys.add(key);
      rows.push({
        table: 'jmdi_partner',
        locator: where,
        ...(problems.length ? { problems } : {}),
        values: {
          project_id: projectId,
          ...(orgId ? { org_id: orgId } : {}),
          ...(name ? { org_name: name } : {}),
          role: role?.role ?? roleRaw ?? '',
          ...(role ? { iati_role_code: role.code } : {}),
          ...(attr(org, 'type') ? { org_type: attr(org, 'type') } : {}),
          ...(attr(org, 'activity-id') ? { org_activity_id: attr(org, 'activity-id') } : {}),
          ...(info !== top ? { via_activity: info.identifier } : {}),
          ...provenance(where),
        },
      });
    });

    asArray(info.node.result).forEach((result, resultIndex) => {
      const resultWhere = `${locator}/result[${resultIndex + 1}]`;
      const resultType = codeOf(attr(result, 'type'), RESULT_TYPE_WORDS);
      const resultTitle = anyText(narratives(asArray(result.title), defaultLang), defaultLang);
      asArray(result.indicator).forEach((indicator, indicatorIndex) => {
        const indicatorWhere = `${resultWhere}/indicator[${indicatorIndex + 1}]`;
        const baseline = asArray(indicator.baseline)[0];
        const baselineDims = dimensions(baseline);
        const common = {
          project_id: projectId,
          ...(resultType !== undefined ? { result_type: resultType } : {}),
          ...(resultTitle ? { result_title: resultTitle } : {}),
          ...optionalEntry(
            'indicator_title',
            anyText(narratives(asArray(indicator.title), defaultLang), defaultLang),
          ),
          ...optionalEntry('measure', codeOf(attr(indicator, 'measure'), MEASURE_WORDS)),
          ...optionalEntry('baseline_value', attr(baseline, 'value') ?? ownText(baseline)),
          ...optionalEntry(
            'baseline_year',
            numberOf(attr(baseline, 'year') ?? attr(baseline, 'iso-date')?.slice(0, 4)),
          ),
          ...(info !== top ? { via_activity: info.identifier } : {}),
        };
        const periods = asArray(indicator.period);
        const emit = (where: string, extra: Record<string, unknown>) => {
          const count = (resultCounters.get(projectId) ?? 0) + 1;
          resultCounters.set(projectId, count);
          rows.push({
            table: 'jmdi_result',
            locator: where,
            values: {
              result_id: `${projectId}-R${String(count).padStart(2, '0')}`,
              ...common,
              ...extra,
              ...provenance(where),
            },
          });
        };
        if (periods.length === 0) {
          emit(indicatorWhere, dimensionField(baselineDims));
          return;
        }
        periods.forEach((period, periodIndex) => {
          const target = asArray(period.target)[0];
          const actual = asArray(period.actual)[0];
          emit(`${indicatorWhere}/period[${periodIndex + 1}]`, {
            ...optionalEntry('target_value', attr(target, 'value') ?? ownText(target)),
            ...optionalEntry('actual_value', attr(actual, 'value') ?? ownText(actual)),
            ...optionalEntry('period_start', isoDate(attr(first(period, 'period-start'), 'iso-date'))),
            ...optionalEntry('period_end', isoDate(attr(first(period, 'period-end'), 'iso-date'))),
            ...dimensionField({ ...baselineDims, ...dimensions(target), ...dimensions(actual) }),
          });
        });
      });
    });

    asArray(info.node.transaction).forEach((transaction, index) => {
      const typeNode = first(transaction, 'transaction-type');
      const rawType = attr(typeNode, 'code') ?? ownText(typeNode);
      const value = asArray(transaction.value)[0];
      transactions.push({
        activity: info.identifier,
        locator: `${locator}/transaction[${index + 1}]`,
        ...optionalEntry('type_raw', rawType),
        ...optionalEntry(
          'type',
          rawType ? (TRANSACTION_TYPE_CODES[rawType.toUpperCase()] ?? numberOf(rawType)) : undefined,
        ),
        ...optionalEntry('date', isoDate(attr(first(transaction, 'transaction-date'), 'iso-date'))),
        ...optionalEntry('amount', numberOf(ownText(value))),
        ...optionalEntry('currency', attr(value, 'currency') ?? attr(info.node, 'default-currency')),
      });
    });
  }

  return {
    format: `iati-xml-${version ?? (isV1 ? '1.0x' : '2.0x')}`,
    declaredContracts: {},
    rows,
    notices: [],
    metadata: {
      encoding,
      iatiVersion: version ?? null,
      dialect: isV1 ? '1.0x' : '2.0x',
      activities: infos.map((info) => ({
        iati_identifier: info.identifier,
        ...(info.hierarchy !== undefined ? { hierarchy: info.hierarchy } : {}),
        related: info.related,
        ...(info.parent ? { parent: info.parent } : {}),
        ...(projectIds.has(info.identifier) ? { project_id: projectIds.get(info.identifier) } : {}),
        budget: ownBudget(info.node),
      })),
      transactions,
    },
  };
}

function hasNarrative(activity: XmlNode): boolean {
  return asArray(activity.title).some((title) => asArray(title.narrative).length > 0);
}

function optionalEntry<K extends string>(key: K, value: unknown): Partial<Record<K, unknown>> {
  return value === undefined || value === null || value === ''
    ? {}
    : ({ [key]: value } as Record<K, unknown>);
}

function dimensions(node: XmlNode | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  for (const dimension of asArray(node?.dimension)) {
    const name = attr(dimension, 'name');
    const value = attr(dimension, 'value');
    if (name && value !== undefined) found[name] = value;
  }
  return found;
}

function dimensionField(dims: Record<string, string>): Record<string, unknown> {
  return Object.keys(dims).length ? { disaggregation: JSON.stringify(dims) } : {};
}

function projectIdOf(node: XmlNode, identifier: string): string {
  const other = asArray(node['other-identifier'])[0];
  const code = attr(other, 'ref') ?? ownText(other);
  return `JMDI1-${slug(code ?? identifier)}`;
}

/** Sum of the activity's own budgets: per period the revised budget (type 2) replaces the original. */
function ownBudget(
  node: XmlNode,
): { amount: number; currency: string } | { mixedCurrencies: string[] } | null {
  const byPeriod = new Map<string, { type: string; amount: number; currency: string }>();
  for (const budget of asArray(node.budget)) {
    const value = asArray(budget.value)[0];
    const amount = numberOf(ownText(value));
    if (amount === undefined) continue;
    const currency = attr(value, 'currency') ?? attr(node, 'default-currency') ?? '';
    const period = `${attr(first(budget, 'period-start'), 'iso-date') ?? ''}/${attr(first(budget, 'period-end'), 'iso-date') ?? ''}`;
    const type = attr(budget, 'type') ?? '1';
    const previous = byPeriod.get(period);
    if (!previous || (previous.type !== '2' && type === '2'))
      byPeriod.set(period, { type, amount, currency });
    else if (previous.type === type) previous.amount += amount;
  }
  if (byPeriod.size === 0) return null;
  const currencies = [...new Set([...byPeriod.values()].map((item) => item.currency))];
  if (currencies.length > 1) return { mixedCurrencies: currencies };
  return {
    amount: [...byPeriod.values()].reduce((sum, item) => sum + item.amount, 0),
    currency: currencies[0] ?? '',
  };
}

function projectRow(
  info: ActivityInfo,
  defaultLang: string,
  problems: RowProblem[],
): Record<string, unknown> {
  const node = info.node;
  const otherIdentifier = asArray(node['other-identifier'])[0];
  const jmdiCode = attr(otherIdentifier, 'ref') ?? ownText(otherIdentifier);
  const projectId = projectIdOf(node, info.identifier);
  const titles = narratives(asArray(node.title), defaultLang);
  const descriptions = asArray(node.description);
  const general = descriptions.filter((description) => (attr(description, 'type') ?? '1') === '1');
  const generalTexts = narratives(general.length ? general : descriptions.slice(0, 1), defaultLang);
  const values: Record<string, unknown> = {
    project_id: projectId,
    ...optionalEntry('jmdi_code', jmdiCode),
    iati_identifier: info.identifier,
    ...optionalEntry('title_en', titles.get('en')),
    ...optionalEntry('title_fr', titles.get('fr')),
    ...optionalEntry('title_es', titles.get('es')),
    ...optionalEntry('description_en', generalTexts.get('en')),
  };

  // Recipient country: alpha-2 → ISO3; the largest percentage is the target country.
  const countries = asArray(node['recipient-country']).map((country, index) => ({
    code: attr(country, 'code') ?? ownText(country) ?? '',
    percentage: numberOf(attr(country, 'percentage')) ?? 0,
    where: `recipient-country[${index + 1}]`,
  }));
  const resolved: { iso3: string; percentage: number }[] = [];
  for (const country of countries) {
    const resolution = countryReference().resolve(country.code);
    if (resolution.ok) resolved.push({ iso3: resolution.iso3, percentage: country.percentage });
    else {
      problems.push({
        field: 'target_country_iso3',
        rule: 'country-unresolved',
        message: `recipient-country code '${country.code}' (${country.where}) is not an ISO 3166-1 alpha-2 code`,
        value: country.code,
        hint: resolution.hint,
        rejectsRow: true,
      });
    }
  }
  resolved.sort((a, b) => b.percentage - a.percentage);
  const target = resolved[0];
  if (target) values.target_country_iso3 = target.iso3;
  if (resolved.length > 1) {
    problems.push({
      field: 'target_country_iso3',
      rule: 'multiple-recipient-countries',
      message: `Activity has ${resolved.length} recipient countries (${resolved.map((item) => `${item.iso3} ${item.percentage}%`).join(', ')}); ${target?.iso3} (largest share) is the target country`,
      rejectsRow: false,
    });
  } else if (countries.length === 0) {
    problems.push({
      field: 'target_country_iso3',
      rule: 'country-missing',
      message: 'Activity has no recipient-country, so its JMDI target country is unknown',
      hint: 'Add <recipient-country code="…"/> with the ISO 3166-1 alpha-2 code.',
      rejectsRow: true,
    });
  }

  // Theme: only from an explicit own-vocabulary sector or tag whose code is a JMDI theme.
  const themes: string[] = [];
  for (const element of [...asArray(node.sector), ...asArray(node.tag)]) {
    const vocabulary = attr(element, 'vocabulary');
    const code = (attr(element, 'code') ?? '').toLowerCase();
    if (
      vocabulary &&
      OWN_VOCABULARIES.has(vocabulary.toUpperCase()) &&
      (THEME_JMDI as readonly string[]).includes(code)
    ) {
      if (!themes.includes(code)) themes.push(code);
    }
  }
  if (themes[0]) {
    values.theme_primary = themes[0];
    if (themes.length > 1) values.themes_secondary = themes.slice(1);
  } else {
    problems.push({
      field: 'theme_primary',
      rule: 'theme-missing',
      message: `Activity '${info.identifier}' has no JMDI theme: no sector or tag of vocabulary 99 with code ${THEME_JMDI.join('/')}`,
      hint: 'Add <tag vocabulary="99" code="remittances"/> (or communities, capacities, rights), or supply the project as a jmdi_project CSV row.',
      rejectsRow: true,
    });
  }

  const statusNode = first(node, 'activity-status');
  const status = codeOf(attr(statusNode, 'code') ?? ownText(statusNode), ACTIVITY_STATUS_WORDS);
  if (status !== undefined && status >= 1 && status <= 6) values.activity_status = status;
  values.selection_status =
    status === 2 || status === 3 || status === 4 ? 'implemented' : status === 5 ? 'withdrawn' : 'unknown';

  for (const date of asArray(node['activity-date'])) {
    const field = ACTIVITY_DATE_TYPES[(attr(date, 'type') ?? '').toLowerCase()];
    const value = isoDate(attr(date, 'iso-date') ?? ownText(date));
    if (field && value && values[field] === undefined) values[field] = value;
  }

  const budget = ownBudget(node);
  if (budget && 'amount' in budget) {
    values.total_budget_amount = budget.amount;
    if (budget.currency) values.total_budget_currency = budget.currency;
  } else if (budget) {
    problems.push({
      field: 'total_budget_amount',
      rule: 'mixed-currency',
      message: `Budgets are in several currencies (${budget.mixedCurrencies.map((currency) => currency || 'no currency').join(', ')}); no total is given`,
      rejectsRow: false,
    });
  }
  // jmdi_grant_amount: incoming commitments (TransactionType 11) of this activity only. The
  // contract has no currency for the grant and every surface shows it in EUR (the JMDI grants
  // were EU money), so commitments in another currency, or stating none, give no grant: a
  // notice says why, rather than a USD figure published as euros.
  const commitments = asArray(node.transaction).filter((transaction) => {
    const typeNode = first(transaction, 'transaction-type');
    return (attr(typeNode, 'code') ?? ownText(typeNode)) === '11';
  });
  const grant = commitments.reduce(
    (sum, transaction) => sum + (numberOf(ownText(asArray(transaction.value)[0])) ?? 0),
    0,
  );
  const grantCurrencies = [
    ...new Set(
      commitments.map(
        (transaction) =>
          attr(asArray(transaction.value)[0], 'currency') ?? attr(node, 'default-currency') ?? 'no currency',
      ),
    ),
  ];
  if (grantCurrencies.length === 1 && grantCurrencies[0] === 'EUR') values.jmdi_grant_amount = grant;
  else if (commitments.length) {
    problems.push({
      field: 'jmdi_grant_amount',
      rule: 'grant-currency',
      message: `Incoming commitments (transaction type 11) are in ${grantCurrencies.join(', ')}, not EUR: no JMDI grant is given`,
      hint: 'Give the commitments in EUR (value/@currency or iati-activity/@default-currency), or supply the grant in a jmdi_project CSV row.',
      rejectsRow: false,
    });
  }
  return values;
}
