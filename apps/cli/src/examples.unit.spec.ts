// Every command has help a person can start from: a description and at least one example in `--help`.
import { leafCommands } from './examples.js';
import { buildProgram } from './program.js';

function helpOf(cmd: import('commander').Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => { text += s; }, writeErr: (s) => { text += s; } });
  cmd.outputHelp();
  return text;
}

test('every command says what it does and shows an example', () => {
  const leaves = leafCommands(buildProgram());
  expect(leaves.length).toBeGreaterThan(50);
  const missing = leaves.flatMap(({ path, cmd }) => [
    ...(cmd.description() ? [] : [`${path}: no description`]),
    ...(/\nExamples?:\n {2}(\S.*)?virtsim /.test(helpOf(cmd)) ? [] : [`${path}: no example`]),
  ]);
  expect(missing).toEqual([]);
});

test('the example comes after the options, once', () => {
  const disks = leafCommands(buildProgram()).find((l) => l.path === 'vms disks add')!;
  const help = helpOf(disks.cmd);
  expect(help).toContain('add a disk to a VM');
  expect(help.indexOf('Example:')).toBeGreaterThan(help.indexOf('--size <GiB>'));
  expect(help.match(/Example:/g)).toHaveLength(1);
});
