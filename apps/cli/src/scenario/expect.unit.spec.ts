import { evaluateExpectation, matchCount, parseCount, type Snapshot } from './expect.js';

it('parseCount and matchCount', () => {
  expect(parseCount(3)).toEqual({ op: '==', value: 3 });
  expect(parseCount('>= 2')).toEqual({ op: '>=', value: 2 });
  expect(parseCount('=4')).toEqual({ op: '==', value: 4 });
  expect(() => parseCount('about 3')).toThrow(/invalid count/);
  expect(matchCount({ op: '<', value: 2 }, 1)).toBe(true);
  expect(matchCount({ op: '!=', value: 0 }, 0)).toBe(false);
});

it('evaluates every kind of check', () => {
  const snap: Snapshot = {
    vms: [
      { name: 'a', state: 'running', host: 'h1' },
      { name: 'b', state: 'running', host: 'h2' },
      { name: 'c', state: 'stopped', host: null },
    ],
    hosts: [{ name: 'h1', state: 'connected' }, { name: 'h2', state: 'down' }],
    migrations: 2,
    haRestarts: 0,
  };
  const r = evaluateExpectation(
    {
      vms: { running: 2, total: 3, failed: 0 },
      hosts: { down: ">= 1" },
      onHost: { h1: 1, h2: 0 },
      vmStates: { c: 'running' },
      vmHosts: { a: 'h1', b: '!h2' },
      migrations: '>= 1',
      haRestarts: '> 0',
    },
    snap,
  );
  expect(r.map((c) => [c.check, c.ok])).toEqual([
    ['vms.running', true], ['vms.total', true], ['vms.failed', true], ['hosts.down', true],
    ['onHost.h1', true], ['onHost.h2', false], ['vmStates.c', false], ['vmHosts.a', true], ['vmHosts.b', false],
    ['migrations', true], ['haRestarts', false],
  ]);
  expect(r.find((c) => c.check === 'onHost.h2')).toEqual({ check: 'onHost.h2', expected: '0', actual: '1', ok: false });
});

it('invariants: hold passes only when nothing is breached', () => {
  const snap: Snapshot = { vms: [], hosts: [], migrations: 0, haRestarts: 0, violated: [] };
  expect(evaluateExpectation({ invariants: 'hold' }, snap)).toEqual([{ check: 'invariants', expected: 'hold', actual: 'hold', ok: true }]);
  expect(evaluateExpectation({ invariants: 'hold' }, { ...snap, violated: ['vm-single-host', 'tasks-end'] }))
    .toEqual([{ check: 'invariants', expected: 'hold', actual: 'violated: vm-single-host, tasks-end', ok: false }]);
});
