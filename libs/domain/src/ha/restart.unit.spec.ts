import type { HaEvent } from '@virtsim/contracts';
import { affinityRule, capacityPlacer, clusterCreated, given, hostAdded, ofType, runningVm, runTicks, typesOf, ha } from './ha.fixtures.js';
import type { HaPlacer } from './restart.js';
import type { HaState } from './state.js';
import { haTick } from './tick.js';

const PRIORITIES = ['high', 'medium', 'low'] as const;
const id = (i: number) => `vm-${String(i).padStart(3, '0')}`;

function failHost(state: HaState, hostId: string): HaState {
  return ha.givenState(state).when({ type: 'InjectHostFault', hostId, kind: 'power-loss', simTime: 0 }).result().state;
}
const indexOf = (events: HaEvent[], type: string, vmId?: string) =>
  events.findIndex((e) => e.type === type && (vmId === undefined || (e.data as { vmId?: string }).vmId === vmId));

describe('HA restarts after a host failure', () => {
  it('h-1 with 60 HA VMs (20 high, 20 medium, 20 low) fails: each planned once, high > medium > low then id, after HostFenced', () => {
    const vms = Array.from({ length: 60 }, (_, i) => runningVm(id(i), 'h-1', { priority: PRIORITIES[(i * 7) % 3], memoryMiB: 2048 }));
    const s0 = failHost(given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3'), ...vms.flat()]), 'h-1');
    const { events, state } = runTicks(s0, 10, 60);
    const planned = ofType(events, 'VmRestartPlanned');
    expect(planned).toHaveLength(60);
    expect(new Set(planned.map((e) => e.data.vmId)).size).toBe(60);
    expect(planned.map((e) => e.data.order)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const expected = Array.from({ length: 60 }, (_, i) => ({ vmId: id(i), rank: (i * 7) % 3 }))
      .sort((a, b) => a.rank - b.rank || a.vmId.localeCompare(b.vmId)).map((v) => v.vmId);
    expect(planned.map((e) => e.data.vmId)).toEqual(expected);
    expect(planned.slice(0, 20).every((e) => e.data.priority === 'high')).toBe(true);
    expect(planned.every((e) => e.data.toHostId !== 'h-1')).toBe(true);
    expect(indexOf(events, 'HostFenced')).toBeLessThan(indexOf(events, 'VmRestartPlanned'));
    expect(ofType(events, 'VmRestarted')).toHaveLength(60);
    expect(Object.values(state.vms).every((vm) => vm.status === 'running' && vm.hostId !== 'h-1')).toBe(true);
  });

  it('a VM without HA stays down on the failed host while its HA neighbour restarts', () => {
    const s0 = failHost(given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-ha', 'h-1'), ...runningVm('vm-plain', 'h-1', { priority: null })]), 'h-1');
    const { events, state } = runTicks(s0, 10, 60);
    expect(ofType(events, 'VmRestarted').map((e) => e.data.vmId)).toEqual(['vm-ha']);
    expect(state.vms['vm-plain']).toMatchObject({ status: 'down', hostId: 'h-1' });
  });

  it('local-storage VM waits (reason names local datastore local-1 of h-1), then restarts on h-1 when it returns', () => {
    const s0 = failHost(given([
      clusterCreated(), hostAdded('h-1', { localDatastore: 'local-1' }), hostAdded('h-2'),
      ...runningVm('vm-local', 'h-1', { datastore: 'local-1' }), ...runningVm('vm-shared', 'h-1'),
    ]), 'h-1');
    const down = runTicks(s0, 10, 120);
    const waits = ofType(down.events, 'VmRestartWaiting');
    expect(waits).toHaveLength(1); // lasting state: not repeated every tick
    expect(waits[0]!.data).toMatchObject({ vmId: 'vm-local', hostId: 'h-1', waitKind: 'local-storage' });
    expect(waits[0]!.data.reason).toContain('local datastore local-1 of host h-1');
    expect(ofType(down.events, 'VmRestarted').map((e) => [e.data.vmId, e.data.hostId])).toEqual([['vm-shared', 'h-2']]);
    const back = runTicks(ha.givenState(down.state).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 125 }).result().state, 130, 130);
    expect(typesOf(back.events)).toEqual(['HostRecovered', 'VmRestartPlanned', 'VmRestarted']);
    expect(ofType(back.events, 'VmRestarted')[0]!.data).toMatchObject({ vmId: 'vm-local', fromHostId: 'h-1', hostId: 'h-1' });
  });

  it('no host can take a 200 GiB VM: it waits once, is retried every tick (6 placer calls in 60 s), restarts on h-1 when it returns', () => {
    const s0 = failHost(given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2', { memoryMiB: 65536 }), ...runningVm('vm-big', 'h-1', { memoryMiB: 204800 })]), 'h-1');
    let state = runTicks(s0, 10, 20).state;
    const calls: { excluded: readonly string[]; vmIds: string[] }[] = [];
    const events: HaEvent[] = [];
    for (let t = 30; t <= 80; t += 10) {
      const r = haTick(state, { simTime: t, place: capacityPlacer(state, calls) });
      events.push(...r.events);
      state = r.state;
    }
    expect(calls).toHaveLength(6);
    expect(calls[0]!.excluded).toEqual(['h-1']);
    const waits = ofType(events, 'VmRestartWaiting');
    expect(waits).toHaveLength(1);
    expect(waits[0]!.data).toMatchObject({ waitKind: 'no-host', reason: 'no host can take it: no host has 204800 MiB free' });
    const back = runTicks(ha.givenState(state).when({ type: 'RecoverHost', hostId: 'h-1', simTime: 85 }).result().state, 90, 90);
    expect(ofType(back.events, 'VmRestarted')[0]!.data).toMatchObject({ vmId: 'vm-big', hostId: 'h-1' });
  });

  it('VM-VM affinity group {vm-a, vm-c} is recovered together on one host; vm-b (high) goes first', () => {
    const s0 = failHost(given([
      clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3'),
      ...runningVm('vm-a', 'h-1', { priority: 'medium' }), ...runningVm('vm-b', 'h-1', { priority: 'high' }),
      ...runningVm('vm-c', 'h-1', { priority: 'low' }), affinityRule('rule-app', ['vm-a', 'vm-c']),
    ]), 'h-1');
    const requests: string[][] = [];
    const place: HaPlacer = (req) => { requests.push(req.vms.map((v) => v.vmId)); return { hostId: req.groupId ? 'h-3' : 'h-2' }; };
    const state = runTicks(s0, 10, 20).state;
    const { events } = haTick(state, { simTime: 30, place });
    expect(requests).toEqual([['vm-b'], ['vm-a', 'vm-c']]);
    const planned = ofType(events, 'VmRestartPlanned').map((e) => [e.data.vmId, e.data.toHostId, e.data.groupId, e.data.order]);
    expect(planned).toEqual([['vm-b', 'h-2', null, 1], ['vm-a', 'h-3', 'rule-app', 2], ['vm-c', 'h-3', 'rule-app', 3]]);
  });

  it('a should rule broken by the scheduler is reported on the plan; hosts down or in maintenance are excluded', () => {
    const s0 = failHost(given([
      clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), hostAdded('h-3'), ...runningVm('vm-1', 'h-1'),
      { type: 'HostMaintenanceEntered', data: { hostId: 'h-2', clusterId: 'c-1' } },
    ]), 'h-1');
    let excluded: readonly string[] = [];
    const place: HaPlacer = (_req, ex) => { excluded = ex; return { hostId: 'h-3', brokenShouldRules: ['prefer-h-1'] }; };
    const { events } = haTick(runTicks(s0, 10, 20).state, { simTime: 30, place });
    expect(excluded).toEqual(['h-1', 'h-2']);
    const plan = ofType(events, 'VmRestartPlanned')[0]!.data;
    expect(plan.brokenShouldRules).toEqual(['prefer-h-1']);
    expect(plan.reason).toContain('should rules broken: prefer-h-1');
  });

  it('a scheduler answer naming an excluded host is treated as a refusal: the VM waits', () => {
    const s0 = failHost(given([clusterCreated(), hostAdded('h-1'), hostAdded('h-2'), ...runningVm('vm-1', 'h-1')]), 'h-1');
    const { events } = haTick(runTicks(s0, 10, 20).state, { simTime: 30, place: () => ({ hostId: 'h-1' }) });
    expect(ofType(events, 'VmRestartWaiting')[0]!.data.reason).toContain('scheduler chose excluded host h-1');
  });
});
