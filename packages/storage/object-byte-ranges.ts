import type { ByteRanges } from '#packages/arrow/column-ranges.ts';
import type { ObjectStore } from './object-store.ts';

// An S3 object as `ByteRanges` (random access to an Arrow IPC file too large to hold): the Parquet
// copy reads its batches through it, assemble the columns the briefing reads.

/**
 * Reads under this size are served from one window of this size fetched at once: the IPC file
 * reader asks for a few bytes at a time (a message's length, then its metadata) before each
 * record batch's body, and each of those would otherwise be a GET of its own.
 */
const RANGE_WINDOW_BYTES = 1 << 20;

/**
 * ByteRanges over `fetch` (e.g. Range GETs): a read of fewer than `windowBytes` fetches a window
 * of that size from its position on and is served from it, as are the reads after it that fall
 * inside; a longer read is fetched as asked. `readInto` fetches straight into the caller's buffer
 * (`fetch` is given it), without a window.
 */
export function windowedByteRanges(
  size: number,
  fetch: (position: number, length: number, into?: Uint8Array) => Promise<Uint8Array>,
  windowBytes = RANGE_WINDOW_BYTES,
): ByteRanges {
  let window: Uint8Array = new Uint8Array();
  let windowStart = 0;
  return {
    size,
    // Straight into the caller's buffer: no window (the caller gathers its own reads).
    async readInto(position, target) {
      const read = await fetch(position, target.byteLength, target);
      if (read.buffer !== target.buffer || read.byteOffset !== target.byteOffset) target.set(read);
    },
    async read(position, length) {
      if (position >= windowStart && position + length <= windowStart + window.byteLength) {
        return window.subarray(position - windowStart, position - windowStart + length);
      }
      if (length >= windowBytes) return fetch(position, length);
      window = await fetch(position, Math.min(windowBytes, size - position));
      windowStart = position;
      return window.subarray(0, length);
    },
  };
}

/** An S3 object as ByteRanges (Range GETs, small reads gathered into one window). */
export async function objectByteRanges(
  store: ObjectStore,
  key: string,
  windowBytes = RANGE_WINDOW_BYTES,
): Promise<ByteRanges> {
  return windowedByteRanges(
    await store.size(key),
    (position, length, into) => store.range(key, position, length, into),
    windowBytes,
  );
}
