/**
 * The one fflate export the zip-bomb guard uses, for `zip.ts` to `import()` on the first workbook.
 * A dynamic `import('fflate')` keeps every fflate export in a bundle (≈ 33 KB); importing this
 * module instead lets esbuild keep `Inflate` only (≈ 5 KB) and still evaluate it lazily.
 */
export { Inflate } from 'fflate';
