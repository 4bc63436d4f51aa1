import { vmCreationRequestedData } from '@virtsim/contracts';
import type { InventoryEvent, NumaPlacement, PlacementEvent } from '@virtsim/contracts';
import { clusterWithHosts, createdVm, given, vmSpec } from './inventory.fixtures.js';
import { evolveInventory, inventoryView } from './view.js';
import { fold } from '../shared/decider.js';

const numa: NumaPlacement = { nodes: [1], memoryMiBPerNode: [4096], vcpusPerNode: [4] };
const canonical = (value: unknown): string => JSON.stringify(value, (_k, v) =>
  (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

describe('inventory view', () => {
  it('VmPlaced on h1 then VmRelocated to h2: host counts 1/0 then 0/1, NUMA follows', () => {
    const view = given([...clusterWithHosts(2), { type: 'VmCreationRequested', data: vmCreationRequestedData('vm1', vmSpec('web-1', 'c1')) }]);
    const placed: PlacementEvent = { type: 'VmPlaced', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', numa, brokenShouldRules: ['prefer-h2'], reason: 'weighers' } };
    evolveInventory(view, placed);
    expect([view.hosts.h1!.vmCount, view.hosts.h2!.vmCount]).toEqual([1, 0]);
    expect(view.vms.vm1).toMatchObject({ hostId: 'h1', numa, brokenShouldRules: ['prefer-h2'], state: 'creating' });
    evolveInventory(view, { type: 'VmRelocated', data: { vmId: 'vm1', clusterId: 'c1', fromHostId: 'h1', toHostId: 'h2', numa: { ...numa, nodes: [0] }, reason: 'live-migration' } });
    expect([view.hosts.h1!.vmCount, view.hosts.h2!.vmCount]).toEqual([0, 1]);
    expect(view.hosts.h2!.vmIds).toEqual({ vm1: true });
    expect(view.vms.vm1!.numa!.nodes).toEqual([0]);
  });

  it('a failed creation (placement released, then VmCreationFailed) leaves no trace: counts 0, name free', () => {
    const view = given([...clusterWithHosts(1), { type: 'VmCreationRequested', data: vmCreationRequestedData('vm1', vmSpec('web-1', 'c1')) }]);
    evolveInventory(view, { type: 'VmPlaced', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', numa, brokenShouldRules: [], reason: 'r' } });
    evolveInventory(view, { type: 'VmPlacementReleased', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', reason: 'compensation' } });
    evolveInventory(view, { type: 'VmCreationFailed', data: { vmId: 'vm1', clusterId: 'c1', reason: 'no GPU', step: 'attach-devices' } });
    expect(view.vms).toEqual({});
    expect(view.hosts.h1!.vmCount).toBe(0);
    expect(view.clusters.c1).toMatchObject({ vmCount: 0, vmNames: {}, vmsByState: {} });
  });

  it('is JSON-able and canonical: the same VMs created in two orders give the same canonical JSON', () => {
    const a = createdVm('vm1', vmSpec('a', 'c1'), 'h1', true);
    const b = createdVm('vm2', vmSpec('b', 'c1'), 'h2');
    const one = given([...clusterWithHosts(2), ...a, ...b]);
    const two = given([...clusterWithHosts(2), ...b, ...a]);
    expect(JSON.parse(JSON.stringify(one))).toEqual(one);
    expect(canonical(one)).toBe(canonical(two));
    expect(one.clusters.c1!.vmsByState).toEqual({ running: 1, stopped: 1 });
  });

  it('does not mutate the events it folds (the log stays intact): a reconfigure replaces the spec', () => {
    const events = [...clusterWithHosts(1), ...createdVm('vm1', vmSpec('a', 'c1'), 'h1')];
    const before = JSON.stringify(events);
    const view = given(events);
    evolveInventory(view, { type: 'VmReconfigured', data: { vmId: 'vm1', clusterId: 'c1', vcpus: 8, memoryMiB: 8192, pendingVcpus: null } });
    expect(view.vms.vm1!.spec).toMatchObject({ vcpus: 8, memoryMiB: 8192 });
    expect(JSON.stringify(events)).toBe(before);
  });

  it('full scale: 128 hosts and 8,000 VMs (5 events each, 40,128 events) fold in well under a second', () => {
    const events: InventoryEvent[] = clusterWithHosts(128);
    for (let i = 0; i < 8000; i++) events.push(...createdVm(`vm${i}`, vmSpec(`vm-${i}`, 'c1'), `h${1 + (i % 128)}`, true));
    const t0 = performance.now();
    const view = fold(inventoryView, events);
    const ms = performance.now() - t0;
    expect(view.clusters.c1).toMatchObject({ hostCount: 128, vmCount: 8000, vmsByState: { running: 8000 } });
    expect(view.hosts.h1!.vmCount).toBe(63);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (view.unit.spec.ts): ms = ${ms}`);
  });
});

describe('vrm clock', () => {
  it('ClockAdvanced tick 3 at 30 s is kept in the view', () => {
    const view = given([{ type: 'ClockAdvanced', data: { tick: 3, simTime: 30, tickSeconds: 10 } }]);
    expect(view.clock).toEqual({ tick: 3, simTime: 30 });
  });
});
