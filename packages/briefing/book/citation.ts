import type { CitedSource } from '#contracts/briefing/sources.ts';
import { organisationName } from '#contracts/reference/organisations.ts';

/**
 * One citation style for every export that lists sources: `Publisher (Year). Title. URL.
 * Licence: …. [document id]`. What the sources item carries is used; what it lacks is said
 * ("publisher not recorded"), never guessed, and a document without a registry entry falls back
 * visibly to its id.
 */
export interface Citation {
  readonly id: string;
  /** False when the sources item has no registry entry (no title) for the document. */
  readonly registered: boolean;
  readonly illustrative: boolean;
  readonly title?: string;
  readonly publisher?: string;
  readonly year?: string;
  readonly url?: string;
  readonly licence?: string;
  /** The citation as one line of plain text. */
  readonly text: string;
}

/** Fields a richer source registry may add to the sources item (read when present). */
type RegistryFields = Partial<
  Record<'publisher' | 'publisher_org_id' | 'year' | 'publication_date' | 'publication_year', unknown>
>;

const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : undefined;

/** The citation of one cited source. */
export function citationOf(source: CitedSource): Citation {
  const extra = source as CitedSource & RegistryFields;
  const publisherCode = textOf(extra.publisher_org_id);
  const publisher =
    textOf(extra.publisher) ?? (publisherCode ? organisationName(publisherCode, 'name') : undefined);
  const year =
    textOf(extra.year) ?? textOf(extra.publication_year) ?? textOf(extra.publication_date)?.slice(0, 4);
  // A document the registry does not describe keeps its id as its title ('untitled').
  const untitled = (source as { registered_by?: string }).registered_by === 'untitled';
  const title = untitled ? undefined : textOf(source.title);
  const url = textOf(source.url);
  const licence = textOf(source.licence);
  const illustrative = source.illustrative === true;
  const parts = title
    ? [
        `${publisher ?? 'Publisher not recorded'} (${year ?? 'n.d.'}).`,
        `${title}.`,
        url ? `${url}.` : '',
        `Licence: ${licence ?? 'not recorded'}.`,
        illustrative ? 'ILLUSTRATIVE — invented sample content, not evidence.' : '',
        `[${source.source_doc_id}]`,
      ]
    : [`${source.source_doc_id} — not in the source registry: title, publisher, year and licence unknown.`];
  return {
    id: source.source_doc_id,
    registered: title !== undefined,
    illustrative,
    ...(title ? { title } : {}),
    ...(publisher ? { publisher } : {}),
    ...(year ? { year } : {}),
    ...(url ? { url } : {}),
    ...(licence ? { licence } : {}),
    text: parts.filter(Boolean).join(' '),
  };
}
