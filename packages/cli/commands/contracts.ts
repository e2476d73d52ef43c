import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TABLE_CONTRACTS } from '#contracts/registry.ts';
import { contractsMarkdown, tableJsonSchema, tableSchema } from '#packages/contracts/export.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';

/** `hld contracts list | export --format json-schema|table-schema [--out DIR] | docs [--out FILE]` */
export async function contractsCommand(
  out: Output,
  args: { sub?: string; format?: string; out?: string },
): Promise<number> {
  switch (args.sub ?? 'list') {
    case 'list': {
      const rows = TABLE_CONTRACTS.map((contract) => ({
        table: contract.table,
        version: contract.version,
        kind: contract.kind,
        primaryKey: contract.primaryKey,
        title: contract.title,
      }));
      out.result(rows, () =>
        table(
          ['table', 'version', 'kind', 'primary key', 'title'],
          rows.map((row) => [row.table, row.version, row.kind, row.primaryKey.join(', '), row.title]),
        ),
      );
      return EXIT.ok;
    }
    case 'export': {
      const format = args.format ?? 'json-schema';
      if (format !== 'json-schema' && format !== 'table-schema')
        throw new UsageError(`--format must be json-schema or table-schema, not '${format}'`);
      const dir = resolve(args.out ?? join('contracts-export', format));
      await mkdir(dir, { recursive: true });
      const files: string[] = [];
      for (const contract of TABLE_CONTRACTS) {
        const path = join(
          dir,
          `${contract.table}.${format === 'json-schema' ? 'schema' : 'tableschema'}.json`,
        );
        await writeFile(
          path,
          `${JSON.stringify(format === 'json-schema' ? tableJsonSchema(contract) : tableSchema(contract), null, 2)}\n`,
        );
        files.push(path);
      }
      out.result({ format, files }, () => `Wrote ${files.length} ${format} files to ${dir}`);
      return EXIT.ok;
    }
    case 'docs': {
      const path = resolve(args.out ?? 'data-contracts/CONTRACTS.md');
      await writeFile(path, contractsMarkdown());
      out.result({ path }, () => `Wrote ${path}`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`Unknown contracts command '${args.sub}': list, export or docs`);
  }
}
