import type { TableContract } from './contract.ts';
import {
  migrationProfileContract,
  pilotContract,
  pilotMechanismContract,
  pilotMilestoneContract,
  pilotSectorIntegrationContract,
  pilotStatusContract,
  unctCapacityNoteContract,
} from './pilot.ts';
import {
  countryAliasContract,
  countryContract,
  eventContract,
  organisationContract,
  sourceDocumentContract,
} from './reference.ts';
import type { SourceKind } from './source-kinds.ts';
import { observationContract } from './statistics.ts';
import {
  jmdiLessonContract,
  jmdiPartnerContract,
  jmdiProjectContract,
  jmdiResultContract,
  jmdiTransnationalLinkContract,
} from './stocktaking.ts';
import {
  surveyChoiceContract,
  surveyContract,
  surveyQuestionContract,
  surveyRespondentContract,
  surveyResponseContract,
  unctCapacityProfileContract,
} from './survey.ts';

/** Every table contract of the evidence base (DOMAIN.md §4). */
export const TABLE_CONTRACTS: readonly TableContract[] = [
  countryContract,
  countryAliasContract,
  organisationContract,
  sourceDocumentContract,
  eventContract,
  pilotContract,
  pilotStatusContract,
  pilotMilestoneContract,
  pilotSectorIntegrationContract,
  pilotMechanismContract,
  migrationProfileContract,
  unctCapacityNoteContract,
  surveyContract,
  surveyQuestionContract,
  surveyChoiceContract,
  surveyRespondentContract,
  surveyResponseContract,
  unctCapacityProfileContract,
  jmdiProjectContract,
  jmdiPartnerContract,
  jmdiTransnationalLinkContract,
  jmdiResultContract,
  jmdiLessonContract,
  observationContract,
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
