import type { AreaStatistics, QuestionStatistics, SurveyStatistics } from '#contracts/briefing/survey.ts';
import {
  DEFAULT_INCLUDED_STATUSES,
  SURVEY_SMALL_BASE,
  VALIDATION_STATUS,
  type ValidationStatus,
  validationStatusOf,
} from '#contracts/survey-statistics.ts';
import { CAPACITY_AREA, DEMAND_LEVEL, HAS_CAPACITY, SUPPORT_TYPE } from '#contracts/vocabularies.ts';
import { ColumnText, str } from './column-text.ts';
import type { CuratedTableSet } from './curated-tables.ts';
import { percentOf } from './share-text.ts';

// Kept here for their importers; the text modules import share-text.ts, which loads no Arrow.
export { percentOf, shareText } from './share-text.ts';

/**
 * Survey statistics with their bases (rules: data-contracts/survey-statistics.ts). Respondents
 * and answers are fed one at a time, in any order, from whichever row form a builder holds
 * (columnar or row objects), so both briefing builders give the same numbers by construction.
 *
 * Guarantees, per question and for any set of countries: n ≤ base; percent = 100 · n / base
 * (one decimal); eligible = base + no response + don't know; a pooled total is the sum of its
 * countries; a respondent is counted once (the last row of a respondent id wins, as in the
 * profiles), and only when its validation status is included.
 */

const AREAS = CAPACITY_AREA.length;
/** The "don't know" code of both select_one lists. */
const DONT_KNOW = 'unknown';
const HAS_CHOICES = HAS_CAPACITY.filter((choice) => choice !== DONT_KNOW);
const DEMAND_CHOICES = DEMAND_LEVEL.filter((choice) => choice !== DONT_KNOW);
/** Answer slot values: -1 no answer, -2 don't know, else the index in the choices. */
const NO_ANSWER = -1;
const DONT_KNOW_SLOT = -2;

/** The slot of `support_requested`, and of a question the statistics do not count. */
const SUPPORT_SLOT = -1;
const NOT_COUNTED = -2;

/**
 * Where a question's answers go: `capacity/<area>` → the area's index, `demand/<area>` → AREAS +
 * the area's index (a respondent's `answers`), `support_requested` → SUPPORT_SLOT, else NOT_COUNTED.
 */
function questionSlot(question: string): number {
  if (question === 'support_requested') return SUPPORT_SLOT;
  const slash = question.indexOf('/');
  const kind = question.slice(0, slash);
  if (kind !== 'capacity' && kind !== 'demand') return NOT_COUNTED;
  const area = CAPACITY_AREA.indexOf(question.slice(slash + 1) as never);
  if (area < 0) return NOT_COUNTED;
  return (kind === 'capacity' ? 0 : AREAS) + area;
}

interface Respondent {
  iso3?: string;
  status: ValidationStatus;
  /** Capacity answers (AREAS), then demand answers (AREAS). */
  readonly answers: Int8Array;
  /** One bit per SUPPORT_TYPE. */
  support: number;
}

/** Counts of one question, before percentages. */
interface QuestionCounts {
  eligible: number;
  no_response: number;
  dont_know: number;
  readonly choices: number[];
}

const emptyCounts = (choices: number): QuestionCounts => ({
  eligible: 0,
  no_response: 0,
  dont_know: 0,
  choices: new Array<number>(choices).fill(0),
});

/**
 * One respondent's answer to one question, into its counts: a call rather than a pair array per
 * answer (the tally visits 24k respondents × areas × every scope).
 */
function countAnswer(counts: QuestionCounts, slot: number): void {
  counts.eligible += 1;
  if (slot === NO_ANSWER) counts.no_response += 1;
  else if (slot === DONT_KNOW_SLOT) counts.dont_know += 1;
  else counts.choices[slot]! += 1;
}

function questionStatistics(counts: QuestionCounts, names: readonly string[]): QuestionStatistics {
  const base = counts.eligible - counts.no_response - counts.dont_know;
  return {
    eligible: counts.eligible,
    no_response: counts.no_response,
    dont_know: counts.dont_know,
    base,
    small_base: base < SURVEY_SMALL_BASE.threshold,
    choices: names.map((choice, at) => ({
      choice,
      n: counts.choices[at]!,
      percent: percentOf(counts.choices[at]!, base),
    })),
  };
}

