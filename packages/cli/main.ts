import { parseArgs } from 'node:util';
import { backendLost, configuredBackend } from '#packages/local/backend-lost.ts';
import { LOCAL_STATE_ERRORS } from '#packages/local/disk-s3-store.ts';
import { BackendUnavailableError } from '#packages/local/errors.ts';
import { SettingError } from '#packages/settings/errors.ts';
import { checkSettings } from '#packages/settings/settings.ts';
import { LockHeldError } from '#packages/storage/errors.ts';
import {
  diffCommand,
  exportCommand,
  listCommand,
  rollbackCommand,
  showCommand,
  versionsCommand,
} from './commands/briefing.ts';
import { contractsCommand } from './commands/contracts.ts';
import { doctorCommand } from './commands/doctor.ts';
import { lineageCommand } from './commands/lineage.ts';
import { refresh, reportSkipped, runCommand, statusCommand, uploadAndDispatch } from './commands/pipeline.ts';
import { redriveCommand } from './commands/redrive.ts';
import { serveCommand } from './commands/serve.ts';
import { unlockCommand } from './commands/unlock.ts';
import { validateCommand } from './commands/validate.ts';
import { createOutput, EXIT, UsageError } from './output.ts';
import { selectIngestFiles } from './select-files.ts';
import { NoLocalStateError, withReadSession, withSession } from './session.ts';

