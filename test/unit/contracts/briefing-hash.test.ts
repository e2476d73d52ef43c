import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, itemHash, storedItemJson, withHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { propertyRuns } from './property-runs.ts';

/**
 * `withHash` serialises a body once and `storedItemJson` reuses that text for the stored item:
 * for any body and lineage, the hash and the stored bytes are the ones each computed on its own
 * (canonicalJson of the body; canonicalJson of `{ body, lineage }`) before the text was shared.
 */

// JSON-like values with accents, escapes, lone surrogates, nested objects whose keys come in any order.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('é', '"\\\n', '\ud800', '__proto__'),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  ),
})).value;
const item = fc.record(
  {
    type: fc.constantFrom('country', 'theme', 'sources'),
    id: text,
    body: fc.dictionary(text, json, { maxKeys: 6 }),
    lineage: fc.dictionary(text, json, { maxKeys: 3 }),
  },
  { requiredKeys: ['type', 'id', 'body'] },
) as unknown as fc.Arbitrary<BriefingItem>;

describe('withHash and storedItemJson', () => {
  it('give the hash and the stored bytes of serialising the body and the item separately, for any item', () => {
    fc.assert(
      fc.property(item, (original) => {
        const hashed = withHash(original);

        const stored = storedItemJson(hashed);

        const separately = canonicalJson({ body: original.body, lineage: original.lineage ?? null });
        expect(stored).toBe(separately);
        expect(storedItemJson(original)).toBe(separately);
        expect(hashed.hash).toBe(itemHash(original));
        expect(hashed.hash).toBe(createHash('sha256').update(canonicalJson(original.body)).digest('hex'));
      }),
      propertyRuns('withHash and storedItemJson share one serialisation', 300),
    );
  });
});
