import type { QUESTION_TYPE } from '#contracts/vocabularies.ts';
import * as z from '#contracts/zod.ts';
import gmgCodebook from '../../data-contracts/survey/gmg-unct-2011.codebook.json' with { type: 'json' };
import { countryReference } from './countries.ts';
import {
  type CsvRecord,
  detectDelimiter,
  formulaWithoutValueProblem,
  ignoredColumnsNotice,
  isBlankRecord,
  isHxlRow,
  iterateCsvRecords,
  refuseDuplicateHeader,
} from './csv.ts';
import {
  type ReaderInput,
  type ReadNotice,
  type RowProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { decodeText } from './text.ts';

/**
 * KoboToolbox and ODK survey exports → `survey_respondent` and tidy `survey_response` rows
 * (DOMAIN.md A5, §4.4 adapter rules). Columns are matched by name, never by position; headers
 * may be XML names (group separator `/` or ODK's `-`) or labels; select_multiple may come as a
 * space-separated summary, as `question/choice` 0/1 columns, or both (then they must agree).
 */

export type QuestionType = (typeof QUESTION_TYPE)[number];

export interface SurveyQuestion {
  /** XLSForm name with its group path, `/`-joined (`capacity/labour_migration`). */
  readonly name: string;
  readonly type: QuestionType;
  readonly list_name?: string;
  readonly label_en?: string;
  /** XLSForm `or_other`: an `other` choice with the text in `<name>_other`. */
  readonly or_other?: boolean;
}

export interface SurveyChoice {
  readonly list_name: string;
  readonly name: string;
  readonly label_en?: string;
  /** Code this choice stands for in a vocabulary or the organisation table (`XM-DAC-41114`). */
  readonly maps_to_code?: string;
}

/** A survey form in XLSForm shape: its questions (survey sheet) and choices (choices sheet). */
export interface SurveyCodebook {
  readonly survey_id: string;
  readonly form_version?: string;
  readonly questions: readonly SurveyQuestion[];
  readonly choices: readonly SurveyChoice[];
}

export interface KoboReadOptions {
  /** The form; defaults to the GMG UNCT 2011 codebook shipped in data-contracts/survey/. */
  readonly codebook?: SurveyCodebook;
  /** Question holding the UNCT country. @default 'unct_country' */
  readonly countryQuestion?: string;
  /** select_one question whose choices map to organisation ids. @default 'agency' */
  readonly agencyQuestion?: string;
  /** select_one question holding the respondent role. @default 'respondent_role' */
  readonly roleQuestion?: string;
}

const codebookSchema = z.object({
  survey_id: z.string().check(z.minLength(1)),
  form_version: z.optional(z.string()),
  questions: z.array(
    z.object({
      name: z.string().check(z.minLength(1)),
      type: z.string().check(z.minLength(1)),
      list_name: z.optional(z.string()),
      label_en: z.optional(z.string()),
      or_other: z.optional(z.boolean()),
    }),
  ),
  choices: z.array(
    z.object({
      list_name: z.string().check(z.minLength(1)),
      name: z.string().check(z.minLength(1)),
      label_en: z.optional(z.string()),
      maps_to_code: z.optional(z.string()),
    }),
  ),
});

/**
 * A codebook from its JSON form. `type` may be written the XLSForm way (`select_one has_capacity`,
 * `select_multiple support_type or_other`); group markers and unsupported types are dropped.
 */
export function codebookFromJson(value: unknown, sourceName = 'codebook'): SurveyCodebook {
  const parsed = codebookSchema.safeParse(value);
  if (!parsed.success) {
    throw new SourceRefusedError(
      `Survey codebook '${sourceName}' is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      'codebook',
      'A codebook has survey_id, questions[{type,name,list_name?,label_en?}] and choices[{list_name,name,label_en?,maps_to_code?}].',
    );
  }
  const questions: SurveyQuestion[] = [];
  for (const question of parsed.data.questions) {
    const typed = parseQuestionType(question.type);
    if (!typed) continue;
    questions.push({
      name: question.name,
      type: typed.type,
      ...(question.list_name || typed.listName ? { list_name: question.list_name ?? typed.listName } : {}),
      ...(question.label_en ? { label_en: question.label_en } : {}),
      ...(question.or_other || typed.orOther ? { or_other: true } : {}),
    });
  }
  return {
    survey_id: parsed.data.survey_id,
    ...(parsed.data.form_version ? { form_version: parsed.data.form_version } : {}),
    questions,
    choices: parsed.data.choices,
  };
}

const XLSFORM_TYPE_ALIASES: Readonly<Record<string, QuestionType>> = {
  select_one: 'select_one',
  select1: 'select_one',
  select_multiple: 'select_multiple',
  integer: 'integer',
  int: 'integer',
  decimal: 'decimal',
  text: 'text',
  string: 'text',
  date: 'date',
  note: 'note',
};

/** `select_one list or_other` → parts; undefined for groups, metadata and unsupported types. */
export function parseQuestionType(
  raw: string,
): { type: QuestionType; listName?: string; orOther?: boolean } | undefined {
  const [head = '', listName, modifier] = raw.trim().split(/\s+/);
  const type = XLSFORM_TYPE_ALIASES[head.toLowerCase()];
  if (!type) return undefined;
  return {
    type,
    ...(listName ? { listName } : {}),
    ...(modifier === 'or_other' ? { orOther: true } : {}),
  };
}

let defaultCodebook: SurveyCodebook | undefined;

/** The GMG UNCT 2011 codebook shipped in `data-contracts/survey/`, loaded once. */
export function defaultSurveyCodebook(): SurveyCodebook {
  if (!defaultCodebook) {
    defaultCodebook = codebookFromJson(gmgCodebook, 'gmg-unct-2011.codebook.json');
  }
  return defaultCodebook;
}

/**
 * A codebook from the two XLSForm sheets given as rows of cells (header first): `survey`
 * (`type`, `name`, `label` or `label::English (en)`, …) and `choices` (`list_name`, `name`,
 * `label`, optional `maps_to_code`). Group paths are rebuilt from `begin_group`/`end_group`.
 */
export function codebookFromXlsFormSheets(
  surveyId: string,
  survey: readonly (readonly string[])[],
  choices: readonly (readonly string[])[],
  formVersion?: string,
): SurveyCodebook {
  const [surveyHeader = [], ...surveyRows] = survey;
  const [choiceHeader = [], ...choiceRows] = choices;
  const column = (header: readonly string[], ...names: string[]) => {
    const keys = header.map((cell) => cell.trim().toLowerCase());
    for (const name of names) {
      const exact = keys.indexOf(name);
      if (exact >= 0) return exact;
    }
    // `label::English (en)` style: first label column in English, else the first label column.
    const prefix = names[0];
    const english = keys.findIndex((key) => key.startsWith(`${prefix}::`) && /english|\(en\)/.test(key));
    return english >= 0 ? english : keys.findIndex((key) => key.startsWith(`${prefix}::`));
  };
  const typeAt = column(surveyHeader, 'type');
  const nameAt = column(surveyHeader, 'name');
  const labelAt = column(surveyHeader, 'label');
  if (typeAt < 0 || nameAt < 0) {
    throw new SourceRefusedError(
      `XLSForm for '${surveyId}' has no 'type' and 'name' columns on its survey sheet`,
      'codebook',
      'The survey sheet of an XLSForm starts with a header row: type, name, label, …',
    );
  }
  const questions: Record<string, unknown>[] = [];
  const groups: string[] = [];
  for (const row of surveyRows) {
    const rawType = (row[typeAt] ?? '').trim();
    const name = (row[nameAt] ?? '').trim();
    const typeWord = rawType.toLowerCase().replace(/\s+/g, '_');
    if (typeWord.startsWith('begin_group') || typeWord.startsWith('begin_repeat')) {
      if (name) groups.push(name);
      continue;
    }
    if (typeWord.startsWith('end_group') || typeWord.startsWith('end_repeat')) {
      groups.pop();
      continue;
    }
    if (!rawType || !name) continue;
    const label = labelAt >= 0 ? (row[labelAt] ?? '').trim() : '';
    questions.push({
      type: rawType,
      name: [...groups, name].join('/'),
      ...(label ? { label_en: label } : {}),
    });
  }
  const listAt = column(choiceHeader, 'list_name', 'list name');
  const choiceNameAt = column(choiceHeader, 'name');
  const choiceLabelAt = column(choiceHeader, 'label');
  const mapsAt = column(choiceHeader, 'maps_to_code');
  const choiceList: Record<string, unknown>[] = [];
  for (const row of choiceRows) {
    const listName = (row[listAt] ?? '').trim();
    const name = (row[choiceNameAt] ?? '').trim();
    if (!listName || !name) continue;
    const label = choiceLabelAt >= 0 ? (row[choiceLabelAt] ?? '').trim() : '';
    const maps = mapsAt >= 0 ? (row[mapsAt] ?? '').trim() : '';
    choiceList.push({
      list_name: listName,
      name,
      ...(label ? { label_en: label } : {}),
      ...(maps ? { maps_to_code: maps } : {}),
    });
  }
  return codebookFromJson(
    {
      survey_id: surveyId,
      ...(formVersion ? { form_version: formVersion } : {}),
      questions,
      choices: choiceList,
    },
    `XLSForm ${surveyId}`,
  );
}

/** A codebook from two CSV files laid out like the XLSForm `survey` and `choices` sheets. */
export function codebookFromCsv(
  surveyId: string,
  surveyCsv: string,
  choicesCsv: string,
  formVersion?: string,
): SurveyCodebook {
  const rows = (text: string, fileName: string) =>
    [...iterateCsvRecords(text, { fileName })].map((record) => record.record);
  return codebookFromXlsFormSheets(
    surveyId,
    rows(surveyCsv, 'survey.csv'),
    rows(choicesCsv, 'choices.csv'),
    formVersion,
  );
}

// ---- column roles -------------------------------------------------------------------------------

/** Kobo and ODK metadata columns, by lower-cased name with `/` as group separator. */
const META_COLUMNS: Readonly<Record<string, MetaField>> = {
  _id: 'id',
  _uuid: 'uuid',
  _submission_time: 'submissionTime',
  _validation_status: 'validationStatus',
  _notes: 'other',
  _status: 'other',
  _submitted_by: 'other',
  _tags: 'other',
  _index: 'index',
  _parent_index: 'parentIndex',
  _parent_table_name: 'other',
  _submission__uuid: 'submissionUuid',
  _submission__id: 'other',
  _submission__submission_time: 'other',
  _xform_id_string: 'other',
  _attachments: 'other',
  _geolocation: 'other',
  __version__: 'other',
  'meta/instanceid': 'instanceId',
  'meta/instancename': 'other',
  'meta/deprecatedid': 'other',
  'meta/rootuuid': 'other',
  'formhub/uuid': 'other',
  instanceid: 'instanceId',
  key: 'key',
  parent_key: 'parentIndex',
  submissiondate: 'submissionTime',
  submitterid: 'other',
  submittername: 'other',
  attachmentspresent: 'other',
  attachmentsexpected: 'other',
  status: 'other',
  reviewstate: 'validationStatus',
  deviceid: 'other',
  edits: 'other',
  formversion: 'other',
  start: 'other',
  end: 'other',
  today: 'other',
  username: 'other',
  simserial: 'other',
  subscriberid: 'other',
  phonenumber: 'other',
};

type MetaField =
  | 'id'
  | 'uuid'
  | 'submissionTime'
  | 'validationStatus'
  | 'index'
  | 'parentIndex'
  | 'submissionUuid'
  | 'instanceId'
  | 'key'
  | 'other';

type ColumnRole =
  | { kind: 'meta'; field: MetaField }
  | { kind: 'question'; question: SurveyQuestion }
  | { kind: 'choice'; question: SurveyQuestion; choice: SurveyChoice; exportedChoice: string }
  | { kind: 'other-text'; question: SurveyQuestion }
  | { kind: 'unknown' };

function metaKey(header: string): string {
  return header.trim().toLowerCase().replace(/-/g, '/');
}

/**
 * True when a header row is a Kobo/ODK export: it has `_uuid`, `meta/instanceID` or ODK `KEY`, or
 * the `_parent_index`/`_submission__uuid` links of a repeat-group table.
 */
export function isKoboHeader(cells: readonly string[]): boolean {
  return cells.some((cell) => {
    const key = metaKey(cell);
    return (
      key === '_uuid' ||
      key === 'meta/instanceid' ||
      key === '_parent_index' ||
      key === '_submission__uuid' ||
      cell.trim() === 'KEY'
    );
  });
}

function labelKey(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, ' ');
}

class ColumnResolver {
  private readonly byName = new Map<string, SurveyQuestion>();
  private readonly byLabel = new Map<string, SurveyQuestion>();
  private readonly bySegment = new Map<string, SurveyQuestion | null>();
  private readonly choicesByList = new Map<string, SurveyChoice[]>();
  readonly codebook: SurveyCodebook;

  constructor(codebook: SurveyCodebook) {
    this.codebook = codebook;
    for (const question of codebook.questions) {
      this.byName.set(question.name.toLowerCase(), question);
      if (question.label_en) this.byLabel.set(labelKey(question.label_en), question);
      const segment = question.name.split('/').pop()?.toLowerCase() ?? '';
      // A last segment shared by two questions (`capacity/x`, `demand/x`) cannot identify either.
      this.bySegment.set(segment, this.bySegment.has(segment) ? null : question);
    }
    for (const choice of codebook.choices) {
      const list = this.choicesByList.get(choice.list_name) ?? [];
      list.push(choice);
      this.choicesByList.set(choice.list_name, list);
    }
  }

  choices(question: SurveyQuestion): readonly SurveyChoice[] {
    return question.list_name ? (this.choicesByList.get(question.list_name) ?? []) : [];
  }

  /** Choice by exported name, else by label (label-language exports). */
  choice(question: SurveyQuestion, exported: string): SurveyChoice | undefined {
    const choices = this.choices(question);
    const trimmed = exported.trim();
    return (
      choices.find((choice) => choice.name === trimmed) ??
      choices.find(
        (choice) => choice.label_en !== undefined && labelKey(choice.label_en) === labelKey(trimmed),
      )
    );
  }

  question(header: string): SurveyQuestion | undefined {
    const trimmed = header.trim();
    const lower = trimmed.toLowerCase();
    const direct = this.byName.get(lower) ?? this.byName.get(lower.replace(/-/g, '/'));
    if (direct) return direct;
    const label = this.byLabel.get(labelKey(trimmed));
    if (label) return label;
    // `hierarchy_in_labels` exports prefix group labels: keep the last part.
    const lastLabel = trimmed.split('/').pop();
    if (lastLabel && lastLabel !== trimmed) {
      const byLastLabel = this.byLabel.get(labelKey(lastLabel));
      if (byLastLabel) return byLastLabel;
    }
    // ODK "remove group names" exports: the bare name, when it is unambiguous.
    return this.bySegment.get(lower.split(/[/-]/).pop() ?? lower) ?? undefined;
  }

  role(header: string): ColumnRole {
    // A form may name a question like an ODK meta column (`start`, `status`): the form wins.
    const named = this.byName.get(header.trim().toLowerCase());
    if (named) return { kind: 'question', question: named };
    const meta = META_COLUMNS[metaKey(header)];
    if (meta) return { kind: 'meta', field: meta };
    const question = this.question(header);
    if (question) return { kind: 'question', question };
    const trimmed = header.trim();
    // `question/choice` (Kobo) or `question-choice` (ODK) 0/1 columns; try every split point.
    for (let index = trimmed.length - 1; index > 0; index -= 1) {
      if (trimmed[index] !== '/' && trimmed[index] !== '-') continue;
      const parent = this.question(trimmed.slice(0, index));
      if (parent?.type !== 'select_multiple') continue;
      const exportedChoice = trimmed.slice(index + 1);
      const choice = this.choice(parent, exportedChoice);
      if (choice) return { kind: 'choice', question: parent, choice, exportedChoice };
    }
    const otherMatch = /^(.*?)(?:[_/-]other)$/i.exec(trimmed);
    if (otherMatch?.[1]) {
      const parent = this.question(otherMatch[1]);
      if (parent && (parent.type === 'select_one' || parent.type === 'select_multiple')) {
        return { kind: 'other-text', question: parent };
      }
    }
    return { kind: 'unknown' };
  }
}

// ---- reading ------------------------------------------------------------------------------------

/** One record of an export with the locator of its row (`line 5`, `sheet "Data" row 5`). */
export interface SurveyRecord extends CsvRecord {
  /** Place of the row, used in `source_locator` and `source_row_ref`. */
  readonly where: string;
}

/** Read a KoboToolbox/ODK CSV export (`;` all-quoted Kobo dialect or `,` ODK). */
export async function readKoboCsv(
  input: ReaderInput,
  options: KoboReadOptions = {},
): Promise<SourceReadResult> {
  const decoded = decodeText(input.bytes, input.fileName, input.encoding);
  const delimiter = detectDelimiter(decoded.text);
  const records = [...iterateCsvRecords(decoded.text, { delimiter, fileName: input.fileName })].map(
    (record): SurveyRecord => ({ ...record, where: `line ${record.line}` }),
  );
  const dialect = delimiter === ';' ? 'kobo' : records[0]?.record.includes('KEY') ? 'odk' : 'kobo';
  return surveyRowsFromRecords(input, records, options, {
    format: 'kobo-csv',
    metadata: { encoding: decoded.encoding, bom: decoded.bom, delimiter, dialect },
    sourceRef: (record) => `${input.fileName} line ${record.line}`,
  });
}

export interface SurveyRecordsOptions {
  readonly format: string;
  readonly metadata: Record<string, unknown>;
  /** `source_row_ref` of a record, without the `(_index K)` suffix. */
  readonly sourceRef: (record: SurveyRecord) => string;
}

/** Export records (header first, optional HXL row) → respondent and response rows. */
export function surveyRowsFromRecords(
  input: ReaderInput,
  allRecords: readonly SurveyRecord[],
  options: KoboReadOptions,
  read: SurveyRecordsOptions,
): SourceReadResult {
  const codebook = options.codebook ?? defaultSurveyCodebook();
  const records = allRecords.filter((record) => !isBlankRecord(record.record));
  const headerRecord = records[0];
  if (!headerRecord) {
    throw new SourceRefusedError(
      `Survey export '${input.fileName}' is empty`,
      'empty',
      'Export the submissions again from KoboToolbox or ODK Central.',
    );
  }
  const header = headerRecord.record.map((cell) => cell.trim());
  if (!isKoboHeader(header)) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is not a KoboToolbox/ODK export: its header has no _uuid, meta/instanceID or KEY column`,
      'unknown-columns',
      'Export with the submission metadata columns included (Kobo: "Include meta data"), or upload a survey_respondent/survey_response CSV instead.',
      headerRecord.where,
    );
  }
  refuseDuplicateHeader(input.fileName, header, headerRecord.where);
  const resolver = new ColumnResolver(codebook);
  const roles = header.map((cell) => resolver.role(cell));
  const metadata: Record<string, unknown> = {
    ...read.metadata,
    surveyId: codebook.survey_id,
    ...(codebook.form_version ? { formVersion: codebook.form_version } : {}),
  };
  let dataStart = 1;
  const second = records[1];
  if (second && isHxlRow(second.record)) {
    metadata.hxlTags = Object.fromEntries(header.map((cell, index) => [cell, second.record[index] ?? '']));
    dataStart = 2;
  }
  const notices: ReadNotice[] = [];
  const unknownColumns = header.filter((_, index) => roles[index]?.kind === 'unknown');
  if (unknownColumns.length) {
    metadata.ignoredColumns = unknownColumns;
    notices.push(ignoredColumnsNotice('survey_response', headerRecord.where, unknownColumns));
  }
  const columns = indexColumns(roles);
  const layouts = selectMultipleLayouts(roles);
  if (Object.keys(layouts).length) metadata.selectMultipleLayout = layouts;

  const countryQuestion = options.countryQuestion ?? 'unct_country';
  const agencyQuestion = options.agencyQuestion ?? 'agency';
  const roleQuestion = options.roleQuestion ?? 'respondent_role';
  const rows: SourceRow[] = [];
  let repeatRows = 0;
  let ordinal = 0;
  // Repeat-group rows find their submission by _submission__uuid, else by _parent_index → _index.
  const uuidByIndex = new Map<string, string>();
  const repeatInstances = new Map<string, number>();

  for (const record of records.slice(dataStart)) {
    const cellOf = (index: number) => record.record[index] ?? '';
    const meta = (field: MetaField) => {
      const index = columns.meta.get(field);
      if (index === undefined) return undefined;
      const value = cellOf(index).trim();
      return value === '' || value === 'None' ? undefined : value;
    };
    const parentIndex = meta('parentIndex');
    if (parentIndex !== undefined) {
      // A row of a repeat group (its own sheet/CSV): its answers belong to the parent submission.
      repeatRows += 1;
      const parentUuid = (meta('submissionUuid') ?? uuidByIndex.get(parentIndex))?.replace(/^uuid:/, '');
      if (!parentUuid) {
        const problem: RowProblem = {
          field: 'respondent_id',
          rule: 'repeat-parent-unknown',
          message: `Repeat-group row points to submission _index ${parentIndex}, which is not in this file, and has no _submission__uuid`,
          hint: 'Export the repeat group with its _submission__uuid column, or upload it together with its submissions.',
          rejectsRow: true,
        };
        rows.push({ table: 'survey_response', locator: record.where, values: {}, problems: [problem] });
        continue;
      }
      const respondentId = `${codebook.survey_id}:${parentUuid}`;
      const instance = (repeatInstances.get(respondentId) ?? 0) + 1;
      repeatInstances.set(respondentId, instance);
      header.forEach((column, columnIndex) => {
        const role = roles[columnIndex];
        const value = cellOf(columnIndex).trim();
        if (role?.kind === 'meta' || value === '' || value === 'None') return;
        const locator = `${record.where} column ${column}`;
        rows.push({
          table: 'survey_response',
          locator,
          values: {
            respondent_id: respondentId,
            question_name: role?.kind === 'question' ? role.question.name : column.replace(/-/g, '/'),
            // One repeat instance per row: seq numbers the instances of one submission.
            seq: instance,
            value_raw: value,
            is_other: false,
            source_doc_id: input.docId,
            source_locator: locator,
            extraction_method: 'parser',
            confidence: 'high',
            ...(input.receivedAt ? { extracted_at: input.receivedAt } : {}),
          },
        });
      });
      continue;
    }
    ordinal += 1;
    // Problems of the submission as a whole: its respondent row carries them (and its answers,
    // which depend on it by key, are held back with it).
    const respondentProblems: RowProblem[] = [];
    if (record.record.length !== header.length) {
      respondentProblems.push({
        rule: 'column-count',
        message: `Row has ${record.record.length} cells but the header has ${header.length}`,
        hint: 'A cell containing the delimiter must be quoted; check for a missing or extra delimiter in this row.',
        rejectsRow: true,
        covers: 'every-field',
      });
    }
    const index = meta('index');
    const uuid = (meta('uuid') ?? meta('instanceId') ?? meta('key'))?.replace(/^uuid:/, '');
    const respondentKey = uuid ?? index ?? String(ordinal);
    if (!uuid) {
      respondentProblems.push({
        field: 'respondent_id',
        rule: 'missing-uuid',
        message: `Submission has no _uuid; it is keyed by its ${index ? '_index' : 'position'} ${respondentKey} instead`,
        rejectsRow: false,
      });
    }
    const respondentId = `${codebook.survey_id}:${respondentKey}`;
    if (index !== undefined && uuid) uuidByIndex.set(index, uuid);
    const provenance = (locator: string) => ({
      source_doc_id: input.docId,
      source_locator: locator,
      extraction_method: 'parser',
      confidence: 'high',
      ...(input.receivedAt ? { extracted_at: input.receivedAt } : {}),
    });

    // Answers first: the respondent row needs the country, role and agency answers.
    const answers = new Map<string, Answer>();
    const responseRows: SourceRow[] = [];
    for (const question of codebook.questions) {
      if (question.type === 'note') continue;
      const found: AnswerProblem[] = [];
      const answer = readAnswer(question, columns.questions.get(question), header, cellOf, resolver, found);
      // A problem belongs to the answer's cell: every row read from that cell carries it. An
      // answer whose cell gave no row (no choice recognised) is kept as a row of its raw text.
      const problems = found.map((item) => item.problem);
      const values = answer?.values.length
        ? answer.values
        : found[0]
          ? [{ column: found[0].column, fields: { value_raw: found[0].raw, is_other: false } }]
          : [];
      if (answer && problems.length === 0) answers.set(question.name, answer);
      values.forEach((value, seq) => {
        const locator = `${record.where} column ${value.column}`;
        responseRows.push({
          table: 'survey_response',
          locator,
          values: {
            respondent_id: respondentId,
            question_name: question.name,
            seq,
            ...value.fields,
            ...provenance(locator),
          },
          ...(problems.length ? { problems } : {}),
        });
      });
    }
    for (const position of record.formulasWithoutValue ?? []) {
      respondentProblems.push(formulaWithoutValueProblem(undefined, header[position] ?? `${position + 1}`));
    }

    const respondent: Record<string, unknown> = {
      respondent_id: respondentId,
      survey_id: codebook.survey_id,
    };
    const countryRaw = answers.get(countryQuestion)?.values[0]?.fields.value_raw;
    if (countryRaw === undefined) {
      respondentProblems.push({
        field: 'iso3',
        rule: 'country-unresolved',
        message: `Submission has no answer to '${countryQuestion}', so its UN Country Team is unknown`,
        rejectsRow: true,
        covers: ['unct_id'],
      });
    } else {
      const resolution = countryReference().resolve(String(countryRaw));
      if (resolution.ok) {
        respondent.unct_id = `UNCT-${resolution.iso3}`;
        respondent.iso3 = resolution.iso3;
      } else {
        respondentProblems.push({
          field: 'iso3',
          rule: 'country-unresolved',
          message: resolution.message,
          value: resolution.value,
          hint: resolution.hint,
          rejectsRow: true,
          covers: ['unct_id'],
        });
      }
    }
    const roleCode = answers.get(roleQuestion)?.values[0]?.fields.value_code;
    if (roleCode !== undefined) respondent.respondent_role = roleCode;
    const agencyCode = answers.get(agencyQuestion)?.values[0]?.choice?.maps_to_code;
    if (agencyCode) respondent.agency_org_id = agencyCode;
    const submitted = meta('submissionTime');
    if (submitted) respondent.submitted_at = isoDateTimeWithZone(submitted);
    const validation = meta('validationStatus');
    if (validation && validation !== '{}') respondent.validation_status = validation;
    respondent.source_row_ref = `${read.sourceRef(record)}${index ? ` (_index ${index})` : ''}`;
    Object.assign(respondent, provenance(record.where));
    rows.push(
      {
        table: 'survey_respondent',
        locator: record.where,
        values: respondent,
        ...(respondentProblems.length ? { problems: respondentProblems } : {}),
      },
      ...responseRows,
    );
  }
  if (repeatRows) metadata.repeatRows = repeatRows;
  return { format: read.format, declaredContracts: {}, rows, notices, metadata };
}

/** Where one question's answer is: its column, its `_other` text column, its 0/1 choice columns. */
interface QuestionColumns {
  summary: number;
  other: number;
  readonly details: {
    readonly index: number;
    readonly choice: SurveyChoice;
    readonly exportedChoice: string;
  }[];
}

/** Column positions by meta field and by question, computed once per file. */
function indexColumns(roles: readonly ColumnRole[]): {
  meta: Map<MetaField, number>;
  questions: Map<SurveyQuestion, QuestionColumns>;
} {
  const meta = new Map<MetaField, number>();
  const questions = new Map<SurveyQuestion, QuestionColumns>();
  const entry = (question: SurveyQuestion) => {
    let columns = questions.get(question);
    if (!columns) {
      columns = { summary: -1, other: -1, details: [] };
      questions.set(question, columns);
    }
    return columns;
  };
  roles.forEach((role, index) => {
    if (role.kind === 'meta') {
      if (!meta.has(role.field)) meta.set(role.field, index);
    } else if (role.kind === 'question') {
      const columns = entry(role.question);
      if (columns.summary < 0) columns.summary = index;
    } else if (role.kind === 'other-text') {
      const columns = entry(role.question);
      if (columns.other < 0) columns.other = index;
    } else if (role.kind === 'choice') {
      entry(role.question).details.push({ index, choice: role.choice, exportedChoice: role.exportedChoice });
    }
  });
  return { meta, questions };
}

function selectMultipleLayouts(roles: readonly ColumnRole[]): Record<string, 'summary' | 'details' | 'both'> {
  const layouts: Record<string, 'summary' | 'details' | 'both'> = {};
  for (const role of roles) {
    if (role.kind === 'question' && role.question.type === 'select_multiple') {
      layouts[role.question.name] = layouts[role.question.name] === 'details' ? 'both' : 'summary';
    } else if (role.kind === 'choice') {
      const current = layouts[role.question.name];
      layouts[role.question.name] = current === 'summary' || current === 'both' ? 'both' : 'details';
    }
  }
  return layouts;
}

interface AnswerValue {
  readonly column: string;
  readonly choice?: SurveyChoice;
  readonly fields: {
    value_raw: string;
    value_code?: string;
    value_label?: string;
    value_number?: number;
    value_date?: string;
    is_other: boolean;
    other_text?: string;
  };
}

interface Answer {
  readonly values: AnswerValue[];
}

/** A problem of one answer, with the column and text of the cell it was found in. */
interface AnswerProblem {
  readonly column: string;
  readonly raw: string;
  readonly problem: RowProblem;
}

/** "None" is how Kobo writes a Python null; it is a value only where a choice is called that. */
function isNoneMarker(value: string, question: SurveyQuestion, resolver: ColumnResolver): boolean {
  if (value.trim() !== 'None') return false;
  return !resolver.choices(question).some((choice) => choice.name === 'None' || choice.label_en === 'None');
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_CELLS = new Set(['1', 'true', 'yes', '1.0']);
const FALSE_CELLS = new Set(['0', 'false', 'no', '0.0']);

function readAnswer(
  question: SurveyQuestion,
  columns: QuestionColumns | undefined,
  header: readonly string[],
  cellOf: (index: number) => string,
  resolver: ColumnResolver,
  problems: AnswerProblem[],
): Answer | undefined {
  if (!columns) return undefined;
  const columnIndex = columns.summary;
  const otherText = columns.other >= 0 ? cellOf(columns.other).trim() : '';
  const base = (value: string) => ({ value_raw: value, is_other: false });
  const cellText = (column: string) => {
    const index = header.indexOf(column);
    return index >= 0 ? cellOf(index) : '';
  };
  const problem = (rule: string, column: string, message: string, value: string, hint?: string) =>
    problems.push({
      column,
      raw: cellText(column),
      problem: { field: 'value_code', rule, message, value, ...(hint ? { hint } : {}), rejectsRow: true },
    });
  const withChoice = (column: string, exported: string, choice: SurveyChoice): AnswerValue => {
    const isOther = choice.name === 'other';
    return {
      column,
      choice,
      fields: {
        ...base(exported),
        value_code: choice.name,
        ...(choice.label_en ? { value_label: choice.label_en } : {}),
        is_other: isOther,
        ...(isOther && otherText ? { other_text: otherText } : {}),
      },
    };
  };

  if (question.type === 'select_multiple') {
    return readSelectMultiple(question, columns, header, cellOf, resolver, withChoice, problem);
  }
  if (columnIndex < 0) return undefined;
  const column = header[columnIndex] ?? question.name;
  const raw = cellOf(columnIndex);
  if (raw.trim() === '' || isNoneMarker(raw, question, resolver)) return undefined;

  switch (question.type) {
    case 'select_one': {
      const choice = resolver.choice(question, raw);
      if (!choice) {
        problem(
          'unknown-choice',
          column,
          `'${raw}' is not a choice of list '${question.list_name ?? '?'}' for question '${question.name}'`,
          raw,
          `Choices: ${resolver
            .choices(question)
            .map((item) => item.name)
            .join(', ')}.`,
        );
        return { values: [{ column, fields: base(raw) }] };
      }
      return { values: [withChoice(column, raw, choice)] };
    }
    case 'integer':
    case 'decimal': {
      const trimmed = raw.trim();
      const number = NUMBER.test(trimmed) ? Number(trimmed) : Number.NaN;
      const valid = Number.isFinite(number) && (question.type === 'decimal' || Number.isInteger(number));
      if (!valid) {
        problems.push({
          column,
          raw,
          problem: {
            field: 'value_number',
            rule: 'not-a-number',
            message: `'${raw}' is not ${question.type === 'integer' ? 'an integer' : 'a number'} (question '${question.name}')`,
            value: raw,
            rejectsRow: true,
          },
        });
        return { values: [{ column, fields: base(raw) }] };
      }
      return { values: [{ column, fields: { ...base(raw), value_number: number } }] };
    }
    case 'date': {
      const match = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(raw.trim());
      if (!match?.[1]) {
        problems.push({
          column,
          raw,
          problem: {
            field: 'value_date',
            rule: 'not-a-date',
            message: `'${raw}' is not a date written YYYY-MM-DD (question '${question.name}')`,
            value: raw,
            rejectsRow: true,
          },
        });
        return { values: [{ column, fields: base(raw) }] };
      }
      return { values: [{ column, fields: { ...base(raw), value_date: match[1] } }] };
    }
    default:
      return { values: [{ column, fields: base(raw) }] };
  }
}

function readSelectMultiple(
  question: SurveyQuestion,
  columns: QuestionColumns,
  header: readonly string[],
  cellOf: (index: number) => string,
  resolver: ColumnResolver,
  withChoice: (column: string, exported: string, choice: SurveyChoice) => AnswerValue,
  problem: (rule: string, column: string, message: string, value: string, hint?: string) => void,
): Answer | undefined {
  const choices = resolver.choices(question);
  const order = (choice: SurveyChoice) => choices.indexOf(choice);

  // Summary layout: space-separated choice names (or labels in label-language exports).
  let summary:
    | { column: string; raw: string; picked: { exported: string; choice: SurveyChoice }[] }
    | undefined;
  const summaryIndex = columns.summary;
  if (summaryIndex >= 0) {
    const raw = cellOf(summaryIndex);
    const column = header[summaryIndex] ?? question.name;
    if (raw.trim() !== '' && !isNoneMarker(raw, question, resolver)) {
      const picked = splitSummary(raw, question, resolver);
      for (const unknown of picked.unknown) {
        problem(
          'unknown-choice',
          column,
          `'${unknown}' is not a choice of list '${question.list_name ?? '?'}' for question '${question.name}'`,
          unknown,
          `Choices: ${choices.map((item) => item.name).join(', ')}.`,
        );
      }
      summary = { column, raw, picked: picked.known };
    } else {
      summary = { column, raw, picked: [] };
    }
  }

  // Details layout: one 0/1 column per choice.
  const detailColumns = columns.details;
  let details:
    | { picked: { exported: string; choice: SurveyChoice; column: string }[]; answered: boolean }
    | undefined;
  if (detailColumns.length) {
    const picked: { exported: string; choice: SurveyChoice; column: string }[] = [];
    let answered = false;
    for (const { choice, exportedChoice, index } of detailColumns) {
      const cell = cellOf(index).trim().toLowerCase();
      if (cell === '' || cell === 'none') continue;
      answered = true;
      if (TRUE_CELLS.has(cell))
        picked.push({ exported: exportedChoice, choice, column: header[index] ?? '' });
      else if (!FALSE_CELLS.has(cell)) {
        problem(
          'select-multiple-consistency',
          header[index] ?? '',
          `'${cellOf(index)}' in 0/1 column '${header[index]}' is neither 1 nor 0`,
          cellOf(index),
        );
      }
    }
    details = { picked, answered };
  }

  if (summary && details) {
    const fromSummary = summary.picked.map((item) => item.choice.name).sort();
    const fromDetails = details.picked.map((item) => item.choice.name).sort();
    if (fromSummary.join(' ') !== fromDetails.join(' ')) {
      problem(
        'select-multiple-consistency',
        summary.column,
        `Question '${question.name}': summary column says '${summary.raw.trim()}' but the 0/1 columns say '${details.picked.map((item) => item.exported).join(' ')}'`,
        summary.raw,
        'Export again with one select_multiple layout, or correct the submission in the server and re-export.',
      );
    }
  }

  const picked = summary
    ? summary.picked.map((item) => ({ ...item, column: summary.column }))
    : (details?.picked ?? []);
  if (picked.length === 0) return undefined;
  const unique = [...new Map(picked.map((item) => [item.choice.name, item])).values()];
  unique.sort((a, b) => order(a.choice) - order(b.choice));
  return { values: unique.map((item) => withChoice(item.column, item.exported, item.choice)) };
}

/** Split a select_multiple summary into choices: names separated by spaces, or whole labels. */
function splitSummary(
  raw: string,
  question: SurveyQuestion,
  resolver: ColumnResolver,
): { known: { exported: string; choice: SurveyChoice }[]; unknown: string[] } {
  const tokens = raw.trim().split(/\s+/);
  const byName = tokens.map((token) => ({
    exported: token,
    choice: resolver.choices(question).find((c) => c.name === token),
  }));
  if (byName.every((item) => item.choice)) {
    return { known: byName as { exported: string; choice: SurveyChoice }[], unknown: [] };
  }
  // Labels contain spaces: peel off the longest label that starts the remaining text.
  const labels = resolver
    .choices(question)
    .filter((choice) => choice.label_en)
    .sort((a, b) => (b.label_en?.length ?? 0) - (a.label_en?.length ?? 0));
  const known: { exported: string; choice: SurveyChoice }[] = [];
  let rest = raw.trim();
  while (rest !== '') {
    const lower = rest.toLowerCase();
    const hit = labels.find((choice) => {
      const label = (choice.label_en ?? '').toLowerCase();
      return (
        lower.startsWith(label) && (lower.length === label.length || /\s/.test(lower[label.length] ?? ''))
      );
    });
    if (!hit) {
      return {
        known: byName.filter((item) => item.choice) as { exported: string; choice: SurveyChoice }[],
        unknown: byName.filter((item) => !item.choice).map((item) => item.exported),
      };
    }
    const length = hit.label_en?.length ?? 0;
    known.push({ exported: rest.slice(0, length), choice: hit });
    rest = rest.slice(length).trim();
  }
  return { known, unknown: [] };
}

/** Kobo writes `_submission_time` without a zone (it is UTC): add `Z`; keep an explicit offset. */
export function isoDateTimeWithZone(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!match) return value;
  const [, date, time, seconds, zone] = match;
  const offset = zone
    ? zone === 'Z'
      ? 'Z'
      : zone.length === 5
        ? `${zone.slice(0, 3)}:${zone.slice(3)}`
        : zone
    : 'Z';
  return `${date}T${time}${seconds ?? ':00'}${offset}`;
}
