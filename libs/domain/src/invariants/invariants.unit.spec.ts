import type { HostSpec, VmSpec } from '@virtsim/contracts';
import { decideInvariants, emptyStatus, emptyWorld, evolveStatus, evolveWorld, INVARIANTS, invariantReport, type World } from './index.js';

const host = (name: string, extra: Partial<HostSpec> = {}): HostSpec => ({
  name, cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 1000, vendor: 'intel', model: 'x', arch: 'x86', features: [] },
  memoryMiB: 16384, numaNodes: 1, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' }, hugePagesMiB: 0,
  pciDevices: [], datastores: [], migrationNetworkGbps: 10, ...extra,
});
const vmSpec = (name: string, extra: Partial<VmSpec> = {}) => ({ name, clusterId: 'c1', vcpus: 1, memoryMiB: 1024, cpuReservationMhz: 0, ...extra });

type E = { type: string; data: Record<string, unknown>; simTime?: number };
function fold(events: E[], w: World = emptyWorld(), from = 0): World {
  events.forEach((e, i) => evolveWorld(w, { position: from + i + 1, type: e.type, data: e.data, metadata: { simTime: e.simTime ?? 0 } }));
  return w;
}
const cluster: E[] = [
  { type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c', memoryOvercommit: false } } },
  { type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: host('esx-1') } },
  { type: 'HostAdded', data: { hostId: 'h2', clusterId: 'c1', spec: host('esx-2') } },
];
const running = (vmId: string, hostId: string, spec = vmSpec(vmId)): E[] => [
  { type: 'VmCreationRequested', data: { vmId, spec } },
  { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId } },
  { type: 'VmMemoryReserved', data: { vmId, hostId, memoryMiB: spec.memoryMiB, overheadMiB: 0, hugeBacked: false } },
  { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'starting', to: 'running' } },
];

function breaches(events: E[], full = true) {
  const w = fold(events);
  return decideInvariants(emptyStatus(), w, { full });
}

