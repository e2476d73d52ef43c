import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveConfidence, weakestConfidence } from '#contracts/source-registry.ts';
import { CONFIDENCE } from '#contracts/vocabularies.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { testSeed } from '../../support/seed.ts';

/**
 * The marks a briefing item carries (data-contracts/briefing/provenance.ts), as a property: for
 * any mix of real, illustrative and unregistered documents and stated confidences, an item is
 * illustrative exactly when a row it shows rests on an illustrative document, its confidence is
 * the weakest of those rows, and an illustrative item says so first in its caveats.
 */

const DOCS = ['DOC-real', 'DOC-invented', 'DOC-unregistered'] as const;
const ILLUSTRATIVE = new Set(['DOC-invented']);

const project = fc.record({
  country: fc.constantFrom('MDA', 'MUS'),
  theme: fc.constantFrom('remittances', 'rights'),
  doc: fc.constantFrom(...DOCS),
  confidence: fc.option(fc.constantFrom(...CONFIDENCE), { nil: undefined }),
});

function tablesOf(projects: readonly (typeof project extends fc.Arbitrary<infer T> ? T : never)[]) {
  const ref = (table: string, locator: string, doc: string, confidence?: string) => ({
    table,
    locator,
    file_sha256: 'a'.repeat(64),
    raw_key: `raw/x/${'a'.repeat(64)}/f.csv`,
    source_doc_id: doc,
    ...(confidence ? { confidence } : {}),
  });
  const jmdi_project: CuratedRow[] = projects.map((entry, at) => ({
    row: {
      project_id: `JMDI1-P${at}`,
      target_country_iso3: entry.country,
      theme_primary: entry.theme,
      ...(entry.confidence ? { confidence: entry.confidence } : {}),
    },
    ref: ref('jmdi_project', `line ${at + 2}`, entry.doc, entry.confidence),
  }));
  const source_document: CuratedRow[] = [
    {
      row: { doc_id: 'DOC-real', title: 'A real report', illustrative: false },
      ref: ref('source_document', 'r1', 'DOC-x'),
    },
    {
      row: { doc_id: 'DOC-invented', title: 'Samples', illustrative: true },
      ref: ref('source_document', 'r2', 'DOC-x'),
    },
  ];
  return { jmdi_project, source_document };
}

describe('provenance marks of briefing items', () => {
  it('an item is illustrative exactly when a row it shows is, as weak as its weakest row, and says so first', () => {
    const seed = testSeed('provenance marks');
    fc.assert(
      fc.property(fc.array(project, { minLength: 1, maxLength: 8 }), (projects) => {
        const items = buildBriefing(tablesOf(projects));

        for (const item of items) {
          if (item.type !== 'country' && item.type !== 'theme') continue;
          const shown = projects.filter((entry, at) =>
            item.type === 'country'
              ? entry.country === item.id
              : (item.body as { projects: string[] }).projects.includes(`JMDI1-P${at}`),
          );
          const illustrative = shown.some((entry) => ILLUSTRATIVE.has(entry.doc));
          expect(item.body.illustrative, item.id).toBe(illustrative);
          expect(item.body.confidence, item.id).toBe(
            weakestConfidence(
              shown.map((entry) => effectiveConfidence(entry.confidence, ILLUSTRATIVE.has(entry.doc))),
            ),
          );
          const caveats = (item.body as { caveats: string[] }).caveats;
          if (illustrative) expect(caveats[0], item.id).toMatch(/^Illustrative content: .*DOC-invented/);
          else expect(caveats.join(' '), item.id).not.toMatch(/Illustrative content/);
        }
        for (const item of items.filter((entry) => entry.type === 'country')) {
          for (const listed of (
            item.body as {
              jmdi: { projects: { source: { source_doc_id: string; illustrative: boolean } }[] };
            }
          ).jmdi.projects)
            expect(listed.source.illustrative).toBe(ILLUSTRATIVE.has(listed.source.source_doc_id));
        }
      }),
      { seed, numRuns: 60 },
    );
  });
});
