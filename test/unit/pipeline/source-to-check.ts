import type { SourceKind } from '#contracts/source-kinds.ts';
import type { SourceToCheck } from '#packages/pipeline/check-source.ts';

/** A file held in memory, as `checkSource` takes it (50 MB in-memory limit, the first megabyte as head). */
export function sourceToCheck(
  fileName: string,
  kind: SourceKind,
  bytes: Uint8Array,
  overrides: Partial<SourceToCheck> = {},
): SourceToCheck {
  return {
    fileName,
    kind,
    docId: 'DOC-test',
    maxBytes: 50 * 1024 * 1024,
    head: bytes.subarray(0, 1024 * 1024),
    chunks: () => [bytes],
    bytes: async () => bytes,
    ...overrides,
  };
}