describe('invariants', () => {
  it('every invariant has an id, a sentence and the features it protects', () => {
    expect(new Set(INVARIANTS.map((i) => i.id)).size).toBe(INVARIANTS.length);
    for (const i of INVARIANTS) {
      expect(i.text).toMatch(/\.$/);
      expect(i.protects.length).toBeGreaterThan(0);
    }
  });

  it('a lawful history breaks nothing', () => {
    const events = [...cluster, ...running('vm1', 'h1'), { type: 'VmRelocated', data: { vmId: 'vm1', fromHostId: 'h1', toHostId: 'h2' } }];
    expect(breaches(events)).toEqual([]);
  });

  it('one VM placed on two hosts is reported with the placements as evidence', () => {
    const out = breaches([...cluster, ...running('vm1', 'h1'), { type: 'VmPlaced', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h2' } }]);
    expect(out).toEqual([expect.objectContaining({ type: 'InvariantViolated', data: expect.objectContaining({ invariant: 'vm-single-host', subject: 'vm1', position: 8 }) })]);
    expect(out[0]!.type === 'InvariantViolated' && out[0]!.data.evidence).toEqual({ detail: 'VM vm1 is placed on 2 hosts: h1, h2', positions: [4, 5, 6, 7, 8] });
  });

  it('a restart before fencing is reported, and restored once the host is fenced', () => {
    const crash: E[] = [
      { type: 'HostFaultInjected', data: { hostId: 'h1', kind: 'power-loss' } },
      { type: 'VmsDownOnHost', data: { hostId: 'h1', vmIds: ['vm1'], staleCopies: false } },
      { type: 'HostFailureDetected', data: { hostId: 'h1' } },
      { type: 'VmRelocated', data: { vmId: 'vm1', fromHostId: 'h1', toHostId: 'h2' } },
      { type: 'VmRestarted', data: { vmId: 'vm1', fromHostId: 'h1', hostId: 'h2', cause: 'host-failure' } },
    ];
    const w = fold([...cluster, ...running('vm1', 'h1'), ...crash]);
    const status = emptyStatus();
    const found = decideInvariants(status, w, { full: false });
    expect(found.map((e) => [e.type, e.data.invariant, e.data.subject])).toEqual([['InvariantViolated', 'ha-fence-before-restart', 'vm1']]);
    found.forEach((e, i) => evolveStatus(status, { position: 100 + i, type: e.type, data: e.data }));
    expect(invariantReport(status).find((r) => r.id === 'ha-fence-before-restart')).toMatchObject({ status: 'violated', since: 100, openBreaches: 1 });
    fold([{ type: 'HostFenced', data: { hostId: 'h1', vmIds: ['vm1'] } }], w, 102);
    const after = decideInvariants(status, w, { full: false });
    expect(after.map((e) => [e.type, e.data.invariant])).toEqual([['InvariantRestored', 'ha-fence-before-restart']]);
  });

  it('a VM running on a host that lost power, and not reported down, breaks vm-runs-on-live-host', () => {
    const out = breaches([...cluster, ...running('vm1', 'h1'), { type: 'HostFaultInjected', data: { hostId: 'h1', kind: 'power-loss' } }], false);
    expect(out.map((e) => e.data.invariant)).toEqual(['vm-runs-on-live-host']);
    // reported down with it: nothing runs there
    expect(breaches([...cluster, ...running('vm1', 'h1'), { type: 'HostFaultInjected', data: { hostId: 'h1', kind: 'power-loss' } },
      { type: 'VmsDownOnHost', data: { hostId: 'h1', vmIds: ['vm1'], staleCopies: false } }])).toEqual([]);
  });

  it('memory over the limit without overcommit, CPU reservations over capacity', () => {
    const big = vmSpec('big', { memoryMiB: 16000, cpuReservationMhz: 3000 });
    const out = breaches([...cluster, ...running('vm1', 'h1', big), ...running('vm2', 'h1', { ...big, name: 'b2' })]);
    expect(out.map((e) => [e.data.invariant, e.data.subject])).toEqual([['host-cpu-reservations', 'h1'], ['host-memory-within-overcommit', 'h1']]);
  });

  it('a passthrough GPU held by two VMs', () => {
    const gpu = { deviceId: 'gpu-0', mode: 'passthrough', pciIndex: 0 };
    const out = breaches([...cluster, ...running('vm1', 'h1'), ...running('vm2', 'h1'),
      { type: 'IoDevicesAttached', data: { vmId: 'vm1', hostId: 'h1', devices: [gpu] } },
      { type: 'IoDevicesAttached', data: { vmId: 'vm2', hostId: 'h1', devices: [gpu] } }]);
    expect(out.map((e) => [e.data.invariant, e.data.subject])).toEqual([['device-single-owner', 'h1/0']]);
  });

  it('a must rule broken by a running VM, a live migration to a host in maintenance, a stale copy after return', () => {
    const out = breaches([...cluster, ...running('vm1', 'h1'),
      { type: 'RuleCreated', data: { ruleId: 'r1', clusterId: 'c1', spec: { name: 'pin', kind: 'vm-host-must', vms: ['vm1'], hosts: ['h2'] } } },
      { type: 'HostMaintenanceEntered', data: { hostId: 'h2' } },
      { type: 'MigrationRequested', data: { migrationId: 'm1', vmId: 'vm1', kind: 'live', targetHostId: 'h2' } }]);
    expect(out.map((e) => e.data.invariant)).toEqual(['must-rules-hold', 'migration-target-available']);
    const twice = breaches([...cluster, ...running('vm1', 'h1'),
      { type: 'VmsDownOnHost', data: { hostId: 'h1', vmIds: ['vm1'], staleCopies: true } },
      { type: 'HostFenced', data: { hostId: 'h1' } },
      { type: 'VmRelocated', data: { vmId: 'vm1', fromHostId: 'h1', toHostId: 'h2' } },
      { type: 'VmRestarted', data: { vmId: 'vm1', fromHostId: 'h1', hostId: 'h2', cause: 'host-isolation' } },
      { type: 'HostRecovered', data: { hostId: 'h1' } }]);
    expect(twice.map((e) => [e.data.invariant, e.data.subject])).toEqual([['no-vm-runs-twice', 'vm1@h1']]);
  });

  it('a task open past the deadline is seen at a tick, and positions going backwards', () => {
    const w = fold([...cluster, { type: 'TaskCreated', data: { taskId: 't1', kind: 'vm.migrate', target: 'vm1' } }, { type: 'ClockAdvanced', data: {}, simTime: 4000 }]);
    expect(decideInvariants(emptyStatus(), w, { full: false })).toEqual([]);
    expect(decideInvariants(emptyStatus(), w, { full: true }).map((e) => e.data.subject)).toEqual(['t1']);
    evolveWorld(w, { position: 2, type: 'ClockAdvanced', data: {}, metadata: {} });
    expect(decideInvariants(emptyStatus(), w, { full: false }).map((e) => e.data.invariant)).toEqual(['log-positions-increase']);
  });
});

it('a VM restarted on its own host after the host returned is no breach of fence-before-restart', () => {
  const w = fold([...cluster, ...running('vm1', 'h1'),
    { type: 'HostFaultInjected', data: { hostId: 'h1', kind: 'power-loss' } },
    { type: 'VmsDownOnHost', data: { hostId: 'h1', vmIds: ['vm1'], staleCopies: false } },
    { type: 'HostFailureDetected', data: { hostId: 'h1' } },
    { type: 'HostFenced', data: { hostId: 'h1', vmIds: ['vm1'] } },
    { type: 'HostRecovered', data: { hostId: 'h1' } },
    { type: 'VmRestarted', data: { vmId: 'vm1', fromHostId: 'h1', hostId: 'h1', cause: 'host-failure' } }]);
  expect(decideInvariants(emptyStatus(), w, { full: true })).toEqual([]);
});

describe('B6 invariants of the cluster: limits, migration concurrency, HA reserve', () => {
  it('a cluster over 128 hosts is reported once the 129th host is added', () => {
    const hosts: E[] = Array.from({ length: 129 }, (_, i) => ({ type: 'HostAdded', data: { hostId: `h${i}`, clusterId: 'c1', spec: host(`esx-${i}`) } }));
    const w = fold([cluster[0]!, ...hosts.slice(0, 128)]);
    expect(decideInvariants(emptyStatus(), w, { full: true })).toEqual([]);
    fold([hosts[128]!], w, 200);
    const out = decideInvariants(emptyStatus(), w, { full: false });
    expect(out.map((e) => [e.data.invariant, e.data.subject])).toEqual([['cluster-limits', 'c1/hosts']]);
    expect(out[0]!.type === 'InvariantViolated' && out[0]!.data.evidence.detail).toBe('cluster c1 holds 129 hosts, limit 128');
  });

  it('five migrations at once over a 1 GbE link (limit 4) are reported, and restored when one ends', () => {
    const link = { linkId: 'host:h1', capacityMiBps: 119.2, maxConcurrent: 4 };
    const migrations: E[] = [1, 2, 3, 4, 5].flatMap((i) => [
      ...running(`vm${i}`, 'h1'),
      { type: 'MigrationRequested', data: { migrationId: `m${i}`, vmId: `vm${i}`, kind: 'live', targetHostId: 'h2', links: [link] } },
      { type: 'MigrationStarted', data: { migrationId: `m${i}`, vmId: `vm${i}`, startedAt: 0, queuedSeconds: 0 } },
    ]);
    const w = fold([...cluster, ...migrations.slice(0, -1)]);
    const status = emptyStatus();
    expect(decideInvariants(status, w, { full: true })).toEqual([]);
    fold(migrations.slice(-1), w, 100);
    const found = decideInvariants(status, w, { full: false });
    expect(found.map((e) => [e.data.invariant, e.data.subject])).toEqual([['migration-concurrency', 'host:h1']]);
    expect(found[0]!.type === 'InvariantViolated' && found[0]!.data.evidence.detail).toBe('host:h1 runs 5 migrations at once, limit 4: m1, m2, m3, m4, m5');
    found.forEach((e, i) => evolveStatus(status, { position: 200 + i, type: e.type, data: e.data }));
    fold([{ type: 'MigrationCompleted', data: { migrationId: 'm1', vmId: 'vm1' } }], w, 300);
    expect(decideInvariants(status, w, { full: false }).map((e) => [e.type, e.data.invariant])).toEqual([['InvariantRestored', 'migration-concurrency']]);
  });

  it('a power-on that eats the HA reserve with every host up is reported; one during a host failure is not', () => {
    // two hosts of 4 threads x ratio 4 = 16 vCPUs and 16 GiB each; 1 failure tolerated leaves 16 vCPUs, 16 GiB
    const ha: E = { type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c', cpuOvercommitRatio: 4, ha: { enabled: true, hostFailuresTolerated: 1 } } } };
    const start = (vmId: string, hostId: string, memoryMiB: number): E[] => [
      { type: 'VmCreationRequested', data: { vmId, spec: vmSpec(vmId, { memoryMiB }) } },
      { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId } },
      { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'stopped', to: 'starting' } },
      { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'starting', to: 'running' } },
    ];
    const fits = [ha, ...cluster.slice(1), ...start('a', 'h1', 8192), ...start('b', 'h2', 8192)];
    expect(breaches(fits)).toEqual([]);
    const over = breaches([...fits, ...start('c', 'h2', 1024)]);
    expect(over.map((e) => [e.data.invariant, e.data.subject])).toEqual([['ha-reserve-kept', 'c']]);
    expect(over[0]!.type === 'InvariantViolated' && over[0]!.data.evidence.detail).toMatch(/memory 17408 > 16384 MiB/);
    const duringFailure = breaches([...fits, { type: 'HostFailureDetected', data: { hostId: 'h1' } }, ...start('c', 'h2', 1024)]);
    expect(duringFailure).toEqual([]);
    // HA off: nothing is reserved
    expect(breaches([{ ...ha, data: { clusterId: 'c1', spec: { name: 'c' } } }, ...fits.slice(1), ...start('c', 'h2', 1024)])).toEqual([]);
  });
});

it('host-swap-within-space: swapped memory over the host swap space is a breach (M4)', () => {
  const small = [cluster[0]!, { type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: host('esx-1', { swap: { sizeMiB: 512 } }) } }];
  const swap = (swappedMiB: number): E => ({ type: 'MemorySwappedOut', data: { vmId: 'vm1', hostId: 'h1', swappedMiB, deltaMiB: swappedMiB } });
  expect(breaches([...small, ...running('vm1', 'h1'), swap(512)])).toEqual([]);
  const out = breaches([...small, ...running('vm1', 'h1'), swap(600)]);
  expect(out.map((e) => [e.data.invariant, e.data.subject])).toEqual([['host-swap-within-space', 'h1']]);
  expect(out[0]!.type === 'InvariantViolated' && out[0]!.data.evidence.detail).toBe('host h1 has 600 MiB swapped, swap space 512 MiB');
});

