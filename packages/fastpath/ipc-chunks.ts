import { AsyncByteQueue } from 'apache-arrow';

/**
 * The sink a RecordBatchFileWriter writes into, drained synchronously after every batch: the
 * IPC bytes leave as soon as a batch is written, so only one batch is ever held here.
 */
export class IpcChunks extends AsyncByteQueue {
  /** Every chunk written since the last call, joined into one array (empty when none). */
  take(): Uint8Array {
    const chunks = this._values.splice(0) as Uint8Array[];
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    const joined = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.byteLength;
    }
    return joined;
  }
}