export const HELP = `hld — the HLD evidence pipeline

Usage: hld <command> [options]

Pipeline
  run [dir]                     ingest every file under dir (default: the bundled evidence base), then refresh
  ingest <file|dir>… [--kind K] upload files to incoming/<kind>/ and run ingest + normalise
  refresh                       normalise what changed, assemble and publish a new briefing version (under a lock)
  status                        the ledger: files, rows accepted/quarantined, runs, the CURRENT version
  validate <file> [--kind K]    check a file against its contract; no AWS, no emulator (exit 0 valid, 1 rows quarantined, 2 refused)
                                [--format F] [--encoding windows-1252] [--source WB_WDI --revision 'WDI 2013-04'] for statistics

Contracts
  contracts list                every table contract with its version, kind and primary key
  contracts export --format json-schema|table-schema [--out DIR]   JSON Schema / Frictionless Table Schema per table
  contracts docs [--out FILE]   regenerate data-contracts/CONTRACTS.md

Briefings
  briefing list                 countries in the current version
  briefing show <ISO3|name>     one country's briefing        [--version N]
  briefing show --theme RT3     a theme (RT1–RT4 or a JMDI theme) [--scope ISO3]
  briefing versions             every version, the CURRENT one starred, and the audit trail
  briefing diff [--from A] [--to B]   items added/removed/changed, figures old → new (default: previous → current)
  briefing rollback N --why "…"       move CURRENT back to version N (recorded with who/when/why)
  briefing export --format F [--country ISO3] [--theme T] [--out DIR] [--version N] [--bom]
                                F: csv|json|arrow|parquet|markdown|datapackage|hxl (default json); --bom (csv, hxl) for Excel;
                                files go to exports/<dataset>-v<N>/<F>/ unless --out DIR
  serve [--port 8787]           the briefing HTTP API on http://127.0.0.1:PORT (same routes as the AWS API), until Ctrl-C
  lineage <item>                from a briefing item (MDA, country#MDA, theme#RT3@GLOBAL) back to the raw bytes

State
  doctor [--dry-run]            check local state (ledger ↔ objects ↔ versions, locks, runs) and repair what can be
  unlock [--force --why "…"]    release the refresh lock: at once when its holder process is dead; --force for any
                                holder (recorded with who/when/why; works on every backend, aws included)
  redrive [--stage S]           deliver again what an event stage gave up on (aws: its DLQ, HLD_NAME_PREFIX; locally: kept failures)

Options
  --backend embedded|moto|ddblocal|localstack|aws   where to run (default: $HLD_BACKEND or embedded)
  --json                        machine-readable output on stdout (progress goes to stderr)
  -h, --help                    this help

Examples
  npm start                               # = hld run: the whole pipeline on the bundled evidence base
  npx hld briefing show MDA
  npx hld briefing show --theme RT3 --json
  npx hld briefing export --format markdown --country MDA --out briefs/
  npx hld briefing export --format csv --bom               # Excel-ready CSVs, formulas neutralised
  npx hld serve --port 8787                # then: curl http://127.0.0.1:8787/datasets/hld2013/countries/MDA
  npx hld validate data-contracts/samples/survey/gmg-unct-2011-kobo.csv --kind survey

Local state (embedded backend) lives in .hld/, found from the current folder up to the project root
(HLD_STATE_DIR overrides); 'hld doctor' checks and repairs it; delete the folder to start afresh.
Exit codes: 0 ok · 1 problems found / not found · 2 usage or file refused · 3 backend unavailable · 4 refresh lock held · 5 failure`;

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const out = createOutput(Boolean(values.json));
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  try {
    // Every HLD_* setting is parsed and range-checked once, here: a bad value stops the command
    // (exit 2, naming the variable) before anything runs with it.
    checkSettings();
    switch (command) {
      case 'validate':
        return await validateCommand(out, {
          file: rest[0],
          kind: values.kind,
          format: values.format,
          encoding: values.encoding,
          source: values.source,
          revision: values.revision,
        });
      case 'contracts':
        return await contractsCommand(out, { sub: rest[0], format: values.format, out: values.out });
      case 'run':
        return await withSession(values.backend, (session) => runCommand(session, out, rest[0]));
      case 'ingest':
        return await withSession(values.backend, async (session) => {
          if (rest.length === 0) throw new UsageError('Name the files or folders to ingest');
          const selection = await selectIngestFiles(rest, values.kind);
          const namedWithoutReader = reportSkipped(selection, out);
          const uploads = await uploadAndDispatch(session, selection.files, out);
          out.result(
            uploads,
            () => `${uploads.length} file(s) ingested; run 'hld refresh' to publish a new briefing`,
          );
          return namedWithoutReader ||
            uploads.some((upload) => upload.status === 'failed' || upload.status === 'refused')
            ? EXIT.usage
            : uploads.some((upload) => (upload.rowsQuarantined ?? 0) > 0)
              ? EXIT.problems
              : EXIT.ok;
        });
      case 'refresh':
        return await withSession(values.backend, async (session) => {
          const state = await refresh(session, out, 'hld refresh');
          out.result(state, () =>
            state.published ? `Published v${state.version}` : `No change; v${state.version} stays live`,
          );
          return EXIT.ok;
        });
      case 'status':
        return await withReadSession(values.backend, (session) => statusCommand(session, out));
      case 'doctor':
        return await withReadSession(values.backend, (session) =>
          doctorCommand(session, out, { dryRun: Boolean(values['dry-run']) }),
        );
      case 'unlock':
        return await withReadSession(values.backend, (session) =>
          unlockCommand(session, out, { force: Boolean(values.force), why: values.why, who: values.who }),
        );
      case 'redrive':
        return await withSession(values.backend, (s) => redriveCommand(s, out, { stage: values.stage }));
      case 'lineage':
        return await withReadSession(values.backend, (session) =>
          lineageCommand(session, out, { item: rest[0], version: values.version }),
        );
      case 'briefing':
        return await briefing(rest, values, out);
      case 'serve':
        return await withReadSession(
          values.backend,
          (session) => serveCommand(session, out, { port: values.port }),
          { exitOnSignal: false },
        );
      default:
        throw new UsageError(`Unknown command '${command}'. Try 'hld --help'.`);
    }
  } catch (error) {
    return report(error, out, values.backend ?? configuredBackend());
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      kind: { type: 'string' },
      format: { type: 'string' },
      encoding: { type: 'string' },
      source: { type: 'string' },
      revision: { type: 'string' },
      version: { type: 'string' },
      theme: { type: 'string' },
      scope: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      country: { type: 'string' },
      why: { type: 'string' },
      who: { type: 'string' },
      bom: { type: 'boolean' },
      port: { type: 'string' },
      force: { type: 'boolean' },
      stage: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function briefing(
  rest: string[],
  values: Values,
  out: ReturnType<typeof createOutput>,
): Promise<number> {
  const [sub, target] = rest;
  return withReadSession(values.backend, async (session) => {
    switch (sub) {
      case 'list':
        return listCommand(session, out, { version: values.version });
      case 'show':
        return showCommand(session, out, {
          target,
          theme: values.theme,
          scope: values.scope,
          version: values.version,
        });
      case 'versions':
        return versionsCommand(session, out);
      case 'diff':
        return diffCommand(session, out, { from: values.from, to: values.to });
      case 'rollback':
        return rollbackCommand(session, out, { version: target, why: values.why, who: values.who });
      case 'export':
        return exportCommand(session, out, {
          format: values.format,
          out: values.out,
          version: values.version,
          country: values.country,
          theme: values.theme,
          bom: values.bom,
        });
      default:
        throw new UsageError(
          `Unknown briefing command '${sub ?? ''}': list, show, versions, diff, rollback or export`,
        );
    }
  });
}

function report(error: unknown, out: ReturnType<typeof createOutput>, backend?: string): number {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof UsageError) {
    process.stderr.write(`hld: ${message}\n`);
    return EXIT.usage;
  }
  if (error instanceof SettingError) {
    process.stderr.write(`hld: ${message}; fix or unset ${error.variable}\n`);
    return EXIT.usage;
  }
  const lost = backendLost(error, backend);
  if (lost) {
    process.stderr.write(`hld: ${lost.message}\n`);
    return EXIT.backend;
  }
  if (error instanceof BackendUnavailableError) {
    process.stderr.write(`hld: backend '${error.backend}' unavailable: ${message}\n`);
    return EXIT.backend;
  }
  if (error instanceof NoLocalStateError) {
    process.stderr.write(`hld: ${message}\n`);
    return EXIT.problems;
  }
  if (LOCAL_STATE_ERRORS.has((error as Error)?.name)) {
    // Damage or a full disk in the local state: the message names the object and what to do.
    process.stderr.write(`hld: failed: ${message}\n`);
    return EXIT.failure;
  }
  if (error instanceof LockHeldError) {
    process.stderr.write(`hld: ${message}\n`);
    return EXIT.locked;
  }
  process.stderr.write(`hld: failed: ${message}\n${out.json ? '' : ((error as Error)?.stack ?? '')}\n`);
  return EXIT.failure;
}