it('migration-target-available: a move that lands on a host that entered maintenance meanwhile is a breach, restored when the host leaves maintenance', () => {
  const w = fold([...cluster, ...running('vm1', 'h1'),
    { type: 'MigrationRequested', data: { migrationId: 'm1', vmId: 'vm1', kind: 'live', targetHostId: 'h2' } },
    { type: 'HostMaintenanceEntered', data: { hostId: 'h2' } },
    { type: 'MigrationCompleted', data: { migrationId: 'm1', vmId: 'vm1' } }]);
  const status = emptyStatus();
  const found = decideInvariants(status, w, { full: false });
  expect(found.map((e) => [e.data.invariant, e.data.subject])).toEqual([['migration-target-available', 'm1']]);
  expect(found[0]!.type === 'InvariantViolated' && found[0]!.data.evidence.detail).toBe('live migration m1 of VM vm1 landed on host h2, which is in maintenance');
  found.forEach((e, i) => evolveStatus(status, { position: 100 + i, type: e.type, data: e.data }));
  fold([{ type: 'HostMaintenanceExited', data: { hostId: 'h2' } }], w, 200);
  expect(decideInvariants(status, w, { full: false }).map((e) => [e.type, e.data.invariant])).toEqual([['InvariantRestored', 'migration-target-available']]);
});

