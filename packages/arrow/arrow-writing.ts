/**
 * The part of apache-arrow that writes IPC files, imported from its submodules.
 *
 * The package root (`Arrow.node.mjs`) re-exports everything and builds a `util` object from every
 * helper module at load, so esbuild keeps the IPC readers, the stream adapters and the rest in any
 * bundle that imports it. Importing the submodules a writer needs leaves those out of the
 * functions that only write (normalise, normalise-pending): see BENCHMARKS.md for the sizes.
 * The submodules are the same files the root re-exports, so classes stay identical (`instanceof`
 * holds across modules that import the root and this one).
 */
export { Data, makeData } from 'apache-arrow/data';
export { AsyncByteQueue } from 'apache-arrow/io/stream';
export { RecordBatchFileWriter } from 'apache-arrow/ipc/writer';
export { RecordBatch } from 'apache-arrow/recordbatch';
export { Field, Schema } from 'apache-arrow/schema';
export {
  Bool,
  DataType,
  DateDay,
  Dictionary,
  Float64,
  Int8,
  Int16,
  Int32,
  List,
  Struct,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow/type';
export { makeVector, Vector } from 'apache-arrow/vector';
