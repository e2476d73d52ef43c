/**
 * Controlled vocabularies of the evidence base (DOMAIN.md §4.2–4.5).
 *
 * Each is a closed set: contracts use them as enums, Arrow stores them as dictionary-encoded
 * columns whose dictionary is the vocabulary itself (so every record batch shares it).
 */

export const THEME_JMDI = ['remittances', 'communities', 'capacities', 'rights'] as const;

export const THEME_HLD_RT = [
  'RT1_sustainable_dev_post2015',
  'RT2_rights_protection_trafficking',
  'RT3_partnerships_coherence_mainstreaming',
  'RT4_labour_mobility',
] as const;

/** Short labels analysts type (`--theme RT3`). */
export const HLD_RT_SHORT: Readonly<Record<string, (typeof THEME_HLD_RT)[number]>> = {
  RT1: 'RT1_sustainable_dev_post2015',
  RT2: 'RT2_rights_protection_trafficking',
  RT3: 'RT3_partnerships_coherence_mainstreaming',
  RT4: 'RT4_labour_mobility',
};

/**
 * Round-table labels: the full titles General Assembly resolution 67/219 gave the four round
 * tables (data-contracts/round-tables.ts quotes them with their source), never shortened.
 */
export const HLD_RT_LABELS: Readonly<Record<(typeof THEME_HLD_RT)[number], string>> = {
  RT1_sustainable_dev_post2015:
    'Round table 1: Assessing the effects of international migration on sustainable development and identifying relevant priorities in view of the preparation of the post-2015 development framework',
  RT2_rights_protection_trafficking:
    'Round table 2: Measures to ensure respect for and protection of the human rights of all migrants, with particular reference to women and children, as well as to prevent and combat smuggling of migrants and trafficking in persons, and to ensure regular, orderly and safe migration',
  RT3_partnerships_coherence_mainstreaming:
    'Round table 3: Strengthening partnerships and cooperation on international migration, mechanisms to effectively integrate migration into development policies and promoting coherence at all levels',
  RT4_labour_mobility:
    'Round table 4: International and regional labour mobility and its impact on development',
};

/** Default crosswalk JMDI theme → HLD round tables (DOMAIN.md §4.2); records may override. */
export const JMDI_TO_HLD_RT: Readonly<
  Record<(typeof THEME_JMDI)[number], readonly (typeof THEME_HLD_RT)[number][]>
> = {
  remittances: ['RT1_sustainable_dev_post2015', 'RT3_partnerships_coherence_mainstreaming'],
  communities: ['RT3_partnerships_coherence_mainstreaming'],
  capacities: ['RT4_labour_mobility', 'RT1_sustainable_dev_post2015'],
  rights: ['RT2_rights_protection_trafficking'],
};

export const POLICY_DIMENSION = ['policy', 'institutional', 'partnership'] as const;

export const SECTOR = [
  'health',
  'education',
  'employment_labour',
  'social_protection',
  'finance_remittances',
  'diaspora_engagement',
  'return_reintegration',
  'rural_agriculture',
  'gender',
  'data_statistics',
  'human_rights_protection',
  'other',
] as const;

export const HANDBOOK_STAGE = [
  'situation_assessment',
  'objectives_prioritisation',
  'programme_planning',
  'funding_capacity',
  'implementation',
  'monitoring_evaluation',
] as const;

export const OUTPUT_AREA = [
  'stakeholder_engagement',
  'evidence_base',
  'priorities_strategy',
  'capacity_monitoring',
] as const;

export const PILOT_PHASE = ['P1_2011_2013', 'P2_2014_2018'] as const;

export const PARTICIPATION_STATUS = ['candidate', 'active', 'suspended', 'withdrawn', 'completed'] as const;

/** Whether a source naming the pilot countries names the country (`pilot_status.listing`). */
export const STATUS_LISTING = ['listed', 'not_listed'] as const;

export const MILESTONE_TYPE = [
  'scoping_mission',
  'institutional_policy_assessment',
  'stakeholder_consultation',
  'coordination_mechanism_established',
  'emp_produced',
  'emp_template_adopted',
  'priorities_agreed',
  'strategy_or_action_plan_drafted',
  'strategy_or_action_plan_adopted',
  'sectoral_policy_integration',
  'budget_programme_created',
  'me_framework_established',
  'capacity_building',
  'evaluation_review',
] as const;

