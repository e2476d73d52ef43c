import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ExportFile } from './render.ts';

/** Write an export's files under `dir` (creating sub-folders); returns the absolute paths. */
export async function writeExportFiles(dir: string, files: readonly ExportFile[]): Promise<string[]> {
  const root = resolve(dir);
  const paths: string[] = [];
  for (const file of files) {
    const path = resolve(join(root, file.path));
    // Paths come from item ids; never let one climb out of the export folder.
    if (!path.startsWith(root + sep)) throw new Error(`Export path '${file.path}' leaves ${root}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.bytes);
    paths.push(path);
  }
  return paths;
}
