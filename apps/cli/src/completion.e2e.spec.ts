// The completion scripts work in a real shell: bash completes commands, subcommands and options from the tree
// (zsh reuses the bash function; fish lines are checked for every top-level command).
import { execFileSync } from 'node:child_process';
import { buildProgram } from './program.js';
import { completionScript } from './completion.js';
import { UsageError } from './errors.js';

/** what bash offers for the typed words (the last one is being completed) */
function complete(script: string, typed: string[]): string[] {
  const words = typed.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${typed.length - 1}; _virtsim; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

const bash = completionScript(buildProgram(), 'bash');

test('bash: top-level commands, subcommands, options of the subcommand', () => {
  expect(complete(bash, ['virtsim', 'ho'])).toEqual(['host', 'hosts']);
  expect(complete(bash, ['virtsim', 'comp'])).toEqual(['completion']);
  expect(complete(bash, ['virtsim', 'vms', 'mi'])).toEqual(['migrate']);
  expect(complete(bash, ['virtsim', 'vms', 'migrate', 'web1', '--to'])).toEqual(['--to', '--to-cluster', '--token']); // the global --token too
  expect(complete(bash, ['virtsim', 'hosts', 'list', '--o'])).toEqual(['--output']);
  expect(complete(bash, ['virtsim', '--json', 'clusters', 'add'])).toEqual(['add-host']); // options are skipped
  expect(complete(bash, ['virtsim', '--ti'])).toEqual(['--timeout']);
});

test('zsh wraps the same function; fish names every command; an unknown shell is a usage error', () => {
  const zsh = completionScript(buildProgram(), 'zsh');
  expect(zsh).toMatch(/^#compdef virtsim\n/);
  expect(zsh).toContain('bashcompinit');
  expect(zsh).toContain('complete -o default -F _virtsim virtsim');
  const fish = completionScript(buildProgram(), 'fish');
  for (const c of buildProgram().commands) expect(fish).toContain(`-a ${c.name()} -d `);
  expect(fish).toContain('__fish_seen_subcommand_from vms vm; and __fish_seen_subcommand_from migrate" -l to-cluster');
  expect(() => completionScript(buildProgram(), 'tcsh')).toThrow(UsageError);
});
