import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeOutcome,
  OUTCOMES,
  outcomeOf,
  summariseOutcomes,
  type UploadFacts,
} from '#packages/cli/upload-outcome.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

const facts: fc.Arbitrary<UploadFacts> = fc.record(
  {
    status: fc.constantFrom('accepted', 'refused', 'pending', 'unchanged', 'failed', 'uploaded', 'unknown'),
    rowsAccepted: fc.nat({ max: 1000 }),
    rowsQuarantined: fc.nat({ max: 1000 }),
    report: fc.constant('s3://hld-raw/quarantine/survey/abc.json'),
    refusal: fc.record({ rule: fc.constantFrom('bad-encoding', 'malformed-json'), message: fc.string() }),
    sameAs: fc.constant('survey/old.csv'),
    error: fc.string(),
    stillPending: fc.boolean(),
  },
  { requiredKeys: ['status'] },
);

describe('upload outcomes', () => {
  it('give every file exactly one outcome, and the summary counts every file once', () => {
    fc.assert(
      fc.property(fc.array(facts, { maxLength: 30 }), (all) => {
        const summary = summariseOutcomes(all);
        const counted = [...summary.matchAll(/(\d+) ([a-z ]+?)(?=,|$)/g)].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        );

        expect(summary.startsWith(`${all.length} file`)).toBe(true);
        expect(counted).toBe(all.length);
        for (const one of all) expect(OUTCOMES).toContain(outcomeOf(one));
      }),
      propertyRuns('summariseOutcomes counts every file once', 200),
    );
  });

  it('never calls a file accepted when no row was, nor hides a quarantined row', () => {
    fc.assert(
      fc.property(facts, (one) => {
        const line = describeOutcome(one);
        const outcome = outcomeOf(one);

        if (outcome === 'accepted') expect(one.rowsAccepted ?? 0).toBeGreaterThan(0);
        if ((one.rowsQuarantined ?? 0) > 0 && one.status === 'accepted')
          expect(line).toContain('quarantined');
        if (outcome === 'refused') expect(line).toMatch(/^refused — /);
        // A failure never hides an upload that is kept: the line says where it goes from here.
        if (outcome === 'failed')
          expect(line.includes('pending: `hld refresh` checks its rows again')).toBe(
            Boolean(one.stillPending),
          );
      }),
      propertyRuns('describeOutcome is honest about rows', 300),
    );
  });
});
