import { Int8, Int16, Int32 } from './arrow-writing.ts';

/**
 * The narrowest dictionary index that cannot wrap for a vocabulary of `size` values
 * (PERFORMANCE.md lesson 2: too many values silently wrap a too-narrow index). Shared by the
 * reference writer and the fast path so both give byte-identical schemas.
 */
export function dictionaryIndexType(size: number): Int8 | Int16 | Int32 {
  if (size <= 127) return new Int8();
  if (size <= 32_767) return new Int16();
  return new Int32();
}
