import type * as z from '../zod.ts';
import { countryBody } from './country.ts';
import { eventBody } from './event.ts';
import type { BriefingItem, BriefingItemType } from './item.ts';
import { briefingLineage } from './provenance.ts';
import { sourcesBody } from './sources.ts';
import { themeBody } from './theme.ts';

/**
 * The briefing item as a versioned output contract, and the check every item passes before a
 * version is written (packages/pipeline/publish.ts): a body that does not match its type's
 * schema — an unknown field, a missing one, a wrong type — stops the publish, naming the item
 * and the field, instead of reaching analysts.
 *
 * To add a field: add it to the body's schema (a new optional field is a minor version, a
 * renamed or removed one a major version), then have the builder (packages/briefing/) fill it.
 */
export const BRIEFING_CONTRACT = {
  name: 'briefing_item',
  /**
   * Semantic version of the item bodies and lineage. 2.0.0: every item, statement and derived
   * section carries `confidence` and `illustrative`; documents carry their registered title. 2.1.0: survey statistics with bases
   * (country `survey.statistics`, theme `survey_statistics`). 2.2.0: the pilots' status history
   * (country `pilot_status`), the pilot's programme, event date precision, event co-hosts.
   * 2.3.0: context figures by sex (country `context_figures[].by_sex`), each project's JMDI grant
   * (country `jmdi.projects[].jmdi_grant_amount`).
   * 3.0.0 (breaking): lineage names rows as locator ranges (`ranges`) instead of one locator
   * string per row (`locators`), and the sources item lists a dangling reference once per value
   * and document with its rows as ranges — see BRIEFING_CONTRACT_CHANGES.
   * 4.0.0 (breaking): country `jmdi.budget_eur_total` leaves withdrawn projects out, and
   * `jmdi.withdrawn_budget_eur_total` gives theirs apart — see BRIEFING_CONTRACT_CHANGES.
   * 4.1.0: a context figure of a source series no indicator map names carries `unmapped: true`
   * (its label says so, a caveat says how to bring it in).
   * 4.2.0: a JMDI theme item lists the projects naming it as a secondary theme, counted on their
   * primary one (theme `n_secondary_projects`, `secondary_projects`).
   * 4.3.0: a key that several live files claim with the same row (equal in every contract field
   * but where it came from) is published once and listed in the sources item's
   * `agreeing_claims`, no longer held back as a key conflict; key-conflict caveats are one per
   * table and set of files, with the number of keys and the first ones.
   */
  version: '4.3.0',
} as const;

/**
 * Breaking changes of the briefing contract since this list was kept (3.0.0), with the reason
 * (CONTRACTS.md lists them).
 * Items stored under an older major are read as the current one by storage
 * (packages/storage/briefing-store.ts), so rollbacks and old versions stay readable.
 */
export const BRIEFING_CONTRACT_CHANGES = [
  {
    version: '4.0.0',
    change:
      "Country `jmdi.budget_eur_total` is the sum of the EUR total budgets of the projects not withdrawn (before: withdrawn projects included); the new `jmdi.withdrawn_budget_eur_total` is that of the withdrawn projects. The exports' `jmdi_budget_eur_total` follows, beside a new `jmdi_withdrawn_budget_eur_total` column. A version published under 3.x keeps its stored bodies (its record's `contract` says 3.0.0); the CLI page, the book, the Markdown brief and the exports derive both figures from the projects, so they read the same for every version, and the next refresh publishes a 4.0.0 version (its content differs).",
    why: 'Two EUR totals meant different things under one name: the item and the CSV included withdrawn projects, the CLI page, the book and the Markdown brief left them out, so a reader comparing the CSV with the page saw two numbers (trial 2026-12-03-b, finding 8). A withdrawn project spent nothing on its aims; its budget is a figure of its own.',
  },
  {
    version: '3.0.0',
    change:
      "Lineage names every row as locator ranges: `lineage.sources[].ranges` (`{ table, first, last? }`: consecutive rows of one table of one file whose locators count up by one at one place) replaces `lineage.sources[].locators` (one `<table> <locator>` string per row). Expanding the ranges gives exactly the old list, in order; `rows` still counts them. The same for the sources item's `integrity_problems`: one entry per table, field, value and document with `rows` and `ranges` replaces one entry per row with its `locator`.",
    why: 'Item size at scale: one survey upload of 1M rows put about 1M locator strings into the lineage and, as its respondents were in no live file, 980,018 one-row dangling-reference entries into the sources item (a 383 MB JSON export), which every refresh hashed, diffed, rendered and wrote. As ranges the lineage of those rows is 32,704 ranges (2.4 MB of JSON) and the dangling references 48,774 entries, one per missing respondent (16 MB).',
  },
] as const;

/** `briefing_item@4.3.0`, recorded with every version. */
export const BRIEFING_CONTRACT_ID = `${BRIEFING_CONTRACT.name}@${BRIEFING_CONTRACT.version}`;

/** The body schema of each item type. */
export const BRIEFING_BODY_SCHEMAS = {
  country: countryBody,
  theme: themeBody,
  event: eventBody,
  sources: sourcesBody,
} as const satisfies Record<BriefingItemType, z.ZodMiniType>;

/** An item that does not match the briefing contract; `path` is the first offending field. */
export class BriefingContractError extends Error {
  override readonly name = 'BriefingContractError';
  readonly item: string;
  readonly path: string;
  constructor(item: string, path: string, message: string) {
    super(`${item}: ${path || 'body'}: ${message} (briefing contract ${BRIEFING_CONTRACT_ID})`);
    this.item = item;
    this.path = path;
  }
}

function firstIssue(error: z.core.$ZodError, prefix: string): { path: string; message: string } {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  const keys = issue && 'keys' in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(', ')}` : '';
  return { path, message: `${issue?.message ?? 'invalid'}${keys}` };
}

/** Throws BriefingContractError when the item's body or lineage breaks the contract. */
export function checkBriefingItem(item: BriefingItem): void {
  const key = `${item.type}#${item.id}`;
  const schema = BRIEFING_BODY_SCHEMAS[item.type];
  if (!schema) throw new BriefingContractError(key, 'type', `unknown item type '${String(item.type)}'`);
  const body = schema.safeParse(item.body);
  if (!body.success) {
    const { path, message } = firstIssue(body.error, 'body');
    throw new BriefingContractError(key, path, message);
  }
  if (item.lineage !== undefined) {
    const lineage = briefingLineage.safeParse(item.lineage);
    if (!lineage.success) {
      const { path, message } = firstIssue(lineage.error, 'lineage');
      throw new BriefingContractError(key, path, message);
    }
  }
}