/** The counts of one scope (one country, several pooled, or all), before areas are selected. */
interface ScopeCounts {
  readonly byStatus: Readonly<Record<ValidationStatus, number>>;
  readonly included: number;
  /** Countries with at least one included respondent. */
  readonly countries: number;
  readonly has: readonly QuestionCounts[];
  readonly demand: readonly QuestionCounts[];
  readonly support: QuestionCounts;
}

export interface SurveyTallyOptions {
  /** Validation statuses counted. @default DEFAULT_INCLUDED_STATUSES (approved only) */
  readonly includedStatuses?: readonly ValidationStatus[];
}

/** Respondents and answers of one survey, tallied into statistics per country or pooled. */
export class SurveyTally {
  private readonly respondents = new Map<string, Respondent>();
  private readonly included: ReadonlySet<ValidationStatus>;
  /** Capacity areas the questionnaire asked about (an answer row, even empty, names them). */
  private readonly asked = new Set<(typeof CAPACITY_AREA)[number]>();
  /** Per question text, its answer slot (questionSlot). */
  private readonly slots = new Map<string, number>();
  /** Counts per scope key, emptied whenever a row is fed. */
  private readonly counted = new Map<string, ScopeCounts | undefined>();
  /**
   * Respondents per country, made when a scope is first tallied and dropped whenever a row is
   * fed: a country's tally walks its own respondents, not all of them (24k × 201 scopes at 1M rows).
   */
  private byCountry: Map<string, Respondent[]> | undefined;

  constructor(options: SurveyTallyOptions = {}) {
    this.included = new Set(options.includedStatuses ?? DEFAULT_INCLUDED_STATUSES);
  }

  /** Forgets what was counted: a row was fed. */
  private changed(): void {
    // Only when something was counted: `Map.prototype.clear` makes a new table even when empty,
    // and this runs for every row fed (516k at 1M rows).
    if (this.counted.size > 0) this.counted.clear();
    this.byCountry = undefined;
  }

  private entry(id: string): Respondent {
    this.changed();
    let respondent = this.respondents.get(id);
    if (!respondent) {
      respondent = {
        status: 'not_validated',
        answers: new Int8Array(2 * AREAS).fill(NO_ANSWER),
        support: 0,
      };
      this.respondents.set(id, respondent);
    }
    return respondent;
  }

  /** A respondent row: its country and raw validation status (the last row of an id wins). */
  respondent(id: string, iso3: string, validationStatus: unknown): void {
    const respondent = this.entry(id);
    respondent.iso3 = iso3;
    respondent.status = validationStatusOf(validationStatus);
  }

  /**
   * One answer row. Only `capacity/<area>`, `demand/<area>` and `support_requested` count; an
   * empty or unknown code is no answer, `unknown` is "don't know".
   */
  answer(respondentId: string, question: string, code: string | undefined): void {
    // A question's slot is worked out once per question text, not once per answer row (492k rows).
    let slot = this.slots.get(question);
    if (slot === undefined) {
      slot = questionSlot(question);
      this.slots.set(question, slot);
    }
    if (slot === SUPPORT_SLOT) {
      const type = SUPPORT_TYPE.indexOf(code as never);
      if (type >= 0) this.entry(respondentId).support |= 1 << type;
      return;
    }
    if (slot === NOT_COUNTED) return;
    this.changed();
    this.asked.add(CAPACITY_AREA[slot % AREAS]!);
    if (!code) return;
    const choices: readonly string[] = slot < AREAS ? HAS_CHOICES : DEMAND_CHOICES;
    const choice = code === DONT_KNOW ? DONT_KNOW_SLOT : choices.indexOf(code);
    if (choice === NO_ANSWER) return;
    this.entry(respondentId).answers[slot] = choice;
  }

  /** Countries with at least one respondent row (whatever its status), sorted. */
  countries(): string[] {
    const iso3s = new Set<string>();
    for (const respondent of this.respondents.values()) if (respondent.iso3) iso3s.add(respondent.iso3);
    return [...iso3s].sort();
  }

