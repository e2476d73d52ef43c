/**
 * Columns the pipeline adds to every curated (Arrow) table besides the contract's fields.
 */

/** Where the row stood in its source file (`line 12`, `sheet "Data" row 5`, an XPath …). */
export const LOCATOR_COLUMN = '_locator';
