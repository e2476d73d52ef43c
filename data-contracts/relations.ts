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
