import { AsyncByteQueue } from '#packages/arrow/arrow-writing.ts';

/**
 * The sink a RecordBatchFileWriter writes into, drained synchronously after every batch: the
 * IPC bytes leave as soon as a batch is written, so only one batch is ever held here.
 */
export class IpcChunks extends AsyncByteQueue {
  /** Every chunk written since the last call, in order (views of the batch's buffers). */
  take(): Uint8Array[] {
    return this._values.splice(0) as Uint8Array[];
  }
}
