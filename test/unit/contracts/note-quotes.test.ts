import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from './property-runs.ts';

/**
 * Wording as the note has it: every bundled row that cites the 2012 UNDP note
 * (`DOC-undp-note-2012`) quotes, in its `source_locator`, the words it rests on, and each
 * quotation occurs in the note (test/fixtures/seed/undp-note-2012.txt). A paraphrase slipped
 * into quotation marks ("co-chair" for "co-hosted", a date the note does not give) fails here.
 */

const NOTE_DOC = 'DOC-undp-note-2012';
const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const NOTE = read('test/fixtures/seed/undp-note-2012.txt');

/**
 * Text for comparison: the note's Markdown emphasis and link marks dropped, typographic quotes
 * and dashes as plain ones, whitespace (line breaks included) as one space.
 */
function comparable(text: string): string {
  return text
    .replace(/\]\([^)]*\)/g, '')
    .replace(/[*[\]]/g, '')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The quotations of a locator: each `"…"`, cut at elisions (`...`, `…`) into the parts quoted. */
function quotations(locator: string): string[] {
  return [...locator.matchAll(/"([^"]+)"/g)].flatMap((match) =>
    match[1]!
      .split(/\.\.\.|\u2026/)
      .map((part) => comparable(part))
      .filter((part) => part.length > 0),
  );
}

const NOTE_TEXT = comparable(NOTE);
const inNote = (quotation: string) => NOTE_TEXT.includes(quotation);

interface SampleRow {
  readonly table: string;
  readonly id: string;
  readonly row: Readonly<Record<string, unknown>>;
}

function sampleRows(): SampleRow[] {
  const files = [
    'data-contracts/samples/pilot/mainstreaming-pilots.json',
    'data-contracts/samples/reference/events-and-sources.json',
  ];
  return files.flatMap((file) => {
    const json = JSON.parse(read(file)) as Record<string, unknown>;
    return Object.entries(json)
      .filter(([table, rows]) => table !== 'contracts' && Array.isArray(rows))
      .flatMap(([table, rows]) =>
        (rows as Record<string, unknown>[]).map((row) => ({
          table,
          id: String(row.status_id ?? row.milestone_id ?? row.pilot_id ?? row.event_id ?? row.doc_id),
          row,
        })),
      );
  });
}

const noteRows = sampleRows().filter(({ row }) => row.source_doc_id === NOTE_DOC);

describe('facts taken from the 2012 UNDP note', () => {
  it('are there: the pilots, their status, the Chisinau workshop, the Concluding Debate, the JMDI handbook launch and workshop, the JMDI pilots', () => {
    const ids = new Set(noteRows.map(({ id }) => id));
    for (const id of [
      'MM-MLI-P1-S01',
      'MM-TUN-P1-S01',
      'MM-MUS-P1-S01',
      'MM-GHA-P1',
      'MM-MAR-P1',
      'EV-20111012-gfmd-chisinau-mainstreaming',
      'EV-20111201-gfmd-concluding-debate',
      'EV-2011-jmdi-handbook-launch',
      'EV-201203-jmdi-ec-diaspora-workshop',
    ])
      expect(ids, id).toContain(id);
  });

  it.each(noteRows.map((entry) => [`${entry.table} ${entry.id}`, entry] as const))(
    '%s quotes the note word for word in its source_locator',
    (_, { row }) => {
      const quoted = quotations(String(row.source_locator));
      expect(quoted.length, 'a row citing the note quotes the words it rests on').toBeGreaterThan(0);
      for (const quotation of quoted) expect(inNote(quotation), quotation).toBe(true);
    },
  );

  it('never call the Chisinau hosts co-chairs: the note says "hosted" and "co-hosted"', () => {
    for (const { id, row } of noteRows) {
      const words = [row.title, row.description_en, row.statement_en, row.note].filter(Boolean).join(' ');
      expect(words, id).not.toMatch(/co-?chair/i);
      expect(row.co_chair_iso3, id).toBeUndefined();
    }
    const chisinau = noteRows.find(({ id }) => id === 'EV-20111012-gfmd-chisinau-mainstreaming')!.row;
    expect([chisinau.iso3, chisinau.co_host_iso3]).toEqual(['MDA', ['BGD', 'JAM', 'MLI']]);
  });

  it('give dates no more precise than the note: the handbook launch by year, the JMDI workshop by month', () => {
    const byId = new Map(noteRows.map(({ id, row }) => [id, row]));
    expect(byId.get('EV-2011-jmdi-handbook-launch')).toMatchObject({ date_precision: 'year' });
    expect(byId.get('EV-201203-jmdi-ec-diaspora-workshop')).toMatchObject({
      start_date: '2012-03-01',
      date_precision: 'month',
    });
    expect(byId.get('EV-20111201-gfmd-concluding-debate')).toMatchObject({
      start_date: '2011-12-01',
      end_date: '2011-12-02',
      city: 'Geneva',
    });
  });

  it('hold back what no offline source states: no national strategy for Moldova', () => {
    const moldova = sampleRows().find(({ table, id }) => table === 'pilot' && id === 'MM-MDA-P1')!.row;
    expect(moldova.national_strategy).toBeUndefined();
  });
});

describe('the quotation check', () => {
  // Sentences of the note, cut into quotable word runs.
  const words = NOTE_TEXT.split(' ');
  const run = fc
    .record({ start: fc.nat({ max: words.length - 12 }), length: fc.integer({ min: 3, max: 12 }) })
    .map(({ start, length }) => words.slice(start, start + length));

  it('accepts any run of the note, however its whitespace and dashes are typed (property)', () => {
    fc.assert(
      fc.property(run, fc.constantFrom(' ', '\n', '  ', ' \n '), (taken, gap) => {
        const typed = taken.join(gap).replace(/-/g, '\u2013');
        for (const quotation of quotations(`p. 1: "${typed}"`)) expect(inNote(quotation)).toBe(true);
      }),
      propertyRuns('note runs are found', 200),
    );
  });

  it('refuses a run of the note with one word changed (property)', () => {
    fc.assert(
      fc.property(run, fc.nat(), (taken, at) => {
        const changed = [...taken];
        changed[at % changed.length] = 'co-chaired-by-nobody';
        expect(quotations(`"${changed.join(' ')}"`).every(inNote)).toBe(false);
      }),
      propertyRuns('changed note runs are refused', 200),
    );
  });

  it('refuses the slips the issue found, and elided quotations are checked part by part', () => {
    expect(inNote(comparable('co-chaired by the Governments of Bangladesh, Jamaica, and Mali'))).toBe(false);
    expect(quotations('"hosted by ... Moldova 2020"').every(inNote)).toBe(false);
    expect(
      quotations('"TENTH COORDINATION MEETING ON INTERNATIONAL MIGRATION ... New York, 9-10 February 2012"'),
    ).toEqual(['TENTH COORDINATION MEETING ON INTERNATIONAL MIGRATION', 'New York, 9-10 February 2012']);
  });
});
