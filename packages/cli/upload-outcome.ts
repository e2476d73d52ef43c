import type { Problem } from '#packages/contracts/problems.ts';

/**
 * What happened to one uploaded file, said as a person would: `accepted 12 rows`, `3 quarantined
 * — top problems …, report: …`, `refused — <rule>: <message>`, `unchanged — same bytes as …,
 * nothing to do`; and one summary line that counts each outcome. Every file gets exactly one
 * outcome, and the summary counts every file.
 */

export const OUTCOMES = [
  'accepted',
  'quarantined',
  'all-quarantined',
  'empty',
  'refused',
  'unchanged',
  'uploaded',
  'failed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The facts about one upload that its outcome is told from. */
export interface UploadFacts {
  readonly status: string;
  readonly rowsAccepted?: number;
  readonly rowsQuarantined?: number;
  /** Where the quarantine report is (`s3://bucket/key`). */
  readonly report?: string;
  readonly refusal?: { readonly rule: string; readonly message: string; readonly hint?: string };
  readonly sameAs?: string;
  /**
   * Unchanged bytes that were refused before, uploaded again with an --encoding: known bytes are
   * not read again, so the declared encoding does not reach them (said, not silently ignored).
   */
  readonly refusedBeforeDespiteEncoding?: string;
  /** Unchanged bytes of an earlier upload of the same name, made its current version again. */
  readonly madeCurrent?: boolean;
  readonly error?: string;
  /** The problems of the quarantine report, when it was read. */
  readonly problems?: readonly Problem[];
}

export function outcomeOf(facts: UploadFacts): Outcome {
  if (facts.status === 'failed' || facts.status === 'unknown') return 'failed';
  if (facts.status === 'uploaded') return 'uploaded';
  if (facts.status === 'unchanged') return 'unchanged';
  if (facts.status === 'refused') return 'refused';
  const accepted = facts.rowsAccepted ?? 0;
  const quarantined = facts.rowsQuarantined ?? 0;
  if (quarantined > 0) return accepted === 0 ? 'all-quarantined' : 'quarantined';
  return accepted === 0 ? 'empty' : 'accepted';
}

/** The three most frequent problems, as `[rule] field ×N`. */
export function topProblems(problems: readonly Problem[], limit = 3): string {
  const counts = new Map<string, number>();
  for (const problem of problems) {
    const label = `[${problem.rule}]${problem.field ? ` ${problem.field}` : ''}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([label, count]) => `${label} ×${count}`)
    .join(', ');
}

const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;

/** One file's outcome, after its name. */
export function describeOutcome(facts: UploadFacts): string {
  const accepted = facts.rowsAccepted ?? 0;
  const quarantined = facts.rowsQuarantined ?? 0;
  const problems = facts.problems?.length ? ` — top problems ${topProblems(facts.problems)}` : '';
  const report = facts.report ? `, report: ${facts.report}` : '';
  switch (outcomeOf(facts)) {
    case 'accepted':
      return `accepted ${rows(accepted)}`;
    case 'quarantined':
      return `accepted ${rows(accepted)}, ${quarantined} quarantined${problems}${report}`;
    case 'all-quarantined':
      return `every row quarantined (${quarantined}), none accepted${problems}${report}`;
    case 'empty':
      return 'accepted, but it holds no records: nothing from it reaches a briefing';
    case 'refused':
      return `refused — ${facts.refusal ? `${facts.refusal.rule}: ${facts.refusal.message}` : 'no reason recorded'}${facts.refusal?.hint ? ` (${facts.refusal.hint})` : ''}${report}`;
    case 'unchanged':
      if (facts.refusedBeforeDespiteEncoding)
        return `unchanged — same bytes as ${facts.sameAs ?? 'an earlier upload'}, refused then; known bytes are not read again, so --encoding ${facts.refusedBeforeDespiteEncoding} does not reach them: re-save the file as UTF-8 and ingest that`;
      if (facts.madeCurrent) return 'unchanged — same bytes as an earlier upload of this name, current again';
      return `unchanged — same bytes as ${facts.sameAs ?? 'its current version'}, nothing to do`;
    case 'uploaded':
      return 'uploaded; the deployed pipeline takes it from here';
    case 'failed':
      return `failed — ${facts.error ?? 'no outcome was recorded'}`;
  }
}

/** `6 files: 4 accepted, 1 quarantined, 1 refused` — every outcome that occurred, counted. */
export function summariseOutcomes(all: readonly UploadFacts[]): string {
  const counts = new Map<Outcome, number>();
  for (const facts of all) counts.set(outcomeOf(facts), (counts.get(outcomeOf(facts)) ?? 0) + 1);
  const parts = OUTCOMES.filter((outcome) => counts.has(outcome)).map(
    (outcome) => `${counts.get(outcome)} ${outcome.replace('-', ' ')}`,
  );
  return `${all.length} file${all.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