export const MILESTONE_STATUS = ['planned', 'in_progress', 'achieved', 'delayed', 'dropped'] as const;

export const DATE_PRECISION = ['day', 'month', 'year'] as const;

export const EXTRACTION_METHOD = ['parser', 'manual', 'llm_assisted'] as const;

export const CONFIDENCE = ['high', 'medium', 'low'] as const;

export const RESPONDENT_ROLE = [
  'resident_coordinator_office',
  'agency_focal_point',
  'joint_unct_response',
] as const;

export const CAPACITY_AREA = [
  'policy_advice_md',
  'labour_migration',
  'remittances_finance',
  'diaspora_engagement',
  'migrant_rights_protection',
  'trafficking_smuggling',
  'health_migrants',
  'education_skills',
  'data_statistics_emp',
  'mainstreaming_planning',
  'coordination_one_un',
  'resource_mobilisation',
] as const;

export const HAS_CAPACITY = ['yes', 'partial', 'no', 'unknown'] as const;

export const DEMAND_LEVEL = ['none', 'low', 'medium', 'high', 'unknown'] as const;

export const SUPPORT_TYPE = [
  'policy_advice',
  'evidence_data',
  'training',
  'programming_support',
  'coordination',
  'funding',
  'tools_guidance',
] as const;

export const QUESTION_TYPE = [
  'select_one',
  'select_multiple',
  'integer',
  'decimal',
  'text',
  'date',
  'note',
] as const;

export const SELECTION_STATUS = ['awarded', 'implemented', 'withdrawn', 'unknown'] as const;

export const LESSON_QUESTION = [
  'what_works',
  'conditions',
  'transnational_space',
  'why',
  'what_fails',
] as const;

export const PRACTICE_TYPE = [
  'local_authority_partnership',
  'diaspora_investment_fund',
  'remittance_financial_inclusion',
  'skills_transfer_virtual_return',
  'pre_departure_information',
  'migrant_rights_legal_aid',
  'hometown_association_support',
  'mapping_diaspora',
  'other',
] as const;

export const CONDITION_TAG = [
  'local_authority_ownership',
  'diaspora_association_capacity',
  'origin_destination_partnership',
  'legal_policy_framework',
  'financial_services_access',
  'gender_responsive',
  'sustained_funding',
  'multi_stakeholder_coordination',
] as const;

export const EVIDENCE_TYPE = [
  'project_final_report',
  'external_evaluation',
  'stakeholder_interview',
  'self_assessment',
  'jmdi_synthesis',
] as const;

export const EVIDENCE_STRENGTH = ['strong', 'moderate', 'weak'] as const;

export const REPLICABILITY = ['high', 'medium', 'low', 'unknown'] as const;

export const EVENT_TYPE = [
  'gfmd_thematic_meeting',
  'gfmd_preparatory_meeting',
  'gfmd_summit',
  'workshop',
  'seminar',
  'programme_launch',
  'coordination_meeting',
  'hld_session',
  'hld_hearing',
  'publication_launch',
] as const;

export const DOC_TYPE = [
  'pilot_report',
  'pilot_newsletter',
  'survey_export',
  'survey_report',
  'jmdi_stocktaking',
  'jmdi_project_profile',
  'emp',
  'gfmd_paper',
  'un_report',
  'dataset',
  'iati_file',
] as const;

/** Which HLD round table a UNCT capacity area informs (for the survey demands of a theme). */
export const CAPACITY_TO_HLD_RT: Readonly<
  Record<(typeof CAPACITY_AREA)[number], (typeof THEME_HLD_RT)[number]>
> = {
  policy_advice_md: 'RT3_partnerships_coherence_mainstreaming',
  labour_migration: 'RT4_labour_mobility',
  remittances_finance: 'RT1_sustainable_dev_post2015',
  diaspora_engagement: 'RT1_sustainable_dev_post2015',
  migrant_rights_protection: 'RT2_rights_protection_trafficking',
  trafficking_smuggling: 'RT2_rights_protection_trafficking',
  health_migrants: 'RT2_rights_protection_trafficking',
  education_skills: 'RT4_labour_mobility',
  data_statistics_emp: 'RT3_partnerships_coherence_mainstreaming',
  mainstreaming_planning: 'RT3_partnerships_coherence_mainstreaming',
  coordination_one_un: 'RT3_partnerships_coherence_mainstreaming',
  resource_mobilisation: 'RT3_partnerships_coherence_mainstreaming',
};

