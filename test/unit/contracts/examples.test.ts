import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '#contracts/examples.ts';
import { TABLE_CONTRACTS } from '#contracts/registry.ts';

describe('contract examples', () => {
  it.each(TABLE_CONTRACTS.map((contract) => [contract.table, contract] as const))(
    '%s has an example its contract accepts',
    (table, contract) => {
      const example = EXAMPLES[table];

      expect(example, `no example for ${table}`).toBeDefined();
      const parsed = contract.schema.safeParse(example);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    },
  );
});
