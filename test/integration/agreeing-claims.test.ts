import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountryItem, SourcesItem } from '#contracts/briefing/item.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { integrationBackends } from '../support/backends.ts';
import { ingestSamples, refreshNow, sampleBytes, uploadAndRoute } from '../support/pipeline.ts';

/**
 * Trial 2026-12-03-c, finding 2: the UN DESA rows of Moldova in a second file, equal value for
 * value to the bundled file's, were each held back as a key conflict with a caveat of its own.
 * Through the real pipeline (ingest, normalise, assemble on the emulator): agreeing rows are
 * published once, differing ones held back under one caveat, and a header-only upload of the same
 * name withdraws the second file.
 */

const BUNDLED = 'statistics/undesa-ims-2019.csv';
const SECOND = 'undesa-moldova.csv';

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`keys two files claim on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      await ingestSamples();
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('publishes once the figures a second file states the same, holds back under one caveat the two it states otherwise, and a header-only upload of the same name withdraws the file', async () => {
      const ctx = pipelineContext();
      const lines = (await sampleBytes(BUNDLED)).toString('utf8').trimEnd().split(/\r?\n/);
      const header = lines[0]!;
      const moldova = lines.filter((line) => line.startsWith('IMM_STOCK,MDA,'));
      expect(moldova.length).toBeGreaterThan(10);
      // Two rows stated otherwise: another value.
      const changed = moldova.map((line, at) =>
        at < 2
          ? line.replace(/^(IMM_STOCK,MDA,\d{4},)(\d+)/, (_, key, value) => `${key}${Number(value) + 1}`)
          : line,
      );
      expect(changed.slice(0, 2)).not.toEqual(moldova.slice(0, 2));
      await uploadAndRoute('statistics', SECOND, Buffer.from(`${[header, ...changed].join('\n')}\n`));
      const read = async () => {
        const { version } = await refreshNow();
        const item = (type: 'country' | 'sources', id: string) =>
          ctx.briefings.getItem(ctx.config.dataset, version!, type, id);
        return {
          sources: ((await item('sources', 'all')) as SourcesItem).body,
          mda: ((await item('country', 'MDA')) as CountryItem).body,
        };
      };
      const stock = (mda: CountryItem['body']) => {
        const figure = mda.context_figures.find((candidate) => candidate.indicator_id === 'IMM_STOCK')!;
        return [
          ...figure.values.map((value) => `_T ${value.year} ${value.source} ${value.revision}`),
          ...(figure.by_sex ?? []).flatMap((entry) =>
            entry.values.map((value) => `${entry.sex} ${value.year} ${value.source} ${value.revision}`),
          ),
        ].filter((key) => key.includes('UNDESA_IMS'));
      };

      const both = await read();
      expect(both.sources.key_conflicts.map((conflict) => conflict.table)).toEqual([
        'observation',
        'observation',
      ]);
      expect(both.sources.agreeing_claims).toEqual([
        expect.objectContaining({
          table: 'observation',
          files: [
            expect.objectContaining({ file_name: 'undesa-ims-2019.csv' }),
            expect.objectContaining({ file_name: SECOND }),
          ],
          keys: moldova.length - 2,
        }),
      ]);
      // Every agreeing figure once (never twice), the two differing ones not at all.
      const shown = stock(both.mda);
      expect(shown.length).toBe(moldova.length - 2);
      expect(new Set(shown).size).toBe(shown.length);
      const conflicts = both.mda.caveats.filter((caveat) => caveat.startsWith('Held back [key-conflict]'));
      expect(conflicts).toEqual([
        expect.stringMatching(
          /^Held back \[key-conflict\]: 2 observation keys are each claimed by 2 files with different rows, undesa-ims-2019\.csv .* and undesa-moldova\.csv /,
        ),
      ]);

      // Withdrawn: the same name with its header only.
      await uploadAndRoute('statistics', SECOND, Buffer.from(`${header}\n`));
      const withdrawn = await read();
      expect(withdrawn.sources.key_conflicts).toEqual([]);
      expect(withdrawn.sources).not.toHaveProperty('agreeing_claims');
      expect(stock(withdrawn.mda).length).toBe(moldova.length);
      expect(withdrawn.mda.caveats.filter((caveat) => caveat.includes('[key-conflict]'))).toEqual([]);
    });
  });
}
