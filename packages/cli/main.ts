import { readFileSync } from 'node:fs';
import { type Command, CommanderError } from 'commander';
import { createOutput, EXIT, type Output } from './output.ts';
import { buildProgram, commandsOf, type Invocation } from './program.ts';

/**
 * `hld`: parse the command line (commander, program.ts), then run the action, loading its
 * modules only now. Every failure ends in one exit code of the README's table, with a message that
 * says what to do next; a stack trace only with `--debug` or `HLD_DEBUG=1`.
 */

/** `hld --version`: the tool's version and the Node.js that runs it. */
export function versionLine(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `hld ${manifest.version} (Node.js ${process.version})`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let debug = false;
  let out: Output = createOutput(false);
  const program = buildProgram(async (invocation: Invocation) => {
    out = createOutput(Boolean(invocation.options.json), Boolean(invocation.options.quiet));
    debug ||= Boolean(invocation.options.debug);
    if (invocation.action === 'completion') {
      const { completionScript } = await import('./completion.ts');
      process.stdout.write(completionScript(rootOf(invocation.command), String(invocation.args[0])));
      return;
    }
    const { runAction } = await import('./actions.ts');
    exitCode = await runAction(invocation, out);
  }, versionLine());
  configureErrors(program);
  try {
    // `hld help briefing show` is `hld briefing show --help`, at any depth (as gh does).
    // An unknown name is left to commander, which says so with a suggestion (exit 2).
    const known = new Set(commandsOf(program).map((entry) => entry.path.join(' ')));
    const topic = argv.slice(1);
    const args =
      argv[0] !== 'help'
        ? [...argv]
        : topic.length === 0 || known.has(topic.join(' '))
          ? [...topic, '--help']
          : topic;
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    const { reportError } = await import('./report-error.ts');
    return reportError(error, out, { debug, backend: backendFlag(argv) });
  }
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** The --backend given on the command line, for error reports (the parse may not have finished). */
function backendFlag(argv: readonly string[]): string | undefined {
  const index = argv.indexOf('--backend');
  if (index >= 0) return argv[index + 1];
  return argv.find((arg) => arg.startsWith('--backend='))?.slice('--backend='.length);
}

/**
 * Usage errors as one line (`hld: unknown option '--knd' (Did you mean --kind?)`) and the
 * command's usage, on every command; commander throws instead of exiting.
 */
function configureErrors(program: Command): void {
  for (const command of [program, ...commandsOf(program).map((entry) => entry.command)]) {
    const path = fullName(command);
    command
      .exitOverride()
      .configureOutput({
        outputError: (message, write) => write(`hld: ${message.replace(/^error: /, '').trimEnd()}\n`),
      })
      .showHelpAfterError(`Usage: ${path} ${command.usage()}\nRun '${path} --help' for more.`);
  }
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** commander's own outcomes: help and version are success; anything else is a usage error. */
function commanderExit(error: CommanderError): number {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT.ok;
    default:
      return EXIT.usage;
  }
}
