// The console's reading of a GET /state snapshot: host figures, rules, HA admission control, past host views.
import { haSummary, hostFromSnapshot, hostMetrics, hostState, inventoryOf, ruleHolds, type Snapshot } from '../src/model.js';

const host = (id: string, over: Record<string, unknown> = {}) => ({
  id, clusterId: 'c1', power: 'on', maintenance: false, fault: null, threads: 32, vmIds: {} as Record<string, true>,
  spec: { name: `esx-${id}`, memoryMiB: 131072 }, ...over,
});
const vm = (id: string, hostId: string | null, over: Record<string, unknown> = {}) => ({
  id, clusterId: 'c1', state: hostId ? 'running' : 'stopped', hostId, spec: { name: `vm-${id}`, vcpus: 4, memoryMiB: 65536 }, ...over,
});

function snapshot(hosts: any[], vms: any[], services: Record<string, any> = {}): Snapshot {
  for (const v of vms) if (v.hostId) hosts.find((h) => h.id === v.hostId).vmIds[v.id] = true;
  const cluster = {
    id: 'c1', spec: { name: 'prod', ha: { enabled: true, hostFailuresTolerated: 1 } },
    hostIds: Object.fromEntries(hosts.map((h) => [h.id, true])), vmIds: Object.fromEntries(vms.map((v) => [v.id, true])),
  };
  return {
    position: 42,
    services: {
      vrm: { inventory: { clusters: { c1: cluster }, hosts: Object.fromEntries(hosts.map((h) => [h.id, h])), vms: Object.fromEntries(vms.map((v) => [v.id, v])), rules: {} } },
      ...services,
    },
  };
}

describe('rules hold by where the VMs are now', () => {
  const inv = inventoryOf(snapshot([host('h1'), host('h2')], [vm('vm1', 'h1'), vm('vm2', 'h1'), vm('vm3', 'h2'), vm('vm4', null)]));
  const rule = (kind: string, vms: string[], hosts?: string[]) => ({ spec: { name: 'r', kind, vms, hosts } });

  test('affinity: one host for all; anti-affinity: a host each', () => {
    expect(ruleHolds(inv, rule('vm-affinity', ['vm1', 'vm2']))).toBe(true);
    expect(ruleHolds(inv, rule('vm-affinity', ['vm1', 'vm3']))).toBe(false);
    expect(ruleHolds(inv, rule('vm-anti-affinity', ['vm1', 'vm3']))).toBe(true);
    expect(ruleHolds(inv, rule('vm-anti-affinity', ['vm1', 'vm2']))).toBe(false);
  });

  test('VM-host rules; a VM without a host breaks none', () => {
    expect(ruleHolds(inv, rule('vm-host-must', ['vm1', 'vm2', 'vm4'], ['h1']))).toBe(true);
    expect(ruleHolds(inv, rule('vm-host-should', ['vm1', 'vm3'], ['h1']))).toBe(false);
    expect(ruleHolds(inv, rule('vm-host-must-not', ['vm3'], ['h1']))).toBe(true);
    expect(ruleHolds(inv, rule('vm-host-must-not', ['vm1'], ['h1']))).toBe(false);
  });

  test('the compliance the scheduler recorded wins (a stopped member breaks nothing there)', () => {
    const recorded = (compliant: boolean) => ({ ...rule('vm-anti-affinity', ['vm1', 'vm2']), compliance: { compliant, vmIds: compliant ? [] : ['vm2'], reason: null, since: 10 } });
    expect(ruleHolds(inv, recorded(true))).toBe(true);
    expect(ruleHolds(inv, recorded(false))).toBe(false);
  });
});

