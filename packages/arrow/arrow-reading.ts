/**
 * The part of apache-arrow that reads IPC files record batch by record batch, imported from its
 * submodules for the reason given in arrow-writing.ts (the package root keeps everything in a
 * bundle). Only Node's stream adapters (`throughNode`, `toNodeStream`) are missing from these,
 * and nothing here uses them.
 */

export {
  type AsyncRecordBatchFileReader,
  type AsyncRecordBatchStreamReader,
  RecordBatchReader,
} from 'apache-arrow/ipc/reader';
export { tableToIPC } from 'apache-arrow/ipc/serialization';
export { Table } from 'apache-arrow/table';
