/**
 * Foreign keys between ingested tables, as plain data (no zod), so the briefing builder can
 * check them across files without carrying the contracts into its bundle. A unit test keeps
 * this list equal to the `foreignKeys` of the contracts.
 */
export interface Relation {
  readonly table: string;
  readonly field: string;
  readonly references: { readonly table: string; readonly field: string };
}

export const RELATIONS: readonly Relation[] = [
  { table: 'pilot_status', field: 'pilot_id', references: { table: 'pilot', field: 'pilot_id' } },
  { table: 'pilot_milestone', field: 'pilot_id', references: { table: 'pilot', field: 'pilot_id' } },
  { table: 'pilot_sector_integration', field: 'pilot_id', references: { table: 'pilot', field: 'pilot_id' } },
  { table: 'pilot_mechanism', field: 'pilot_id', references: { table: 'pilot', field: 'pilot_id' } },
  { table: 'survey_question', field: 'survey_id', references: { table: 'survey', field: 'survey_id' } },
  {
    table: 'survey_response',
    field: 'respondent_id',
    references: { table: 'survey_respondent', field: 'respondent_id' },
  },
  { table: 'jmdi_partner', field: 'project_id', references: { table: 'jmdi_project', field: 'project_id' } },
  {
    table: 'jmdi_transnational_link',
    field: 'project_id',
    references: { table: 'jmdi_project', field: 'project_id' },
  },
  { table: 'jmdi_result', field: 'project_id', references: { table: 'jmdi_project', field: 'project_id' } },
  { table: 'jmdi_lesson', field: 'project_id', references: { table: 'jmdi_project', field: 'project_id' } },
];

/**
 * Primary keys of the ingested tables, as plain data (no zod), so the briefing builder can find a
 * key claimed by two files without carrying the contracts. A unit test keeps this list equal to
 * the contracts' `primaryKey`s.
 */
export const PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  country_alias: ['alias', 'scheme'],
  organisation: ['org_id'],
  source_document: ['doc_id'],
  event: ['event_id'],
  pilot: ['pilot_id'],
  pilot_status: ['status_id'],
  pilot_milestone: ['milestone_id'],
  pilot_sector_integration: ['pilot_id', 'sector', 'instrument_name'],
  pilot_mechanism: ['mechanism_id'],
  migration_profile: ['emp_id'],
  unct_capacity_note: ['note_id'],
  survey: ['survey_id'],
  survey_question: ['survey_id', 'question_name'],
  survey_choice: ['list_name', 'choice_name'],
  survey_respondent: ['respondent_id'],
  survey_response: ['respondent_id', 'question_name', 'seq'],
  unct_capacity_profile: ['unct_id', 'capacity_area', 'source'],
  jmdi_project: ['project_id'],
  jmdi_partner: ['project_id', 'org_id', 'role'],
  jmdi_transnational_link: [
    'project_id',
    'origin_iso3',
    'destination_iso3',
    'origin_locality',
    'destination_locality',
  ],
  jmdi_result: ['result_id'],
  jmdi_lesson: ['lesson_id'],
  observation: [
    'indicator_id',
    'ref_area_iso3',
    'counterpart_iso3',
    'time_period',
    'sex',
    'source',
    'dataset_revision',
  ],
};

/** The column that names the country a row of a table concerns (its brief shows the row). */
export const COUNTRY_COLUMNS: Readonly<Record<string, string>> = {
  event: 'iso3',
  pilot: 'iso3',
  survey_respondent: 'iso3',
  jmdi_project: 'target_country_iso3',
  jmdi_lesson: 'iso3',
  observation: 'ref_area_iso3',
};
