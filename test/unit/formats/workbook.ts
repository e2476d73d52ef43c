import ExcelJS from 'exceljs';

export interface SheetSpec {
  readonly name: string;
  readonly rows: readonly (readonly ExcelJS.CellValue[])[];
  /** Ranges to merge, e.g. `F5:H5`. */
  readonly merges?: readonly string[];
  /** Hidden sheets are not shown in Excel. @default 'visible' */
  readonly state?: 'visible' | 'hidden' | 'veryHidden';
}

/** An XLSX workbook built in memory (tests write their spreadsheets by hand, like their CSVs). */
export async function workbookBytes(sheets: readonly SheetSpec[]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name, { state: spec.state ?? 'visible' });
    for (const row of spec.rows) sheet.addRow([...row]);
    for (const range of spec.merges ?? []) sheet.mergeCells(range);
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
