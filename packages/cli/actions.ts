import { checkSettings, HLD_BACKEND, readSetting } from '#packages/settings/settings.ts';
import { type Output, UsageError } from './output.ts';
import type { ActionName, Invocation } from './program.ts';

/**
 * What each `hld` action does: one entry per action of the command tree (program.ts), each
 * importing its command module when it runs, so a command loads only what it uses.
 */

type Options = Readonly<Record<string, unknown>>;
type Action = (invocation: Invocation, out: Output) => Promise<number>;

const text = (options: Options, name: string): string | undefined =>
  typeof options[name] === 'string' ? (options[name] as string) : undefined;

/**
 * The briefing version asked for: `--briefing-version N`, or the old `--version N` with a notice
 * (the program's own `--version` prints hld's version).
 */
function briefingVersion(options: Options): string | undefined {
  const old = text(options, 'version');
  if (old !== undefined) {
    process.stderr.write(`hld: --version ${old} is deprecated here; use --briefing-version ${old}\n`);
    return text(options, 'briefingVersion') ?? old;
  }
  return text(options, 'briefingVersion');
}

const backend = (options: Options) => text(options, 'backend');

/**
 * A command's modules, loaded while its session starts the backend: once the embedded emulators'
 * child process is spawned, it starts on the other core while hld loads the stages, not after
 * them (`hld refresh` loaded ≈ 0.5 s of modules first). Node's loader holds the event loop while
 * it reads a module graph, so the load begins only after the spawn (`whileStarting`).
 */
function loadWhileStarting<T>(load: () => Promise<T>): {
  whileStarting: () => void;
  modules: () => Promise<T>;
} {
  let modules: Promise<T> | undefined;
  const begin = (): Promise<T> => {
    if (!modules) {
      modules = load();
      // Awaited by the command; if the session fails first, its error is the one reported.
      modules.catch(() => {});
    }
    return modules;
  };
  return { whileStarting: () => void begin(), modules: begin };
}

