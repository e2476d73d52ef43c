import type { Problem } from '#packages/contracts/problems.ts';

/**
 * What happened to one uploaded file, said as a person would: `accepted 12 rows`, `3 quarantined
 * — top problems …, report: …`, `refused — <rule>: <message>`, `unchanged — same bytes as …,
 * nothing to do`; and one summary line that counts each outcome. Every file gets exactly one
 * outcome, and the summary counts every file. A large upload whose file-level checks passed is
 * `pending` until normalise has counted its rows (docs/ingest-one-pass.md).
 */

export const OUTCOMES = [
  'accepted',
  'quarantined',
  'all-quarantined',
  'empty',
  'refused',
  'pending',
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
   * Unchanged bytes accepted before under another reading than this upload declares (its
   * encoding): `[as read then, as declared now]`. Accepted bytes are not read again (their rows may
   * be published), so the declared encoding is said not to apply, never silently dropped.
   */
  readonly acceptedReadAs?: readonly [string, string];
  /** These bytes were refused before under another reading, and were read again now. */
  readonly refusedBefore?: { readonly encoding?: string; readonly rule: string };
  /** The encoding this upload was read in, when one was declared. */
  readonly encoding?: string;
  /** Unchanged bytes of an earlier upload of the same name, made its current version again. */
  readonly madeCurrent?: boolean;
  readonly error?: string;
  /**
   * A stage failed after ingest had kept the upload as pending (a large file whose rows normalise
   * counts): the bytes and the ledger entry stay, and the next refresh checks it again.
   */
  readonly stillPending?: boolean;
  /** The problems of the quarantine report, when it was read. */
  readonly problems?: readonly Problem[];
}

export function outcomeOf(facts: UploadFacts): Outcome {
  if (facts.status === 'failed' || facts.status === 'unknown') return 'failed';
  if (facts.status === 'uploaded') return 'uploaded';
  if (facts.status === 'unchanged') return 'unchanged';
  if (facts.status === 'refused') return 'refused';
  if (facts.status === 'pending') return 'pending';
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

/** `(refused before as UTF-8: encoding; read again as windows-1252)` after a re-read. */
function again(facts: UploadFacts): string {
  if (!facts.refusedBefore) return '';
  return ` (refused before${facts.refusedBefore.encoding ? ` as ${facts.refusedBefore.encoding}` : ''}: ${facts.refusedBefore.rule}; checked again${facts.encoding ? ` as ${facts.encoding}` : ''})`;
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
      return `accepted ${rows(accepted)}${again(facts)}`;
    case 'quarantined':
      return `accepted ${rows(accepted)}, ${quarantined} quarantined${problems}${report}${again(facts)}`;
    case 'all-quarantined':
      return `every row quarantined (${quarantined}), none accepted${problems}${report}`;
    case 'empty':
      return 'accepted, but it holds no records: nothing from it reaches a briefing';
    case 'refused':
      return `refused — ${facts.refusal ? `${facts.refusal.rule}: ${facts.refusal.message}` : 'no reason recorded'}${facts.refusal?.hint ? ` (${facts.refusal.hint})` : ''}${report}`;
    case 'pending':
      return 'accepted for checking; rows counted by normalise (see `hld status`)';
    case 'unchanged':
      if (facts.acceptedReadAs)
        return `unchanged — same bytes as ${facts.sameAs ?? 'its current version'}, accepted before read as ${facts.acceptedReadAs[0]}; accepted bytes are not read again, so reading them as ${facts.acceptedReadAs[1]} does not apply`;
      if (facts.madeCurrent) return 'unchanged — same bytes as an earlier upload of this name, current again';
      return `unchanged — same bytes as ${facts.sameAs ?? 'its current version'}, nothing to do`;
    case 'uploaded':
      return 'uploaded; the deployed pipeline takes it from here';
    case 'failed':
      return `failed — ${facts.error ?? 'no outcome was recorded'}${
        facts.stillPending
          ? '; the upload is kept, pending: `hld refresh` checks its rows again (see `hld status`)'
          : ''
      }`;
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