describe('HA admission control: the cluster loses its largest tolerated hosts and still holds its running VMs', () => {
  test('three 128 GiB hosts, one tolerated, 192 GiB running: satisfied (256 GiB left)', () => {
    const snap = snapshot([host('h1'), host('h2'), host('h3')], [vm('vm1', 'h1'), vm('vm2', 'h2'), vm('vm3', 'h3')]);
    expect(haSummary(snap, 'c1').admission).toEqual({ spareMiB: 262144, demandMiB: 196608, ok: true });
  });

  test('one host already failed: 128 GiB left for 192 GiB, not satisfied', () => {
    const snap = snapshot([host('h1', { fault: 'power-loss' }), host('h2'), host('h3')], [vm('vm1', 'h2'), vm('vm2', 'h2'), vm('vm3', 'h3')]);
    expect(haSummary(snap, 'c1').admission).toEqual({ spareMiB: 131072, demandMiB: 196608, ok: false });
  });

  test('host and VM counts as the ha-monitor reports them', () => {
    const ha = { clusters: { c1: { policy: { enabled: true, hostFailuresTolerated: 1, isolationResponse: 'power-off' },
      hosts: { h1: { status: 'down', fenced: true }, h2: { status: 'up', fenced: false } },
      vms: { vm1: { status: 'running', haEnabled: true }, vm2: { status: 'waiting', haEnabled: true }, vm3: { status: 'running', haEnabled: false } } } } };
    const s = haSummary(snapshot([host('h1'), host('h2')], [], { 'ha-monitor': ha }), 'c1');
    expect(s.hostsByStatus).toEqual({ fenced: 1, up: 1 });
    expect(s.vmsByStatus).toEqual({ running: 1, waiting: 1 });
    expect(s.isolationResponse).toBe('power-off');
  });
});

describe('host figures', () => {
  const services = {
    scheduler: { cpu: { c1: { hosts: { h1: { utilizationPercent: 37.5, vms: [{ vmId: 'vm1', readyPercent: 1.5 }, { vmId: 'vm2', readyPercent: 4 }] } } } } },
    'memory-manager': { memory: {
      hosts: { h1: { capacityMiB: 100000, configuredMiB: 60000, overheadMiB: 1000, freeState: 'soft', nodes: [{ capacityMiB: 50000, configuredMiB: 30000 }] } },
      vms: { vm1: { hostId: 'h1', power: 'running', sharedMiB: 500, balloonedMiB: 300, swappedMiB: 200 }, vm9: { hostId: 'h1', power: 'stopped', sharedMiB: 9999 } },
    } },
    'io-backend': { io: { hosts: { h1: { assignableSlots: 8, pci: [{ pciIndex: 0, passthroughVmId: 'vm1' }, { pciIndex: 1, passthroughVmId: null }], reported: { dom0CpuMhz: 2 } } } } },
  };
  const snap = snapshot([host('h1'), host('h2')], [vm('vm1', 'h1'), vm('vm2', 'h1')], services);

  test('CPU use, worst ready time, memory in use net of reclaimed memory, overcommit', () => {
    expect(hostMetrics(snap, 'h1')).toEqual({ cpuPercent: 37.5, memoryPercent: 60, readyPercent: 4, vcpuRatio: 8 / 32, memoryRatio: 0.6, freeState: 'soft' });
  });

  test('a host that is off has no CPU use; one never sampled has no figures', () => {
    const off = snapshot([host('h1', { power: 'standby' })], [], services);
    expect(hostMetrics(off, 'h1').cpuPercent).toBeNull();
    expect(hostState(off.services.vrm.inventory.hosts.h1)).toBe('standby');
    expect(hostMetrics(snap, 'h2')).toMatchObject({ cpuPercent: null, memoryPercent: null, readyPercent: null });
  });

  test('the API words for a host state', () => {
    expect(hostState(host('h', { fault: 'network-isolation' }))).toBe('isolated');
    expect(hostState(host('h', { fault: 'power-loss' }))).toBe('fault');
    expect(hostState(host('h', { maintenance: true }))).toBe('maintenance');
    expect(hostState(host('h'))).toBe('connected');
  });

  test('a past host page: passthrough slots, reclamation, NUMA from the snapshot', () => {
    const h = hostFromSnapshot(snap, 'h1');
    expect(h.io.assignableSlots).toEqual({ total: 8, used: 1, free: 7 });
    expect(h.io.pciDevices.map((p: any) => p.state)).toEqual(['passthrough', 'free']);
    expect(h.memory.reclamation).toEqual({ sharedMiB: 500, balloonedMiB: 300, swappedMiB: 200 });
    expect(h.cpu.allocation.numaNodes).toEqual([{ node: 0, memoryMiB: 50000, allocatedMemoryMiB: 30000 }]);
    expect(hostFromSnapshot(snap, 'h404')).toBeNull();
  });
});
