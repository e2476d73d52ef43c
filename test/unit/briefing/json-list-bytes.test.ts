import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonListBytes } from '#packages/briefing/exports/render.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * The JSON export's briefing.json is made one item at a time (jsonListBytes): for any envelope and
 * any list it holds the bytes of the whole document stringified at once with two-space indents.
 */

// Values with accents, escaped newlines, lone surrogates and nested lists and records.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('é\n', '[]', '\ud800', ''),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const head = fc.dictionary(
  text.filter((key) => key !== 'items'),
  json,
  { maxKeys: 4 },
);

describe('jsonListBytes', () => {
  it('gives the bytes of stringifying the whole document with its list, for any envelope and list', () => {
    fc.assert(
      fc.property(head, fc.array(json, { maxLength: 6 }), (envelope, list) => {
        const bytes = jsonListBytes(envelope, 'items', list);

        const whole = new TextEncoder().encode(`${JSON.stringify({ ...envelope, items: list }, null, 2)}\n`);
        expect(Buffer.from(bytes).equals(Buffer.from(whole))).toBe(true);
      }),
      propertyRuns('jsonListBytes equals the whole document stringified', 400),
    );
  });

  it('gives the same bytes under any list key, quotes, accents and escapes included', () => {
    fc.assert(
      fc.property(head, text, fc.array(json, { maxLength: 4 }), (envelope, key, list) => {
        fc.pre(!Object.hasOwn(envelope, key));

        const bytes = jsonListBytes(envelope, key, list);

        const whole = new TextEncoder().encode(`${JSON.stringify({ ...envelope, [key]: list }, null, 2)}\n`);
        expect(Buffer.from(bytes).equals(Buffer.from(whole))).toBe(true);
      }),
      propertyRuns('jsonListBytes under any key', 300),
    );
  });
});
