import type { Command } from 'commander';
import { commandsOf } from './program.ts';

/**
 * `hld completion bash|zsh`: a completion script generated from the command tree itself
 * (program.ts), so a new command or option completes without anyone editing a script. Words
 * that are not commands or options (file names, countries) fall back to the shell's file
 * completion. zsh runs the bash function through `bashcompinit`, which every zsh ships.
 */

export const SHELLS = ['bash', 'zsh'] as const;

function words(command: Command): string[] {
  const options = command.options.filter((option) => !option.hidden).flatMap((option) => option.long ?? []);
  const subcommands = command.commands.map((sub) => sub.name());
  return [...subcommands, ...options, '--help'];
}

function bash(program: Command): string {
  // The longest path first: `briefing show` must match before `briefing`.
  const cases = [
    ...commandsOf(program)
      .sort((a, b) => b.path.length - a.path.length)
      .map(({ path, command }) => `    " ${path.join(' ')}"*) opts="${words(command).join(' ')}" ;;`),
    `    *) opts="${words(program).join(' ')}" ;;`,
  ];
  return `# hld completion for bash: source <(hld completion bash)
_hld_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i opts
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="$path \${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _hld_complete hld
`;
}

/** The completion script for `shell`; throws a usage error naming the shells for any other. */
export function completionScript(program: Command, shell: string): string {
  if (shell === 'bash') return bash(program);
  if (shell === 'zsh')
    return `#compdef hld
# hld completion for zsh: hld completion zsh > "\${fpath[1]}/_hld" (or: source <(hld completion zsh))
autoload -U +X bashcompinit && bashcompinit
${bash(program)}`;
  const error = new Error(
    `hld completion knows ${SHELLS.join(' and ')}, not '${shell}': e.g. hld completion bash`,
  );
  error.name = 'UsageError';
  throw error;
}