export const INSTRUMENT_TYPE = [
  'national_development_strategy',
  'sector_strategy',
  'action_plan',
  'law_regulation',
  'budget_programme',
  'undaf_or_un_framework',
  'local_development_plan',
] as const;

export const INTEGRATION_LEVEL = [
  '0_not_addressed',
  '1_mentioned',
  '2_objectives',
  '3_objectives_and_indicators',
  '4_budgeted_and_monitored',
] as const;

export const MECHANISM_TYPE = [
  'inter_ministerial_committee',
  'technical_working_group',
  'multi_stakeholder_consultation',
  'diaspora_consultation',
  'un_inter_agency_group',
  'm_and_e_framework',
  'data_system_or_emp_twg',
] as const;

export const EMP_PART = ['A', 'B', 'C', 'D', 'annex'] as const;

export const ALIAS_SCHEME = ['wb_name', 'un_name', 'iso_name', 'note_text', 'other'] as const;

export const SURVEY_MODE = ['kobo', 'odk', 'email_form', 'web_other', 'spreadsheet'] as const;

export const SURVEY_TOPIC = ['capacity', 'demand', 'coordination', 'data', 'partnerships', 'other'] as const;

export const PROFILE_SOURCE = ['survey_2011', 'pilot_report'] as const;

export const PARTNER_ROLE = [
  'lead_applicant',
  'co_applicant',
  'associate',
  'funding',
  'accountable',
  'extending',
  'implementing',
] as const;

export const PARTNER_SIDE = ['origin', 'destination', 'third'] as const;

export const OBSERVATION_SOURCE = [
  'UNDESA_IMS',
  'WB_KNOMAD_BILAT',
  'WB_WDI',
  'WB_RPW',
  'SDG_GLOBAL_DB',
  'national',
] as const;

export const SEX = ['_T', 'F', 'M'] as const;

export const OBS_STATUS = ['A', 'E', 'P', 'M'] as const;

/** Every vocabulary by name, for `hld contracts` and the docs. */
export const VOCABULARIES = {
  theme_jmdi: THEME_JMDI,
  theme_hld_rt: THEME_HLD_RT,
  policy_dimension: POLICY_DIMENSION,
  sector: SECTOR,
  handbook_stage: HANDBOOK_STAGE,
  output_area: OUTPUT_AREA,
  pilot_phase: PILOT_PHASE,
  participation_status: PARTICIPATION_STATUS,
  status_listing: STATUS_LISTING,
  milestone_type: MILESTONE_TYPE,
  milestone_status: MILESTONE_STATUS,
  date_precision: DATE_PRECISION,
  extraction_method: EXTRACTION_METHOD,
  confidence: CONFIDENCE,
  respondent_role: RESPONDENT_ROLE,
  capacity_area: CAPACITY_AREA,
  has_capacity: HAS_CAPACITY,
  demand_level: DEMAND_LEVEL,
  support_type: SUPPORT_TYPE,
  question_type: QUESTION_TYPE,
  selection_status: SELECTION_STATUS,
  lesson_question: LESSON_QUESTION,
  practice_type: PRACTICE_TYPE,
  condition_tag: CONDITION_TAG,
  evidence_type: EVIDENCE_TYPE,
  evidence_strength: EVIDENCE_STRENGTH,
  replicability: REPLICABILITY,
  event_type: EVENT_TYPE,
  doc_type: DOC_TYPE,
  instrument_type: INSTRUMENT_TYPE,
  integration_level: INTEGRATION_LEVEL,
  mechanism_type: MECHANISM_TYPE,
  emp_part: EMP_PART,
  alias_scheme: ALIAS_SCHEME,
  survey_mode: SURVEY_MODE,
  survey_topic: SURVEY_TOPIC,
  profile_source: PROFILE_SOURCE,
  partner_role: PARTNER_ROLE,
  partner_side: PARTNER_SIDE,
  observation_source: OBSERVATION_SOURCE,
  sex: SEX,
  obs_status: OBS_STATUS,
} as const;
