import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldChanges } from '#packages/briefing/diff.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * What `hld briefing diff` (and the API's /diff) says changed: a list that grew or shrank is
 * reported record by record, never as its whole old and new JSON (a country's figures are tens of
 * kilobytes: one new value printed them all twice).
 */
describe('fieldChanges', () => {
  const value = (source: string, year: string, amount: number) => ({
    revision: `${source}-rev`,
    source,
    source_link: { locator: 'line 2', source_doc_id: 'DOC-x', table: 'observation' },
    unit: 'persons',
    value: amount,
    year,
  });

  it('names the one figure value a new source added, not the whole list of figures', () => {
    // prepare
    const before = {
      context_figures: [{ indicator_id: 'IMM_STOCK', values: [value('UNDESA_IMS', '2015', 106_374)] }],
    };
    const after = {
      context_figures: [
        {
          indicator_id: 'IMM_STOCK',
          values: [value('UNDESA_IMS', '2015', 106_374), value('national', '2010', 130_000)],
        },
      ],
    };

    // act
    const changes = fieldChanges(before, after);

    // assess
    expect(changes).toEqual([
      {
        path: 'context_figures[0].values[source=national,revision=national-rev,year=2010]',
        from: undefined,
        to: value('national', '2010', 130_000),
      },
    ]);
  });

  it('names caveats added and removed one by one', () => {
    expect(fieldChanges({ caveats: ['a', 'b'] }, { caveats: ['b', 'c', 'd'] })).toEqual([
      { path: 'caveats[-]', from: 'a', to: undefined },
      { path: 'caveats[+]', from: undefined, to: 'c' },
      { path: 'caveats[+]', from: undefined, to: 'd' },
    ]);
  });

  it('reports exactly the records added, removed and changed in a list that grew or shrank', () => {
    const records = fc.uniqueArray(
      fc.record({ project_id: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5', 'P6'), budget: fc.nat(9) }),
      { selector: (record) => record.project_id, maxLength: 6 },
    );
    fc.assert(
      fc.property(records, records, (from, to) => {
        fc.pre(from.length !== to.length);
        const changes = fieldChanges({ projects: from }, { projects: to });

        const budgetOf = (list: typeof from) =>
          new Map(list.map((record) => [record.project_id, record.budget]));
        const before = budgetOf(from);
        const after = budgetOf(to);
        const expected = [...new Set([...before.keys(), ...after.keys()])]
          .filter((id) => before.get(id) !== after.get(id))
          .sort();
        const named = [...new Set(changes.map((change) => /project_id=(P\d)/.exec(change.path)?.[1]))].sort();
        expect(named).toEqual(expected);
        for (const change of changes)
          expect(Array.isArray(change.from) || Array.isArray(change.to)).toBe(false);
      }),
      propertyRuns('a list that grew or shrank is diffed record by record', 300),
    );
  });
});
