import type { SourceKind } from '#packages/pipeline/events.ts';
import type { TableContract } from './contract.ts';
import { pilotContract, pilotMilestoneContract } from './pilot.ts';
import { countryContract, eventContract, sourceDocumentContract } from './reference.ts';
import { jmdiLessonContract, jmdiProjectContract } from './stocktaking.ts';
import { surveyRespondentContract, surveyResponseContract } from './survey.ts';

/** Every table contract of the evidence base. */
export const TABLE_CONTRACTS: readonly TableContract[] = [
  countryContract,
  sourceDocumentContract,
  eventContract,
  pilotContract,
  pilotMilestoneContract,
  surveyRespondentContract,
  surveyResponseContract,
  jmdiProjectContract,
  jmdiLessonContract,
];

/** Tables whose rows arrive in uploaded files (the country reference ships with the code). */
export const INGESTED_TABLES = TABLE_CONTRACTS.filter((contract) => contract.table !== 'country');

export class UnknownTableError extends Error {
  override readonly name = 'UnknownTableError';
}

export function contractForTable(table: string): TableContract {
  const contract = TABLE_CONTRACTS.find((candidate) => candidate.table === table);
  if (!contract) {
    throw new UnknownTableError(
      `No data contract for table '${table}'. Known tables: ${TABLE_CONTRACTS.map((c) => c.table).join(', ')}`,
    );
  }
  return contract;
}

export function contractsForKind(kind: SourceKind): TableContract[] {
  return INGESTED_TABLES.filter((contract) => contract.kind === kind);
}
