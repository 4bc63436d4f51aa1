// `virtsim completion bash|zsh|fish`: a completion script generated from the command tree itself, so it names
// every command, subcommand and option the CLI has (pure: program in, script out).
import { Command } from 'commander';
import { UsageError } from './errors.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  names: string[];
  description: string;
  options: string[];
  children: Node[];
}

function tree(cmd: Command): Node {
  return {
    names: [cmd.name(), ...cmd.aliases()],
    description: cmd.description(),
    options: cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
    children: cmd.commands.map(tree),
  };
}

const words = (items: string[]) => items.join(' ');
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(root: Node): string {
  const globals = [...root.options, '--help'];
  const cases = root.children.map((c) => {
    const subs = c.children.flatMap((s) => s.names);
    const inner = c.children.map((s) => `        ${s.names.join('|')}) opts=${sq(words([...s.options, '--help']))} ;;`).join('\n');
    return [
      `    ${c.names.join('|')})`,
      `      subs=${sq(words(subs))}`,
      `      opts=${sq(words([...c.options, '--help']))}`,
      ...(inner ? ['      case "${words[2]}" in', inner, '      esac'] : []),
      '      ;;',
    ].join('\n');
  }).join('\n');
  return `# virtsim bash completion: eval "$(virtsim completion bash)" (or save it under bash_completion.d)
_virtsim() {
  local cur words=() w subs="" opts=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  # the words typed so far, without options (and the values they take)
  for w in "\${COMP_WORDS[@]:0:COMP_CWORD}"; do
    case "$w" in -*) ;; *) words+=("$w") ;; esac
  done
  local globals=${sq(words(globals))}
  if [ \${#words[@]} -le 1 ]; then
    subs=${sq(words(root.children.flatMap((c) => c.names)))}
  else
    case "\${words[1]}" in
${cases}
    esac
    [ \${#words[@]} -gt 2 ] && subs=""
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts $globals" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  fi
}
complete -o default -F _virtsim virtsim
`;
}

function zsh(root: Node): string {
  // zsh runs the bash function through bashcompinit: one definition of what completes
  return `#compdef virtsim
# virtsim zsh completion: eval "$(virtsim completion zsh)" (or save it as _virtsim on your fpath)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(root).split('\n').slice(1).join('\n')}`;
}

function fish(root: Node): string {
  const top = root.children.flatMap((c) => c.names);
  const desc = (d: string) => sq(d.split('\n')[0]!.slice(0, 80));
  const lines = [
    '# virtsim fish completion: virtsim completion fish > ~/.config/fish/completions/virtsim.fish',
    'complete -c virtsim -f',
    ...root.options.filter((o) => o.startsWith('--')).map((o) => `complete -c virtsim -l ${o.slice(2)}`),
  ];
  for (const c of root.children) {
    lines.push(`complete -c virtsim -n "not __fish_seen_subcommand_from ${words(top)}" -a ${c.names[0]} -d ${desc(c.description)}`);
    const subNames = c.children.flatMap((s) => s.names);
    for (const s of c.children) {
      lines.push(`complete -c virtsim -n "__fish_seen_subcommand_from ${words(c.names)}; and not __fish_seen_subcommand_from ${words(subNames)}" -a ${s.names[0]} -d ${desc(s.description)}`);
      for (const o of s.options.filter((f) => f.startsWith('--'))) {
        lines.push(`complete -c virtsim -n "__fish_seen_subcommand_from ${words(c.names)}; and __fish_seen_subcommand_from ${words(s.names)}" -l ${o.slice(2)}`);
      }
    }
    for (const o of c.options.filter((f) => f.startsWith('--'))) lines.push(`complete -c virtsim -n "__fish_seen_subcommand_from ${words(c.names)}" -l ${o.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: string): string {
  const root = tree(program);
  if (shell === 'bash') return bash(root);
  if (shell === 'zsh') return zsh(root);
  if (shell === 'fish') return fish(root);
  throw new UsageError(`completion for ${SHELLS.join(', ')}, not "${shell}"`);
}

export function completionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(' | '))
    .addHelpText('after', '\nExamples:\n  eval "$(virtsim completion bash)"        # in ~/.bashrc\n  eval "$(virtsim completion zsh)"         # in ~/.zshrc\n  virtsim completion fish > ~/.config/fish/completions/virtsim.fish')
    .action((shell: string, _o: unknown, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(root, shell));
    });
}
