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
   */
  version: '2.3.0',
} as const;

/** `briefing_item@2.3.0`, recorded with every version. */
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
  constructor(
    readonly item: string,
    readonly path: string,
    message: string,
  ) {
    super(`${item}: ${path || 'body'}: ${message} (briefing contract ${BRIEFING_CONTRACT_ID})`);
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