it('vgpu-slices-within-gpu: an 8 GiB GPU offering grid-8q..grid-1q holds 4 grid-2q slices, not 5; one profile per GPU', () => {
  const gpuHost = { type: 'HostAdded', data: { hostId: 'h1', clusterId: 'c1', spec: host('esx-1', { pciDevices: [{ kind: 'gpu', model: 'T4', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] }] }) } };
  const slice = (vmId: string, profile: string): E => ({ type: 'IoDevicesAttached', data: { vmId, hostId: 'h1', devices: [{ deviceId: `${vmId}-gpu`, mode: 'vgpu', pciIndex: 0, vgpuProfile: profile }] } });
  const vms = [1, 2, 3, 4, 5].flatMap((i) => running(`vm${i}`, 'h1'));
  expect(breaches([cluster[0]!, gpuHost, ...vms, ...[1, 2, 3, 4].map((i) => slice(`vm${i}`, 'grid-2q'))])).toEqual([]);
  const five = breaches([cluster[0]!, gpuHost, ...vms, ...[1, 2, 3, 4, 5].map((i) => slice(`vm${i}`, 'grid-2q'))]);
  expect(five.map((e) => e.type === 'InvariantViolated' && [e.data.invariant, e.data.evidence.detail])).toEqual([['vgpu-slices-within-gpu', 'GPU h1/0 holds 5 grid-2q slices, room for 4']]);
  const mixed = breaches([cluster[0]!, gpuHost, ...vms, slice('vm1', 'grid-2q'), slice('vm2', 'grid-4q')]);
  expect(mixed.map((e) => e.data.invariant)).toEqual(['vgpu-slices-within-gpu']);
});

