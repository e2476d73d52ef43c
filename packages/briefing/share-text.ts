import { SURVEY_SMALL_BASE } from '#contracts/survey-statistics.ts';

/*
 * A survey share as readers print it. Its own module, without survey-stats.ts's columnar tally
 * (and so without apache-arrow), because `hld briefing show` prints shares and must start fast.
 */

/** 100 · n / base to one decimal; null for an empty base. */
export function percentOf(n: number, base: number): number | null {
  return base === 0 ? null : Math.round((1000 * n) / base) / 10;
}

/**
 * `n of base (p %)`, the way every reader prints a share; with `warn`, ` ⚠ small base` is added
 * below the threshold (tables flag the row once instead).
 */
export function shareText(n: number, base: number, warn = true): string {
  const percent = percentOf(n, base);
  const warning = warn && base < SURVEY_SMALL_BASE.threshold ? ' ⚠ small base' : '';
  return `${n} of ${base}${percent === null ? '' : ` (${percent.toLocaleString('en-GB')} %)`}${warning}`;
}
