import fc from 'fast-check';
import type { SurveyCodebook, SurveyQuestion } from '#packages/formats/kobo.ts';

/**
 * A valid answer to one question of a codebook, as a Kobo export writes it: a choice (or none) of
 * a select_one, choices of a select_multiple space-separated, a small integer, or a text.
 */
export function koboAnswer(codebook: SurveyCodebook, question: SurveyQuestion): fc.Arbitrary<string> {
  const choices = codebook.choices
    .filter((choice) => choice.list_name === question.list_name)
    .map((choice) => choice.name);
  switch (question.type) {
    case 'select_one':
      return fc.oneof(fc.constantFrom(...choices), fc.constant(''));
    case 'select_multiple':
      return fc.subarray(choices, { minLength: 1 }).map((picked) => picked.join(' '));
    case 'integer':
      return fc.nat(20).map(String);
    default:
      return fc.constantFrom('', 'Joint programme planned', 'Needs "guidance"; soon');
  }
}
