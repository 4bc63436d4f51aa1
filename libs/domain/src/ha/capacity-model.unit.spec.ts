import type { RuleSpec } from '@virtsim/contracts';
import { haCapacityPlacer, type HaClusterRule } from './capacity-model.js';
import { clusterCreated, given, hostAdded, runningVm } from './ha.fixtures.js';
import type { HaRestartRequest } from './restart.js';

// 16 threads x ratio 4 = 64 vCPUs and 256 GiB per host (fixture defaults)
const state = () => given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3'), ...runningVm('vm-1', 'h-1'), ...runningVm('db-2', 'h-2')]);
const rule = (ruleId: string, spec: Omit<RuleSpec, 'name'>): HaClusterRule => ({ ruleId, spec: { name: ruleId, ...spec } as RuleSpec });
const request = (vmId: string, vcpus = 2, memoryMiB = 4096): HaRestartRequest => {
  const vm = state().vms['vm-1']!;
  return { vms: [{ ...vm, vmId }], vcpus, memoryMiB, priority: 'medium', fromHostId: 'h-1', cause: 'host-failure', groupId: null };
};

describe('HA capacity model (scheduler unavailable, HA.md 3)', () => {
  it('the host with the most free memory wins; a grant counts against it for the rest of the tick', () => {
    const place = haCapacityPlacer(state(), []);
    expect(place(request('a', 2, 200_000), ['h-1'])).toEqual({ hostId: 'h-3', brokenShouldRules: [] });
    expect(place(request('b', 2, 200_000), ['h-1'])).toEqual({ hostId: 'h-2', brokenShouldRules: [] });
    expect(place(request('c', 2, 200_000), ['h-1'])).toMatchObject({ refused: expect.stringContaining('1 excluded, 0 down or in maintenance, 2 full, 0 barred by must rules') });
  });

  it('must-not bars a host, must confines to the listed ones, anti-affinity keeps db-1 off db-2\'s host', () => {
    expect(haCapacityPlacer(state(), [rule('ban', { kind: 'vm-host-must-not', vms: ['a'], hosts: ['h-3'] })])(request('a'), ['h-1'])).toEqual({ hostId: 'h-2', brokenShouldRules: [] });
    expect(haCapacityPlacer(state(), [rule('pin', { kind: 'vm-host-must', vms: ['a'], hosts: ['h-1'] })])(request('a'), ['h-1']))
      .toMatchObject({ refused: expect.stringContaining('2 barred by must rules') });
    const apart = rule('apart', { kind: 'vm-anti-affinity', vms: ['db-1', 'db-2'] });
    expect(haCapacityPlacer(state(), [apart, rule('ban', { kind: 'vm-host-must-not', vms: ['db-1'], hosts: ['h-3'] })])(request('db-1'), ['h-1']))
      .toMatchObject({ refused: expect.stringContaining('2 barred by must rules') });
  });

  it('a should rule is broken only when no host keeps it, and the answer names it', () => {
    const prefer = rule('prefer', { kind: 'vm-host-should', vms: ['a'], hosts: ['h-2'] });
    expect(haCapacityPlacer(state(), [prefer])(request('a'), ['h-1'])).toEqual({ hostId: 'h-2', brokenShouldRules: [] });
    expect(haCapacityPlacer(state(), [prefer])(request('a'), ['h-1', 'h-2'])).toEqual({ hostId: 'h-3', brokenShouldRules: ['prefer'] });
  });

  it('in-flight migrations count for anti-affinity at both ends (issue 15 item 7): db-2 moving h-2 -> h-3 keeps both taken', () => {
    const apart = rule('apart', { kind: 'vm-anti-affinity', vms: ['db-1', 'db-2'] });
    // without the migration db-1 may go to h-3 (most free memory); while db-2 moves there, h-2 and h-3 are taken
    expect(haCapacityPlacer(state(), [apart])(request('db-1'), ['h-1'])).toEqual({ hostId: 'h-3', brokenShouldRules: [] });
    const migrations = [{ vmId: 'db-2', sourceHostId: 'h-2', targetHostId: 'h-3' }];
    expect(haCapacityPlacer(state(), [apart], { migrations })(request('db-1'), ['h-1']))
      .toMatchObject({ refused: expect.stringContaining('1 excluded, 0 down or in maintenance, 0 full, 2 barred by must rules') });
    // a migration of a VM outside the rule changes nothing
    expect(haCapacityPlacer(state(), [apart], { migrations: [{ vmId: 'vm-1', sourceHostId: 'h-1', targetHostId: 'h-3' }] })(request('db-1'), ['h-1']))
      .toEqual({ hostId: 'h-3', brokenShouldRules: [] });
  });

  it('a host HA recovered in this tick is a target at once (its HaState still says failed)', () => {
    const s = state();
    s.hosts['h-3']!.status = 'failed';
    expect(haCapacityPlacer(s, [])(request('a'), ['h-1', 'h-2'])).toMatchObject({ refused: expect.stringContaining('1 down or in maintenance') });
    expect(haCapacityPlacer(s, [], { recoveredHosts: ['h-3'] })(request('a'), ['h-1', 'h-2'])).toEqual({ hostId: 'h-3', brokenShouldRules: [] });
  });
});