/** `completion` is not here: main.ts prints it without loading the TypeScript loader. */
const ACTIONS: Record<Exclude<ActionName, 'completion'>, Action> = {
  run: async ({ args, options }, out) => {
    const { withSession } = await import('./session.ts');
    const commands = loadWhileStarting(() => import('./commands/pipeline.ts'));
    return withSession(
      backend(options),
      async (session) =>
        (await commands.modules()).runCommand(
          session,
          out,
          args[0] as string | undefined,
          uploadOptionsOf(options),
        ),
      { whileStarting: commands.whileStarting },
    );
  },
  ingest: async ({ args, options }, out) => {
    const { withSession } = await import('./session.ts');
    const commands = loadWhileStarting(() => import('./commands/pipeline.ts'));
    const paths = args[0] as string[];
    // Files are selected (and a bad path refused) before any backend starts.
    const { selectIngestFiles } = await import('./select-files.ts');
    const selection = await selectIngestFiles(paths, text(options, 'kind'));
    // The source document flags (--title --publisher --year --url --licence): checked before any upload.
    const { sidecarFromFlags } = await import('./source-flags.ts');
    const sidecar = sidecarFromFlags(options as Parameters<typeof sidecarFromFlags>[0]);
    return withSession(
      backend(options),
      async (session) =>
        (await commands.modules()).ingestCommand(session, out, selection, uploadOptionsOf(options), sidecar),
      { whileStarting: commands.whileStarting },
    );
  },
  refresh: async ({ options }, out) => {
    const { withSession } = await import('./session.ts');
    const commands = loadWhileStarting(async () => {
      const command = await import('./commands/refresh.ts');
      // On AWS the state machine runs the steps: nothing of them is loaded here.
      if ((backend(options) ?? readSetting(HLD_BACKEND)) !== 'aws') await command.loadRefreshSteps();
      return command;
    });
    return withSession(
      backend(options),
      async (session) =>
        (await commands.modules()).refreshCommand(session, out, { force: Boolean(options.force) }),
      { whileStarting: commands.whileStarting },
    );
  },
  status: async ({ options }, out) => {
    const [{ withReadSession }, { statusCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/pipeline.ts'),
    ]);
    return withReadSession(backend(options), (session) => statusCommand(session, out));
  },
  validate: async ({ args, options }, out) => {
    const { validateFiles } = await import('./commands/validate.ts');
    return validateFiles(out, args[0] as string[], {
      kind: text(options, 'kind'),
      format: text(options, 'format'),
      encoding: text(options, 'encoding'),
      source: text(options, 'source'),
      revision: text(options, 'revision'),
    });
  },
  'contracts list': async (_invocation, out) => {
    const { contractsCommand } = await import('./commands/contracts.ts');
    return contractsCommand(out, { sub: 'list' });
  },
  'contracts export': async ({ options }, out) => {
    const { contractsCommand } = await import('./commands/contracts.ts');
    return contractsCommand(out, {
      sub: 'export',
      format: text(options, 'format'),
      out: text(options, 'out'),
    });
  },
  'contracts docs': async ({ options }, out) => {
    const { contractsCommand } = await import('./commands/contracts.ts');
    return contractsCommand(out, { sub: 'docs', out: text(options, 'out') });
  },
  'briefing list': async ({ options }, out) => {
    const [{ withReadSession }, { listCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    const version = briefingVersion(options);
    return withReadSession(backend(options), (session) => listCommand(session, out, { version }));
  },
  'briefing show': async ({ args, options }, out) => {
    const [{ withReadSession }, { showCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    const target = args[0] as string | undefined;
    const theme = text(options, 'theme');
    if (!target && !theme)
      throw new UsageError(
        'Name a country (hld briefing show MDA) or a theme (hld briefing show --theme RT3)',
      );
    const version = briefingVersion(options);
    return withReadSession(backend(options), (session) =>
      showCommand(session, out, { target, theme, scope: text(options, 'scope'), version }),
    );
  },
  'briefing versions': async ({ options }, out) => {
    const [{ withReadSession }, { versionsCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    return withReadSession(backend(options), (session) => versionsCommand(session, out));
  },
  'briefing diff': async ({ options }, out) => {
    const [{ withReadSession }, { diffCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    return withReadSession(backend(options), (session) =>
      diffCommand(session, out, { from: text(options, 'from'), to: text(options, 'to') }),
    );
  },
  'briefing rollback': async ({ args, options }, out) => {
    const [{ withReadSession }, { rollbackCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    return withReadSession(backend(options), (session) =>
      rollbackCommand(session, out, {
        version: args[0] as string,
        why: text(options, 'why'),
        who: text(options, 'who'),
        neverLive: Boolean(options.neverLive),
      }),
    );
  },
  'briefing export': async ({ options }, out) => {
    const [{ withReadSession }, { exportCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/briefing.ts'),
    ]);
    const version = briefingVersion(options);
    return withReadSession(backend(options), (session) =>
      exportCommand(session, out, {
        format: text(options, 'format'),
        out: text(options, 'out'),
        version,
        country: text(options, 'country'),
        theme: text(options, 'theme'),
        bom: Boolean(options.bom),
      }),
    );
  },
  lineage: async ({ args, options }, out) => {
    const [{ withReadSession }, { lineageCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/lineage.ts'),
    ]);
    const version = briefingVersion(options);
    return withReadSession(backend(options), (session) =>
      lineageCommand(session, out, { item: args[0] as string, version }),
    );
  },
  query: async ({ args, options }, out) => {
    const query = {
      sql: (args[0] as string[] | undefined)?.join(' '),
      csv: Boolean(options.csv),
      timeout: text(options, 'timeout'),
    };
    // In the cloud the query goes to Athena: no session, no ledger, only the workgroup's name.
    if ((backend(options) ?? readSetting(HLD_BACKEND)) === 'aws') {
      const { queryInAthena } = await import('./commands/query.ts');
      return queryInAthena(out, query);
    }
    const [{ withReadSession }, { queryCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/query.ts'),
    ]);
    return withReadSession(backend(options), (session) => queryCommand(session, out, query));
  },
  serve: async ({ options }, out) => {
    const [{ withReadSession }, { serveCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/serve.ts'),
    ]);
    return withReadSession(
      backend(options),
      (session) => serveCommand(session, out, { port: text(options, 'port') }),
      {
        exitOnSignal: false,
      },
    );
  },
  doctor: async ({ options }, out) => {
    const [{ withReadSession }, { doctorCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/doctor.ts'),
    ]);
    return withReadSession(backend(options), (session) =>
      doctorCommand(session, out, { dryRun: Boolean(options.dryRun) }),
    );
  },
  redrive: async ({ options }, out) => {
    const [{ withSession }, { redriveCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/redrive.ts'),
    ]);
    return withSession(backend(options), (session) =>
      redriveCommand(session, out, { stage: text(options, 'stage') }),
    );
  },
  unlock: async ({ options }, out) => {
    if (options.force && !text(options, 'why'))
      throw new UsageError('hld unlock --force needs --why "<reason>": the release is recorded');
    const [{ withReadSession }, { unlockCommand }] = await Promise.all([
      import('./session.ts'),
      import('./commands/unlock.ts'),
    ]);
    return withReadSession(backend(options), (session) =>
      unlockCommand(session, out, {
        force: Boolean(options.force),
        why: text(options, 'why'),
        who: text(options, 'who'),
      }),
    );
  },
};

/** The options of `run` and `ingest` that describe the uploaded files (program.ts `uploadOptions`). */
export interface UploadOptions {
  readonly encoding?: string;
  /** Every option given, for options added to `uploadOptions` that travel with the upload. */
  readonly all: Options;
}

function uploadOptionsOf(options: Options): UploadOptions {
  const encoding = text(options, 'encoding');
  return { ...(encoding ? { encoding } : {}), all: options };
}

/** The actions that draw progress bars on a terminal (uploads, large files, refresh steps). */
const WITH_PROGRESS: ReadonlySet<ActionName> = new Set(['run', 'ingest', 'refresh']);

/** Run one action: settings checked first (a bad HLD_* value stops it with exit 2, naming the variable). */
export async function runAction(invocation: Invocation, out: Output): Promise<number> {
  checkSettings();
  if (invocation.action === 'completion') throw new UsageError('hld completion prints without an action');
  let output = out;
  if (WITH_PROGRESS.has(invocation.action)) {
    const { progressWanted, withProgress } = await import('./progress.ts');
    if (progressWanted(out)) output = await withProgress(out);
  }
  return ACTIONS[invocation.action](invocation, output);
}