it('state-equals-replay: a verification that finds a service differing from its rebuild is a breach, until one finds it equal', async () => {
  const { decideReplayVerification } = await import('./index.js');
  const status = emptyStatus();
  const answer = (equal: boolean) => [
    { service: 'scheduler', position: 40, liveHash: 'aaaaaaaaaaaaaaaa', rebuiltHash: equal ? 'aaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbb', equal },
    { service: 'vrm', position: 40, liveHash: 'cc', rebuiltHash: 'cc', equal: true },
  ];
  const found = decideReplayVerification(status, answer(false));
  expect(found.map((e) => [e.type, e.data.invariant, e.data.subject])).toEqual([['InvariantViolated', 'state-equals-replay', 'scheduler']]);
  expect(found[0]!.type === 'InvariantViolated' && found[0]!.data.evidence.detail).toBe('scheduler at position 40: live state aaaaaaaaaaaa, rebuilt from the log bbbbbbbbbbbb');
  found.forEach((e, i) => evolveStatus(status, { position: 50 + i, type: e.type, data: e.data }));
  expect(decideReplayVerification(status, answer(false))).toEqual([]);
  // the world's checks never end a verification's breach
  expect(decideInvariants(status, fold(cluster), { full: true })).toEqual([]);
  expect(decideReplayVerification(status, answer(true)).map((e) => e.type)).toEqual(['InvariantRestored']);
});
