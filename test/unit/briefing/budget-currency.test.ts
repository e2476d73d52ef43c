import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { budgetText, countrySummary } from '#packages/briefing/book/summary.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { renderCountryMarkdown } from '#packages/briefing/exports/markdown.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import type { CuratedRow, CuratedTables } from '#packages/briefing/model.ts';
import { describeCountry } from '#packages/cli/commands/briefing.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * A country's `budget_eur_total` sums only the budgets stated in EUR: an amount in another
 * currency, or with no currency at all (an IATI activity without `@currency` or
 * `@default-currency`, a stock-taking row with the currency cell empty), is never summed as if
 * it were euros (DOMAIN.md: never sum across currencies without a conversion table); a caveat
 * counts what was left out.
 */

interface Budget {
  readonly amount: number;
  readonly currency?: string;
  readonly status?: 'awarded' | 'implemented' | 'withdrawn' | 'unknown';
}

function moldovaItem(budgets: readonly Budget[]): CountryItem {
  const projects: CuratedRow[] = budgets.map((budget, index) => ({
    row: {
      project_id: `JMDI1-MDA-${index + 1}`,
      target_country_iso3: 'MDA',
      theme_primary: 'remittances',
      selection_status: budget.status ?? 'implemented',
      total_budget_amount: budget.amount,
      ...(budget.currency === undefined ? {} : { total_budget_currency: budget.currency }),
    },
    ref: {
      table: 'jmdi_project',
      locator: `line ${index + 2}`,
      file_sha256: 'a'.repeat(64),
      raw_key: `raw/stocktaking/${'a'.repeat(64)}/projects.csv`,
      source_doc_id: 'DOC-test',
      confidence: 'high',
    },
  }));
  const tables: CuratedTables = { jmdi_project: projects };
  return buildBriefing(tables).find((entry) => entry.type === 'country' && entry.id === 'MDA') as CountryItem;
}

function moldova(budgets: readonly Budget[]): CountryItem['body'] {
  return moldovaItem(budgets).body;
}

describe('budget_eur_total', () => {
  it('leaves a budget that states no currency out of the EUR total and says so', () => {
    const body = moldova([{ amount: 100_000, currency: 'EUR' }, { amount: 2_500_000 }]);

    expect(body.jmdi.budget_eur_total).toBe(100_000);
    expect(body.caveats).toContain(
      '1 project budgets state no currency and are not included in the EUR total.',
    );
  });

  it('never shows or sums a budget without currency as EUR on the CLI page, the book summary or the Markdown brief', () => {
    const item = moldovaItem([{ amount: 100_000, currency: 'EUR' }, { amount: 2_500_000 }]);

    expect(budgetText(item.body)).toContain(
      'EUR 100,000 in total project budgets of the 2 not withdrawn (total budgets, not JMDI grants; non-EUR budgets left out, and 1 budget(s) that state no currency)',
    );
    expect(describeCountry(item.body, [], 1)).toContain('EUR 100,000 in total project budgets');
    expect(countrySummary(item).byTheme).toEqual([
      expect.objectContaining({ theme: 'remittances', budgetEur: 100_000 }),
    ]);
    const markdown = renderCountryMarkdown(item, { dataset: 'hld2013', version: 1, asOf: '2026-12-03' });
    expect(markdown).toContain('2,500,000 (no currency stated)');
    expect(markdown).not.toContain('EUR 2,500,000');
  });

  it('is the sum of the EUR budgets, whatever the other budgets state', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              amount: fc.integer({ min: 0, max: 10_000_000 }),
              currency: fc.constantFrom('EUR', 'USD', 'XOF', 'MDL'),
            },
            { requiredKeys: ['amount'] },
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (budgets) => {
          const body = moldova(budgets);
          const eur = budgets.filter((budget) => budget.currency === 'EUR');
          const withoutCurrency = budgets.filter((budget) => budget.currency === undefined).length;

          expect(body.jmdi.budget_eur_total).toBe(eur.reduce((sum, budget) => sum + budget.amount, 0));
          expect(body.caveats.some((caveat) => caveat.includes('state no currency'))).toBe(
            withoutCurrency > 0,
          );
        },
      ),
      propertyRuns('only EUR budgets are summed as EUR', 100),
    );
  });
});

describe('budget_eur_total excludes withdrawn projects on every surface', () => {
  const META = { dataset: 'hld2013', version: 1, asOf: '2026-12-03' };
  const euros = (value: number) => `EUR ${value.toLocaleString('en-GB')}`;

  /** The figures each surface gives for a country built from `budgets`. */
  function surfaces(budgets: readonly Budget[]) {
    const item = moldovaItem(budgets);
    const [country] = briefingTables([item], META).find((table) => table.table.name === 'briefing_country')
      ?.rows ?? [undefined];
    return {
      item,
      exported: country,
      cli: describeCountry(item.body, [], 1),
      markdown: renderCountryMarkdown(item, META),
      bookByTheme: countrySummary(item).byTheme.reduce((sum, entry) => sum + entry.budgetEur, 0),
    };
  }

  it('gives one EUR total (not withdrawn) and the withdrawn projects’ EUR total beside it, labelled', () => {
    // act
    const { item, exported, cli, markdown } = surfaces([
      { amount: 100_000, currency: 'EUR' },
      { amount: 40_000, currency: 'EUR', status: 'withdrawn' },
    ]);

    // assess
    expect(item.body.jmdi.budget_eur_total).toBe(100_000);
    expect(item.body.jmdi.withdrawn_budget_eur_total).toBe(40_000);
    expect(exported).toMatchObject({
      jmdi_budget_eur_total: 100_000,
      jmdi_withdrawn_budget_eur_total: 40_000,
    });
    for (const page of [cli, markdown]) {
      expect(page).toContain('EUR 100,000 in total project budgets of the 1 not withdrawn');
      expect(page).toContain('1 withdrawn (EUR 40,000 in their total budgets, not included)');
    }
  });

  it('is the sum of the EUR budgets of the projects not withdrawn, the same on the item, the exports, the CLI page, the book and the Markdown brief', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              amount: fc.integer({ min: 0, max: 10_000_000 }),
              currency: fc.constantFrom('EUR', 'USD'),
              status: fc.constantFrom('awarded', 'implemented', 'withdrawn', 'unknown'),
            },
            { requiredKeys: ['amount', 'status'] },
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (budgets) => {
          // prepare
          const sum = (selected: readonly Budget[]) =>
            selected
              .filter((budget) => budget.currency === 'EUR')
              .reduce((total, budget) => total + budget.amount, 0);
          const published = sum(budgets.filter((budget) => budget.status !== 'withdrawn'));
          const withdrawn = sum(budgets.filter((budget) => budget.status === 'withdrawn'));

          // act
          const { item, exported, cli, markdown, bookByTheme } = surfaces(budgets);

          // assess
          expect(item.body.jmdi.budget_eur_total).toBe(published);
          expect(item.body.jmdi.withdrawn_budget_eur_total).toBe(withdrawn);
          expect(exported?.jmdi_budget_eur_total).toBe(published);
          expect(exported?.jmdi_withdrawn_budget_eur_total).toBe(withdrawn);
          expect(bookByTheme).toBe(published);
          for (const page of [cli, markdown]) {
            expect(page).toContain(`${euros(published)} in total project budgets`);
            if (budgets.some((budget) => budget.status === 'withdrawn'))
              expect(page).toContain(`(${euros(withdrawn)} in their total budgets, not included)`);
          }
        },
      ),
      propertyRuns('the EUR total leaves withdrawn projects out on every surface', 100),
    );
  });
});
