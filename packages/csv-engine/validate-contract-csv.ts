import {
  ContractCsvNormaliser,
  type FastNormaliseOptions,
  type FastNormaliseSummary,
} from './contract-csv-normaliser.ts';

// Apart from csv-columns.ts, which writes Arrow: ingest validates CSVs through this module only,
// so its bundle leaves apache-arrow out (test/infra/function-bundles.test.ts keeps it so).

/**
 * Validate a contract CSV read as a stream, without writing Arrow: the validation summary
 * (counts and every Problem) exactly as `validateSource` gives it for the reference reader; no
 * row is copied (`rows` is 0). Memory holds one chunk, the primary keys and the problems,
 * whatever the chunk count. Throws FastPathIneligibleError when the file is not one the fast path
 * reads (the caller then reads it the reference way, or refuses it when it is too large for that).
 */
export async function validateContractCsvStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: FastNormaliseOptions,
): Promise<FastNormaliseSummary> {
  const normaliser = new ContractCsvNormaliser({ ...options, validateOnly: true });
  let previous: Uint8Array | undefined;
  for await (const chunk of source) {
    if (previous) normaliser.push(previous, false);
    previous = chunk;
  }
  normaliser.push(previous ?? new Uint8Array(0), true);
  normaliser.close();
  return normaliser.result();
}
