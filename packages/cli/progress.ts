import type { Output } from './output.ts';

/**
 * Progress bars on a terminal: one per uploaded file (its bytes, then the stage checking it) and
 * one over the refresh's steps, drawn on stderr with cli-progress. Shown only when stderr is a
 * terminal and `--quiet` is not given; without a terminal (a pipe, a file, CI) the output is the
 * plain lines it always was. Colour only where the terminal takes it (`NO_COLOR`, `FORCE_COLOR`,
 * `TERM=dumb`, as Node's `hasColors()` reads them). Progress never goes to stdout, so `--json`
 * stays machine-readable.
 *
 * cli-progress was chosen for its size (one dependency, string-width) and because it draws on any
 * stream without taking over the terminal; it is imported only when a bar is to be drawn, so
 * `hld --help` and every piped run never load it.
 */

/** One bar: a total of bytes or steps, and what is being done. */
export interface ProgressBar {
  /** Move to `value` (of the total), optionally saying what is being done now. */
  update(value: number, doing?: string): void;
  /** Take the bar off the terminal. */
  done(): void;
}

export interface Progress {
  /** A bar of `total` (bytes when `bytes`), titled `title`. */
  bar(total: number, title: string, options?: { readonly bytes?: boolean }): ProgressBar;
}

/** An Output that also draws progress: its lines are printed above the bar, never through it. */
export interface ProgressOutput extends Output {
  readonly progress?: Progress;
}

/** Whether bars are drawn for this run: a terminal on stderr, not --quiet, not TERM=dumb. */
export function progressWanted(out: Output, stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !out.quiet && process.env.TERM !== 'dumb';
}

/**
 * `out`, with progress bars when they are wanted (cli-progress loaded now), else `out` itself.
 * Every line printed through it clears the bar first and draws it again after.
 */
export async function withProgress(out: Output): Promise<ProgressOutput> {
  if (!progressWanted(out)) return out;
  const { default: cliProgress } = await import('cli-progress');
  const stream = process.stderr;
  const colour = stream.hasColors?.() ?? false;
  let active:
    | { bar: InstanceType<typeof cliProgress.SingleBar>; value: number; total: number; doing: string }
    | undefined;
  const around = (write: () => void) => {
    const shown = active;
    if (shown) shown.bar.stop();
    write();
    if (shown && active === shown) shown.bar.start(shown.total, shown.value, { doing: shown.doing });
  };
  const progress: Progress = {
    bar(total, title, options = {}) {
      active?.bar.stop();
      const value = (n: number) => (options.bytes ? formatSize(n) : String(n));
      const bar = new cliProgress.SingleBar({
        stream,
        format: (settings, params, payload: { doing?: string }) => {
          const width = settings.barsize ?? 24;
          const filled = Math.round(params.progress * width);
          const drawn = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
          return `${title} ${colour ? `\u001b[36m${drawn}\u001b[39m` : drawn} ${value(params.value)}/${value(params.total)}${payload.doing ? ` ${payload.doing}` : ''}`;
        },
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        // A redraw at most every 100 ms: a bar must not cost what it reports on.
        fps: 10,
        linewrap: false,
      });
      const state = { bar, value: 0, total, doing: '' };
      active = state;
      bar.start(total, 0, { doing: '' });
      return {
        update(next, doing) {
          state.value = next;
          if (doing !== undefined) state.doing = doing;
          bar.update(next, { doing: state.doing });
        },
        done() {
          bar.stop();
          if (active === state) active = undefined;
        },
      };
    },
  };
  return {
    json: out.json,
    ...(out.quiet !== undefined ? { quiet: out.quiet } : {}),
    info: (message) => around(() => out.info(message)),
    result: (value, human) => around(() => out.result(value, human)),
    progress,
  };
}

/** `12.3 MB`, for a bar of bytes. */
function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
