import { Argument, Command, Option } from 'commander';

/**
 * The `hld` command tree: every command, its arguments, options, help text and examples,
 * declared on commander and nothing else. It imports no command module, so `hld --help`,
 * `hld help <command>`, `hld --version` and `hld completion` load this file and commander only
 * (bench: `cli-help`); what a command does is loaded when it runs (`actions.ts`).
 *
 * Kept to erasable TypeScript (no parameter properties, no enums): Node 24 strips its types
 * without a loader.
 */

/** Every action `hld` can run: a command's path, as typed. */
export type ActionName =
  | 'run'
  | 'ingest'
  | 'refresh'
  | 'status'
  | 'validate'
  | 'contracts list'
  | 'contracts export'
  | 'contracts docs'
  | 'briefing list'
  | 'briefing show'
  | 'briefing versions'
  | 'briefing diff'
  | 'briefing rollback'
  | 'briefing export'
  | 'lineage'
  | 'query'
  | 'serve'
  | 'doctor'
  | 'unlock'
  | 'redrive'
  | 'completion';

/** What a command was given: its positional arguments and options (the global ones included). */
export interface Invocation {
  readonly action: ActionName;
  readonly args: readonly unknown[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly command: Command;
}

/** Runs an action; commander calls it with the parsed invocation. */
export type Dispatch = (invocation: Invocation) => Promise<void>;

export const BACKEND_CHOICES = ['embedded', 'moto', 'ddblocal', 'localstack', 'aws'] as const;

const EXIT_CODES = `Exit codes: 0 ok · 1 rows quarantined or not found · 2 usage error, bad path or file refused
            3 backend unavailable · 4 refresh lock held · 5 unexpected failure`;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

/** --json, --quiet and --debug: on the program and on every command, so they go before or after it. */
function outputOptions(command: Command): Command {
  return command
    .option('--json', 'machine-readable output on stdout (progress goes to stderr)')
    .option('-q, --quiet', 'print only the result and errors, no progress')
    .option('--debug', 'print the stack trace of an unexpected error (or set HLD_DEBUG=1)');
}

function backendOption(command: Command): Command {
  return command.addOption(
    new Option('--backend <name>', 'where to run (default: $HLD_BACKEND or embedded)').choices(
      BACKEND_CHOICES,
    ),
  );
}

/**
 * The options of a command that uploads files (`run`, `ingest`). Options that describe the
 * uploaded files (their encoding, the source document they come from) are added here, and reach
 * the upload as `Invocation.options`.
 */
export function uploadOptions(command: Command): Command {
  return command.option(
    '--encoding <encoding>',
    'the text encoding of the files (e.g. windows-1252, utf-16le); travels with the upload to ingest',
  );
}

/** `--briefing-version N`, and the old `--version N` spelling, hidden, with a notice. */
function versionOption(command: Command): Command {
  return command
    .option('--briefing-version <N>', 'a published briefing version (default: CURRENT)')
    .addOption(new Option('--version <N>', 'deprecated: use --briefing-version').hideHelp());
}

function leaf(
  parent: Command,
  nameAndArgs: string,
  description: string,
  dispatch: Dispatch,
  action: ActionName,
) {
  const command = outputOptions(parent.command(nameAndArgs).description(description));
  command.action(async (...parsed: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const self = parsed[parsed.length - 1] as Command;
    await dispatch({ action, args: parsed.slice(0, -2), options: self.optsWithGlobals(), command: self });
  });
  return command;
}

/** The whole `hld` program. `version` is what `hld --version` prints. */
export function buildProgram(dispatch: Dispatch, version: string): Command {
  const program = outputOptions(
    new Command('hld')
      .description(
        'the HLD evidence pipeline: ingest sources, publish briefings, trace every figure to its bytes',
      )
      .version(version, '-V, --version', "print hld's version and the Node.js running it")
      .enablePositionalOptions()
      .showSuggestionAfterError(true),
  );
  program.addHelpText(
    'after',
    `${examples(
      'npm start                                   # = hld run: the whole pipeline on the bundled evidence base',
      'hld briefing show MDA',
      'hld ingest data/jmdi-projects.csv --kind stocktaking',
      'hld help briefing',
    )}

Local state (embedded backend) lives in .hld/, found from the current folder up to the project root
(HLD_STATE_DIR overrides); 'hld doctor' checks and repairs it; delete the folder to start afresh.
${EXIT_CODES}`,
  );

  // ---- pipeline -------------------------------------------------------------------------------
  uploadOptions(
    backendOption(
      leaf(
        program,
        'run [dir]',
        'ingest every file under dir (default: the bundled evidence base), then refresh',
        dispatch,
        'run',
      ),
    ),
  ).addHelpText(
    'after',
    `\nThe first folder under dir names the source kind of its files: pilot/, survey/, stocktaking/,
reference/, statistics/. Every file a reader reads is taken; the others are reported.${examples(
      'hld run',
      'hld run my-evidence/ --encoding windows-1252',
      'hld run --backend moto',
    )}`,
  );
  uploadOptions(
    backendOption(
      leaf(
        program,
        'ingest <paths...>',
        'upload files (or every readable file under folders) to incoming/<kind>/ and run ingest + normalise',
        dispatch,
        'ingest',
      ),
    ),
  )
    .option('--kind <kind>', 'the source kind of every file (default: its folder name)')
    .option(
      '--title <title>',
      "register the file's source document: its title (written as <file>.source.json)",
    )
    .option('--publisher <name>', 'the source document: its publisher')
    .option('--year <year>', 'the source document: its year of publication')
    .option('--url <url>', 'the source document: where it is published')
    .option('--licence <licence>', 'the source document: its licence (e.g. CC BY 3.0 IGO)')
    .option('--doc-id <id>', 'the source document: its id (default: derived from the title)')
    .option(
      '--illustrative',
      'the source document is illustrative, not real evidence (marked on every surface)',
    )
    .addHelpText(
      'after',
      `\nA file means that file; a folder means every file under it that a reader reads. Each file is
reported: accepted, quarantined (with its top problems and report), refused (with the rule) or
unchanged (same bytes as before). Then run 'hld refresh' to publish.${examples(
        'hld ingest data-contracts/samples/stocktaking/jmdi-projects.csv',
        'hld ingest export.csv --kind survey --encoding windows-1252',
        'hld ingest new-reports/ --json',
        `hld ingest figures.csv --kind statistics --title "International Migrant Stock 2019" --publisher "UN DESA" --year 2019 --licence "CC BY 3.0 IGO"`,
      )}`,
    );
  backendOption(
    leaf(
      program,
      'refresh',
      'normalise what changed, assemble and publish a new briefing version (under a lock)',
      dispatch,
      'refresh',
    ),
  )
    .option(
      '--force',
      'publish even when the new content is what a rollback undid (the rollback is otherwise held)',
    )
    .addHelpText(
      'after',
      examples(
        'hld refresh',
        'hld refresh --force         # over a rollback',
        'hld refresh --backend aws   # starts the state machine',
      ),
    );
  backendOption(
    leaf(
      program,
      'status',
      'the ledger: files, rows accepted/quarantined, runs, the CURRENT version',
      dispatch,
      'status',
    ),
  ).addHelpText('after', examples('hld status', 'hld status --json'));
  leaf(
    program,
    'validate <files...>',
    'check files against their contracts with no AWS and no emulator (0 valid, 1 rows quarantined, 2 refused)',
    dispatch,
    'validate',
  )
    .option('--kind <kind>', 'the source kind (default: a folder in the path named after one)')
    .option('--format <format>', 'the file format, when the file ending does not say')
    .option('--encoding <encoding>', 'the text encoding (e.g. windows-1252, utf-16le)')
    .option('--source <code>', 'statistics: the source code (e.g. WB_WDI)')
    .option('--revision <revision>', "statistics: the source's revision (e.g. 'WDI 2013-04')")
    .addHelpText(
      'after',
      examples(
        'hld validate data-contracts/samples/survey/gmg-unct-2011-kobo.csv --kind survey',
        'hld validate a.xml b.xml --kind stocktaking',
        "hld validate wdi.csv --kind statistics --source WB_WDI --revision 'WDI 2013-04'",
      ),
    );

  // ---- contracts ------------------------------------------------------------------------------
  const contracts = program
    .command('contracts')
    .description('the data contracts: list them, export JSON Schema / Table Schema, regenerate their docs');
  leaf(
    contracts,
    'list',
    'every table contract with its version, kind and primary key',
    dispatch,
    'contracts list',
  );
  leaf(
    contracts,
    'export',
    'JSON Schema or Frictionless Table Schema per table',
    dispatch,
    'contracts export',
  )
    .addOption(
      new Option('--format <format>', 'the schema language')
        .choices(['json-schema', 'table-schema'])
        .makeOptionMandatory(),
    )
    .option('--out <dir>', 'write one file per table into this folder (default: stdout)')
    .addHelpText('after', examples('hld contracts export --format json-schema --out schemas/'));
  leaf(contracts, 'docs', 'regenerate data-contracts/CONTRACTS.md', dispatch, 'contracts docs').option(
    '--out <file>',
    'where to write (default: data-contracts/CONTRACTS.md)',
  );

  // ---- briefings ------------------------------------------------------------------------------
  const briefing = program
    .command('briefing')
    .description('published briefings: list, show, versions, diff, rollback, export');
  briefing.addHelpText(
    'after',
    examples('hld briefing show MDA', 'hld briefing show --theme RT3 --scope MDA'),
  );
  versionOption(
    backendOption(leaf(briefing, 'list', 'countries in the current version', dispatch, 'briefing list')),
  );
  versionOption(
    backendOption(
      leaf(
        briefing,
        'show [country]',
        "one country's briefing (ISO3 or name), or a theme with --theme",
        dispatch,
        'briefing show',
      ),
    ),
  )
    .option('--theme <theme>', 'a round table (RT1–RT4) or a JMDI theme')
    .option('--scope <ISO3>', 'with --theme: one country (default: global)')
    .addHelpText(
      'after',
      examples(
        'hld briefing show MDA',
        "hld briefing show 'Republic of Moldova' --briefing-version 1",
        'hld briefing show --theme RT3 --scope MDA --json',
      ),
    );
  backendOption(
    leaf(
      briefing,
      'versions',
      'every version, the CURRENT one starred, and the audit trail',
      dispatch,
      'briefing versions',
    ),
  );
  backendOption(
    leaf(
      briefing,
      'diff',
      'items added/removed/changed and figures old → new (default: previous → current)',
      dispatch,
      'briefing diff',
    ),
  )
    .option('--from <N>', 'the older version')
    .option('--to <N>', 'the newer version')
    .addHelpText('after', examples('hld briefing diff', 'hld briefing diff --from 1 --to 3'));
  backendOption(
    leaf(
      briefing,
      'rollback <N>',
      'move CURRENT back to version N (recorded with who, when and why)',
      dispatch,
      'briefing rollback',
    ),
  )
    .requiredOption('--why <reason>', 'why (recorded in the audit trail)')
    .option('--who <name>', 'who (default: the user running hld)')
    .option(
      '--never-live',
      'allow a version that was never live (a stopped refresh left it), if its items and exports are complete',
    )
    .addHelpText('after', examples('hld briefing rollback 3 --why "typo in source"'));
  versionOption(
    backendOption(
      leaf(
        briefing,
        'export',
        'write the briefing as files, one format at a time',
        dispatch,
        'briefing export',
      ),
    ),
  )
    .option('--format <format>', 'csv|json|arrow|parquet|markdown|datapackage|hxl|html', 'json')
    .option('--country <ISO3>', 'only this country')
    .option('--theme <theme>', 'only this theme')
    .option('--out <dir>', 'where to write (default: exports/<dataset>-v<N>/<format>/)')
    .option('--bom', 'csv, hxl: start with a byte order mark, for Excel')
    .addHelpText(
      'after',
      examples(
        'hld briefing export --format markdown --country MDA --out briefs/',
        'hld briefing export --format csv --bom      # Excel-ready CSVs, formulas neutralised',
        'hld briefing export --format html --out book/  # the briefing book: open book/index.html',
        'hld briefing export --format markdown --theme RT3  # the round-table 3 briefs',
      ),
    );
  versionOption(
    backendOption(
      leaf(
        program,
        'lineage <item>',
        'from a briefing item (MDA, country#MDA, theme#RT3@GLOBAL) back to the raw bytes',
        dispatch,
        'lineage',
      ),
    ),
  ).addHelpText('after', examples('hld lineage country#MDA', 'hld lineage theme#RT3@GLOBAL --json'));
  backendOption(
    leaf(
      program,
      'query <sql...>',
      "SQL over the live curated tables (DuckDB over the Parquet copies, the Glue catalogue's table names)",
      dispatch,
      'query',
    ),
  )
    .option('--csv', 'print the rows as CSV')
    .option(
      '--timeout <seconds>',
      'with --backend aws: cancel the query if Athena has not finished it by then (default 300)',
    )
    .addHelpText(
      'after',
      `\nLocally DuckDB reads the live curated tables (each source's current file). With --backend aws the
SQL runs in the stack's Athena workgroup (HLD_NAME_PREFIX names the stack) over every Parquet copy:
there, name the source files with WHERE source_sha256 IN (…) (partition projection requires it).${examples(
        `hld query "SELECT ref_area_iso3, time_period, value FROM observation WHERE indicator_id = 'IMM_STOCK' AND ref_area_iso3 = 'MDA' ORDER BY time_period"`,
        'hld query "SELECT theme_primary, count(*) AS projects FROM jmdi_project GROUP BY 1" --csv',
        `HLD_NAME_PREFIX=hld-evidence-prod hld query --backend aws "SELECT count(*) FROM observation WHERE source_sha256 = '…'"`,
      )}`,
    );
  backendOption(
    leaf(
      program,
      'serve',
      'the briefing HTTP API on http://127.0.0.1:PORT (the AWS API routes), until Ctrl-C',
      dispatch,
      'serve',
    ),
  )
    .option('--port <port>', 'the port (0 picks a free one)', '8787')
    .addHelpText(
      'after',
      examples('hld serve --port 8787   # then: curl http://127.0.0.1:8787/datasets/hld2013/countries/MDA'),
    );

  // ---- state ----------------------------------------------------------------------------------
  backendOption(
    leaf(
      program,
      'doctor',
      'check local state (ledger ↔ objects ↔ versions, locks, runs) and repair what can be repaired',
      dispatch,
      'doctor',
    ),
  )
    .option('--dry-run', 'report only; change nothing')
    .addHelpText('after', examples('hld doctor --dry-run', 'hld doctor'));
  backendOption(
    leaf(
      program,
      'unlock',
      'release the refresh lock: at once when its holder is dead; any holder with --force',
      dispatch,
      'unlock',
    ),
  )
    .option('--force', "release a live holder's lock (recorded; needs --why)")
    .option('--why <reason>', 'why (recorded)')
    .option('--who <name>', 'who (default: the user running hld)')
    .addHelpText(
      'after',
      examples('hld unlock', 'hld unlock --force --why "refresh hung after a network cut"'),
    );
  backendOption(
    leaf(
      program,
      'redrive',
      "deliver again what a stage gave up on: each stage's DLQ back into its queue (aws), or the local router's kept failures",
      dispatch,
      'redrive',
    ),
  )
    .option('--stage <stage>', 'only this event stage (default: every event stage)')
    .addHelpText(
      'after',
      examples(
        'hld redrive',
        'HLD_NAME_PREFIX=hld-evidence-prod hld redrive --backend aws --stage normalise',
      ),
    );
  leaf(program, 'completion', 'print a shell completion script (bash or zsh)', dispatch, 'completion')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      examples(
        'source <(hld completion bash)            # in ~/.bashrc',
        'source <(hld completion zsh)             # in ~/.zshrc',
      ),
    );

  program.helpCommand('help [command...]', 'help for a command');
  return program;
}

/** Every command below `root`, depth first, with its full path (`briefing show`). */
export function commandsOf(
  root: Command,
  path: readonly string[] = [],
): { path: string[]; command: Command }[] {
  return root.commands.flatMap((command) => {
    const here = [...path, command.name()];
    return [{ path: here, command }, ...commandsOf(command, here)];
  });
}