  /**
   * Statistics over the respondents of `iso3s` (one country, or several pooled), for the
   * capacity areas the questionnaire asked about, of `areas` when given (an area never asked is
   * left out, not reported as 100 % non-response); undefined when none of them has a respondent row.
   */
  statistics(
    iso3s: readonly string[] | 'all',
    areas: readonly (typeof CAPACITY_AREA)[number][] = CAPACITY_AREA,
  ): SurveyStatistics | undefined {
    const counts = this.scopeCounts(iso3s);
    if (!counts) return undefined;
    const { byStatus, included, countries, has, demand, support } = counts;
    const wanted = new Set(areas.filter((area) => this.asked.has(area)));
    return {
      validation: {
        ...byStatus,
        included_statuses: VALIDATION_STATUS.filter((status) => this.included.has(status)),
        included,
        left_out: Object.values(byStatus).reduce((sum, n) => sum + n, 0) - included,
      },
      countries_n: countries,
      small_base_threshold: SURVEY_SMALL_BASE.threshold,
      areas: CAPACITY_AREA.flatMap((area, at): AreaStatistics[] =>
        wanted.has(area)
          ? [
              {
                capacity_area: area,
                has_capacity: questionStatistics(has[at]!, HAS_CHOICES),
                demand: questionStatistics(demand[at]!, DEMAND_CHOICES),
              },
            ]
          : [],
      ),
      support_requested: questionStatistics(support, SUPPORT_TYPE),
    };
  }

  /**
   * The counts of a scope, tallied once: a build asks for the same scope once per theme (the
   * areas only select what is reported), and each tally walks every respondent.
   */
  private scopeCounts(iso3s: readonly string[] | 'all'): ScopeCounts | undefined {
    const key = iso3s === 'all' ? 'all' : JSON.stringify([...new Set(iso3s)].sort());
    if (this.counted.has(key)) return this.counted.get(key);
    const counts = this.tally(iso3s === 'all' ? undefined : new Set(iso3s));
    this.counted.set(key, counts);
    return counts;
  }

  private respondentsByCountry(): Map<string, Respondent[]> {
    if (this.byCountry) return this.byCountry;
    const byCountry = new Map<string, Respondent[]>();
    for (const respondent of this.respondents.values()) {
      if (!respondent.iso3) continue;
      const list = byCountry.get(respondent.iso3);
      if (list) list.push(respondent);
      else byCountry.set(respondent.iso3, [respondent]);
    }
    this.byCountry = byCountry;
    return byCountry;
  }

  private tally(scope: ReadonlySet<string> | undefined): ScopeCounts | undefined {
    const byStatus: Record<ValidationStatus, number> = {
      approved: 0,
      on_hold: 0,
      not_approved: 0,
      not_validated: 0,
    };
    const countries = new Set<string>();
    const counted = new Set<string>();
    const has = CAPACITY_AREA.map(() => emptyCounts(HAS_CHOICES.length));
    const demand = CAPACITY_AREA.map(() => emptyCounts(DEMAND_CHOICES.length));
    const support = emptyCounts(SUPPORT_TYPE.length);
    let included = 0;
    const count = (respondent: Respondent, iso3: string) => {
      countries.add(iso3);
      byStatus[respondent.status] += 1;
      if (!this.included.has(respondent.status)) return;
      included += 1;
      counted.add(iso3);
      for (let area = 0; area < AREAS; area += 1) {
        countAnswer(has[area]!, respondent.answers[area]!);
        countAnswer(demand[area]!, respondent.answers[AREAS + area]!);
      }
      support.eligible += 1;
      if (respondent.support === 0) support.no_response += 1;
      for (let type = 0; type < SUPPORT_TYPE.length; type += 1)
        if (respondent.support & (1 << type)) support.choices[type]! += 1;
    };
    // Counts are sums: the order respondents are visited in does not change them.
    for (const [iso3, respondents] of this.respondentsByCountry()) {
      if (scope && !scope.has(iso3)) continue;
      for (const respondent of respondents) count(respondent, iso3);
    }
    if (countries.size === 0) return undefined;
    return { byStatus, included, countries: counted.size, has, demand, support };
  }
}

/** The tally of the curated survey tables (columnar: one string per distinct value, not per row). */
export function surveyTallyOf(set: CuratedTableSet, options: SurveyTallyOptions = {}): SurveyTally {
  const tally = new SurveyTally(options);
  const respondents = set.table('survey_respondent');
  const responses = set.table('survey_response');
  const ids = new ColumnText(respondents.codes('respondent_id'));
  const iso3s = new ColumnText(respondents.codes('iso3'));
  const statuses = new ColumnText(respondents.codes('validation_status'));
  for (let row = 0; row < respondents.length; row += 1)
    tally.respondent(ids.text(row), iso3s.text(row), statuses.value(row));
  const answerIds = new ColumnText(responses.codes('respondent_id'));
  const questions = new ColumnText(responses.codes('question_name'));
  const codes = new ColumnText(responses.codes('value_code'));
  for (let row = 0; row < responses.length; row += 1)
    tally.answer(answerIds.text(row), questions.text(row), str(codes.value(row)));
  return tally;
}
