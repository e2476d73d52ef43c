import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expectSameAsReference } from './reference.ts';

const SAMPLES = new URL('../../../data-contracts/samples/', import.meta.url);

describe('normaliseContractCsvFast on the bundled samples', () => {
  for (const name of ['jmdi-projects.csv', 'jmdi-lessons.csv']) {
    it(`gives the reference's Arrow table and problems for stocktaking/${name}`, async () => {
      const bytes = await readFile(new URL(`stocktaking/${name}`, SAMPLES));
      const result = await expectSameAsReference(bytes, { fileName: name, kind: 'stocktaking' });
      expect(result?.rows).toBeGreaterThan(10);
    });

    it(`gives the same result for stocktaking/${name} fed in 7-byte chunks and 3-row batches`, async () => {
      const bytes = await readFile(new URL(`stocktaking/${name}`, SAMPLES));
      await expectSameAsReference(bytes, {
        fileName: name,
        kind: 'stocktaking',
        chunkBytes: 7,
        batchSize: 3,
      });
    });
  }
});
