// Placement (P1, P4, F6, F11-F13). A refusal is checked through the decider (given the state, when PlaceVm, then
// the VirtsimError), the one helper every context uses. An accepted placement is read from placeVm itself: the
// scheduler's select-host / select-hosts answer that decision (host, NUMA, GPUs, load after) with no event, so
// the pure function, not only the VmPlaced the decider wraps it in, is the rule under test.
import { IMC_LEVELS } from '../migration/imc.js';
import { VirtsimError } from '@virtsim/contracts';
import { evolvePlacement } from './evolve.js';
import { clusterCreated, given, hostAdded, hostSpec, placements, ruleCreated, runningVm, vmPlaced, vmRequested, vmSpec } from './fixtures.spec.js';
import type { PlacementState } from './model.js';
import { placeVm, type PlaceVmRequest } from './place.js';
import { vgpuSlicesPerGpu } from './devices.js';

/** a PlaceVm the placement decider refuses: given the state, when PlaceVm, then this VirtsimError (returned) */
const refusedPlacing = (state: PlacementState, request: PlaceVmRequest, code: VirtsimError['code'] = 'unprocessable'): VirtsimError =>
  placements.givenState(state).when({ type: 'PlaceVm', ...request }).thenThrows(code);

const sixteenVcpuVms = (hostId: string, count: number) =>
  Array.from({ length: count }, (_, i) => runningVm(`${hostId}-vm${i}`, hostId, { vcpus: 16, memoryMiB: 2048 })).flat();

describe('placeVm capacity filters (P1, M3, M4)', () => {
  it('host 2x8x2 = 32 threads, ratio 4 -> 128 vCPUs; the 129th vCPU is rejected by cpu-capacity (422)', () => {
    const state = given(clusterCreated({ cpuOvercommitRatio: 4 }), hostAdded('h1'), sixteenVcpuVms('h1', 8));
    expect(state.hosts.h1!.alloc.vcpus).toBe(128);
    const err = refusedPlacing(state, { vmId: 'v129', spec: vmSpec('v129', { vcpus: 1 }) });
    expect(err.code).toBe('unprocessable');
    expect(err.details.rule).toBe('placement.noHost');
    expect(err.details.filters).toEqual([{ filter: 'cpu-capacity', rejected: 1 }]);
    expect(err.message).toContain('v129');
  });

  it('127 vCPUs allocated of 128: a 1-vCPU VM still fits', () => {
    const state = given(clusterCreated(), hostAdded('h1'), sixteenVcpuVms('h1', 7), runningVm('v15', 'h1', { vcpus: 15 }));
    expect(placeVm(state, { vmId: 'v1', spec: vmSpec('v1', { vcpus: 1 }) }).hostId).toBe('h1');
  });

  it('a 33-vCPU VM never fits a 32-thread host, whatever the ratio: rejected by vcpus', () => {
    const state = given(clusterCreated({ cpuOvercommitRatio: 32 }), hostAdded('h1'));
    expect(refusedPlacing(state, { vmId: 'big', spec: vmSpec('big', { vcpus: 33 }) }).details.filters).toEqual([{ filter: 'vcpus', rejected: 1 }]);
  });

  it('CPU reservations are never overcommitted: 83,200 MHz kvm host less 2 % = 81,536 MHz, 80,000 reserved, 1,537 more rejected, 1,536 fits', () => {
    const state = given(clusterCreated(), hostAdded('h1'), runningVm('r1', 'h1', { cpuReservationMhz: 80_000 }));
    expect(refusedPlacing(state, { vmId: 'x', spec: vmSpec('x', { cpuReservationMhz: 1537 }) }).details.filters)
      .toEqual([{ filter: 'cpu-capacity', rejected: 1 }]);
    expect(placeVm(state, { vmId: 'y', spec: vmSpec('y', { cpuReservationMhz: 1536 }) }).hostId).toBe('h1');
  });

  it('no overcommit: 256 GiB kvm host keeps 512 MiB + 2% = 5,755 MiB (memory-manager\'s reserve) and a VM\'s overhead (18.4 + 4 per extra vCPU + 0.74 %) -> 254,483 + 1,906 MiB fits, 254,484 MiB is rejected by memory', () => {
    const state = given(clusterCreated(), hostAdded('h1', { numaNodes: 1 }));
    expect(state.hosts.h1!.usableMemoryMiB).toBe(256_389);
    expect(placeVm(state, { vmId: 'a', spec: vmSpec('a', { memoryMiB: 254_483 }) }).hostId).toBe('h1');
    expect(refusedPlacing(state, { vmId: 'b', spec: vmSpec('b', { memoryMiB: 254_484 }) }).details.filters)
      .toEqual([{ filter: 'memory', rejected: 1 }]);
  });

  it('the overheads of the VMs already there count too (as memory-manager charges them): the last MiB a VM could take without them is refused', () => {
    const state = given(clusterCreated(), hostAdded('h1', { numaNodes: 1 }), runningVm('a', 'h1', { memoryMiB: 100_000 }));
    expect(state.hosts.h1!.alloc.overheadMiB).toBe(763); // ceil(18.4 + 4 + 740)
    const roomWithoutOverheads = 256_389 - 100_000;
    expect(refusedPlacing(state, { vmId: 'b', spec: vmSpec('b', { memoryMiB: roomWithoutOverheads }) }).details.filters)
      .toEqual([{ filter: 'memory', rejected: 1 }]);
    expect(placeVm(state, { vmId: 'c', spec: vmSpec('c', { memoryMiB: 154_460 }) }).hostId).toBe('h1');
    expect(refusedPlacing(state, { vmId: 'd', spec: vmSpec('d', { memoryMiB: 154_461 }) }).details.filters)
      .toEqual([{ filter: 'memory', rejected: 1 }]);
  });

  it('overcommit 1.5: 200 GiB placed + 150 GiB = 358,400 MiB <= 1.5 x 256,389 fits; a 200 GiB reservation on top does not', () => {
    const state = given(clusterCreated({ memoryOvercommit: true, memoryOvercommitRatio: 1.5 }), hostAdded('h1', { numaNodes: 1 }),
      runningVm('a', 'h1', { memoryMiB: 204_800, memoryReservationMiB: 102_400 }));
    expect(placeVm(state, { vmId: 'b', spec: vmSpec('b', { memoryMiB: 153_600 }) }).hostId).toBe('h1');
    expect(refusedPlacing(state, { vmId: 'c', spec: vmSpec('c', { memoryMiB: 153_600, memoryReservationMiB: 204_800 }) }).details.filters)
      .toEqual([{ filter: 'memory', rejected: 1 }]);
  });

  it('huge pages: a VM asking for them skips hosts without a pool; an 8,192 MiB pool takes one 8 GiB VM, not a second', () => {
    const state = given(clusterCreated(), hostAdded('plain'), hostAdded('huge', { hugePagesMiB: 8192 }));
    const d = placeVm(state, { vmId: 'hp', spec: vmSpec('hp', { hugePages: true, memoryMiB: 8192 }) });
    expect(d.hostId).toBe('huge');
    evolvePlacement(state, vmRequested('hp', { hugePages: true, memoryMiB: 8192 }));
    evolvePlacement(state, vmPlaced('hp', 'huge', 2, 8192));
    expect(state.hosts.huge!.alloc.hugePagesMiB).toBe(8192);
    expect(refusedPlacing(state, { vmId: 'hp2', spec: vmSpec('hp2', { hugePages: true, memoryMiB: 2 * 1024 }) }).details.filters)
      .toEqual([{ filter: 'huge-pages', rejected: 2 }]);
  });

  it('each host is counted once, under its first rejecting filter, in pipeline order', () => {
    const state = given(
      clusterCreated({ imcBaseline: { features: ['avx2'] } }),
      hostAdded('a-standby'), { type: 'HostPoweredOff', data: { hostId: 'a-standby', clusterId: 'c1', reason: 'dpm', standby: true } },
      hostAdded('b-maint'), { type: 'HostMaintenanceEntered', data: { hostId: 'b-maint', clusterId: 'c1' } },
      hostAdded('c-small', { cpu: { sockets: 1, coresPerSocket: 2, threadsPerCore: 1, mhz: 2600, vendor: 'intel', model: 'x', arch: 'x86', features: ['avx2'] } }),
      hostAdded('d-old', { cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'x', arch: 'x86', features: ['sse4_2'] } }),
      hostAdded('e-nods', { datastores: [{ name: 'other', kind: 'shared', capacityGiB: 10 }] }),
    );
    const err = refusedPlacing(state, { vmId: 'v', spec: vmSpec('v', { vcpus: 4, disks: [{ sizeGiB: 10, bus: 'virtio', datastore: 'shared-ds' }] }) });
    expect(err.details).toMatchObject({ hosts: 5, filters: [
      { filter: 'power', rejected: 1 }, { filter: 'maintenance', rejected: 1 }, { filter: 'vcpus', rejected: 1 },
      { filter: 'imc', rejected: 1 }, { filter: 'datastores', rejected: 1 },
    ] });
  });

  it('an IMC baseline given as a named level is checked with the one IMC table (haswell needs avx2, fma, smep, erms, ...; sse3 is pni)', () => {
    const cpu = (features: string[]) => ({ cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel' as const, model: 'x', arch: 'x86' as const, features } });
    // Spelled as Intel's manual spells it (sse3), not as /proc/cpuinfo (pni): the same host.
    const haswell = IMC_LEVELS.haswell!.features.map((f) => (f === 'pni' ? 'sse3' : f));
    const noSmep = haswell.filter((f) => f !== 'smep');
    const nehalem = IMC_LEVELS.nehalem!.features;
    const state = given(clusterCreated({ imcBaseline: { level: 'haswell' } }), hostAdded('a-old', cpu(nehalem)), hostAdded('b-new', cpu(haswell)), hostAdded('c-nosmep', cpu(noSmep)));
    expect(placeVm(state, { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('b-new');
    expect(refusedPlacing(state, { vmId: 'v', spec: vmSpec('v'), excludeHosts: ['b-new'] }).details.filters)
      .toEqual([{ filter: 'excluded', rejected: 1 }, { filter: 'imc', rejected: 2 }]);
  });

  it('unknown cluster -> not-found', () => {
    expect(refusedPlacing(given(), { vmId: 'v', spec: vmSpec('v') }, 'not-found').code).toBe('not-found');
  });
});

describe('placeVm weighers and tie-break (HA.md 9)', () => {
  const loaded = () => given(clusterCreated(), hostAdded('h-a'), hostAdded('h-b'), hostAdded('h-c'),
    runningVm('x1', 'h-a', { vcpus: 8 }), runningVm('x2', 'h-b', { vcpus: 16 }));

  it('balance: least loaded after placement wins (h-c: 2/128 vCPUs) ', () => {
    expect(placeVm(loaded(), { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('h-c');
  });

  it('pack: most loaded host that fits wins (h-b: 18/128 vCPUs)', () => {
    expect(placeVm(loaded(), { vmId: 'v', spec: vmSpec('v'), weigher: 'pack' }).hostId).toBe('h-b');
  });

  it('three empty hosts: ties go to the first host name', () => {
    const state = given(clusterCreated(), hostAdded('zz'), hostAdded('aa'), hostAdded('mm'));
    expect(placeVm(state, { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('aa');
  });

  it('preferHost wins when it passes every filter', () => {
    expect(placeVm(loaded(), { vmId: 'v', spec: vmSpec('v'), preferHost: 'h-b' }).hostId).toBe('h-b');
  });

  it('excludeHosts are counted under the excluded filter', () => {
    const state = given(clusterCreated(), hostAdded('h1'));
    expect(refusedPlacing(state, { vmId: 'v', spec: vmSpec('v'), excludeHosts: ['h1'] }).details.filters).toEqual([{ filter: 'excluded', rejected: 1 }]);
  });
});

describe('placeVm rule groups (F12)', () => {
  const three = () => [clusterCreated(), hostAdded('h1'), hostAdded('h2'), hostAdded('h3')];

  it('affinity: the VM joins its group on h3 although h1 is emptier', () => {
    const state = given(three(), runningVm('web1', 'h3'), ruleCreated('aff', { kind: 'vm-affinity', vms: ['web1', 'web2'] }), vmRequested('web2'));
    expect(placeVm(state, { vmId: 'web2', spec: vmSpec('web2') }).hostId).toBe('h3');
  });

  it('anti-affinity: members on h1 and h2 leave only h3', () => {
    const state = given(three(), runningVm('db1', 'h1'), runningVm('db2', 'h2'), ruleCreated('anti', { kind: 'vm-anti-affinity', vms: ['db1', 'db2', 'db3'] }));
    expect(placeVm(state, { vmId: 'db3', spec: vmSpec('db3') }).hostId).toBe('h3');
  });

  it('anti-affinity counts a migrating member\'s source host as taken until the move ends (HA.md 5)', () => {
    const state = given(three(), runningVm('db1', 'h1'), ruleCreated('anti', { kind: 'vm-anti-affinity', vms: ['db1', 'db2'] }));
    evolvePlacement(state, { type: 'VmRelocated', data: { vmId: 'db1', clusterId: 'c1', fromHostId: 'h1', toHostId: 'h2', numa: { nodes: [0], vcpusPerNode: [2], memoryMiBPerNode: [4096] }, reason: 'live-migration' } });
    const migrations = [{ vmId: 'db1', sourceHostId: 'h1', targetHostId: 'h2' }];
    expect(placeVm(state, { vmId: 'db2', spec: vmSpec('db2'), migrations }).hostId).toBe('h3');
    const err = refusedPlacing(state, { vmId: 'db2', spec: vmSpec('db2'), migrations, excludeHosts: ['h3'] });
    expect(err.details.filters).toEqual([{ filter: 'excluded', rejected: 1 }, { filter: 'rules', rejected: 2 }]);
  });

  it('vm-host-must keeps the VM on h2; vm-host-must-not removes h1 and h2', () => {
    const must = given(three(), ruleCreated('must', { kind: 'vm-host-must', vms: ['v'], hosts: ['h2'] }));
    expect(placeVm(must, { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('h2');
    const mustNot = given(three(), ruleCreated('not', { kind: 'vm-host-must-not', vms: ['v'], hosts: ['h1', 'h2'] }));
    expect(placeVm(mustNot, { vmId: 'v', spec: vmSpec('v') }).hostId).toBe('h3');
  });

  it('vm-host-should prefers h3 even when loaded, and is broken only when h3 cannot take the VM', () => {
    const state = given(three(), runningVm('busy', 'h3', { vcpus: 32 }), ruleCreated('should', { kind: 'vm-host-should', vms: ['v'], hosts: ['h3'] }));
    const kept = placeVm(state, { vmId: 'v', spec: vmSpec('v') });
    expect(kept).toMatchObject({ hostId: 'h3', brokenShouldRules: [] });
    evolvePlacement(state, { type: 'HostMaintenanceEntered', data: { hostId: 'h3', clusterId: 'c1' } });
    expect(placeVm(state, { vmId: 'v', spec: vmSpec('v') })).toMatchObject({ hostId: 'h1', brokenShouldRules: ['should'] });
  });
});

describe('placeVm devices (I4, I6, F3)', () => {
  const gpuHost = () => hostAdded('g1', { cpu: { ...hostSpec('g1').cpu, features: [...hostSpec('g1').cpu.features, 'vt-d'] }, pciDevices: [{ kind: 'gpu', model: 'T4', vgpuProfiles: ['grid-4q'] }, { kind: 'nic', model: 'x710' }] });

  it('grid-4q on an 8 GiB GPU (grid-1q..grid-8q) = 8 / 4 = 2 slices, as io-backend counts: the third VM is rejected by devices', () => {
    const state = given(clusterCreated(), hostAdded('g1', { pciDevices: [{ kind: 'gpu', model: 'M60', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] }] }));
    for (let i = 1; i <= 2; i++) {
      const d = placeVm(state, { vmId: `v${i}`, spec: vmSpec(`v${i}`, { gpus: [{ mode: 'vgpu', profile: 'grid-4q' }] }) });
      expect(d.hostId).toBe('g1');
      evolvePlacement(state, vmRequested(`v${i}`, { gpus: [{ mode: 'vgpu', profile: 'grid-4q' }] }));
      evolvePlacement(state, vmPlaced(`v${i}`, 'g1'));
    }
    expect(state.hosts.g1!.alloc.gpus).toEqual([{ pciIndex: 0, owner: null, profile: 'grid-4q', vms: ['v1', 'v2'] }]);
    expect(refusedPlacing(state, { vmId: 'v3', spec: vmSpec('v3', { gpus: [{ mode: 'vgpu', profile: 'grid-4q' }] }) }).details.filters)
      .toEqual([{ filter: 'devices', rejected: 1 }]);
  });

  it('one host memory reserve: placement keeps what memory-manager keeps (128 GiB kvm 3,134 MiB, xen 4,158, type 2 15,156)', async () => {
    const { hypervisorMiB } = await import('../memory/overhead.js');
    const host = (hypervisor: object) => given(clusterCreated(), hostAdded('h', { memoryMiB: 131_072, hypervisor } as never)).hosts.h!;
    for (const hv of [{ type: 'type1', product: 'kvm', mode: 'hardware-assisted' }, { type: 'type1', product: 'xen', mode: 'paravirtual' }, { type: 'type2', mode: 'hardware-assisted' }]) {
      const h = host(hv);
      expect(131_072 - h.usableMemoryMiB).toBe(hypervisorMiB(h.spec));
    }
    expect(131_072 - host({ type: 'type1', product: 'kvm', mode: 'hardware-assisted' }).usableMemoryMiB).toBe(3_134);
  });

  it('one slice rule: placement reads io-backend\'s vgpuSlicesPerGpu (grid-1q..8q -> 8, 4, 2, 1; a lone profile is the whole GPU)', async () => {
    const io = await import('../io/host-pci.js');
    expect(vgpuSlicesPerGpu).toBe(io.vgpuSlicesPerGpu);
    const profiles = ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'];
    expect(profiles.map((p) => vgpuSlicesPerGpu(p, profiles))).toEqual([8, 4, 2, 1]);
    expect(vgpuSlicesPerGpu('grid-4q', ['grid-4q'])).toBe(1);
  });

  it('a vGPU request without a profile takes the smallest profile (most slices), as io-backend does', () => {
    const state = given(clusterCreated(), hostAdded('g1', { pciDevices: [{ kind: 'gpu', model: 'M60', vgpuProfiles: ['grid-8q', 'grid-2q'] }] }));
    expect(placeVm(state, { vmId: 'v', spec: vmSpec('v', { gpus: [{ mode: 'vgpu' }] }) }).gpus).toEqual([{ pciIndex: 0, mode: 'vgpu', profile: 'grid-2q' }]);
  });

  it('passthrough needs a GPU with no vGPU slices: one vGPU VM blocks it; releasing it frees the GPU', () => {
    const state = given(clusterCreated(), gpuHost(), vmRequested('vg', { gpus: [{ mode: 'vgpu', profile: 'grid-4q' }] }), vmPlaced('vg', 'g1'));
    const pt = vmSpec('pt', { gpus: [{ mode: 'passthrough' }] });
    expect(refusedPlacing(state, { vmId: 'pt', spec: pt }).details.filters).toEqual([{ filter: 'devices', rejected: 1 }]);
    evolvePlacement(state, { type: 'VmPlacementReleased', data: { vmId: 'vg', clusterId: 'c1', hostId: 'g1', reason: 'deleted' } });
    expect(placeVm(state, { vmId: 'pt', spec: pt }).gpus).toEqual([{ pciIndex: 0, mode: 'passthrough', profile: null }]);
  });
});

describe('placement decider (given events / when PlaceVm / then VmPlaced)', () => {
  it('PlaceVm -> VmPlaced on the emptier host; evolving it adds 4 vCPUs and 8,192 MiB to that host', () => {
    const after = placements.given([clusterCreated(), hostAdded('h1'), hostAdded('h2'), ...runningVm('old', 'h1'), vmRequested('new', { vcpus: 4, memoryMiB: 8192 })])
      .when({ type: 'PlaceVm', vmId: 'new', spec: vmSpec('new', { vcpus: 4, memoryMiB: 8192 }) })
      .then([{ type: 'VmPlaced', data: { vmId: 'new', clusterId: 'c1', hostId: 'h2', numa: { nodes: [0], vcpusPerNode: [4], memoryMiBPerNode: [8192] }, brokenShouldRules: [], reason: 'initial placement' } }]);
    expect(after.hosts.h2!.alloc).toMatchObject({ vmCount: 1, vcpus: 4, memoryMiB: 8192, numaVcpus: [4, 0], numaMemoryMiB: [8192, 0] });
  });

  it('ReleaseVm of an unplaced VM -> conflict placement.notPlaced', () => {
    const error = placements.given([clusterCreated(), hostAdded('h1'), vmRequested('v')]).when({ type: 'ReleaseVm', vmId: 'v', reason: 'x' })
      .thenThrows('conflict', { rule: 'placement.notPlaced' });
    expect(error.message).toMatch(/not placed/);
  });

  it('VmRelocated h1 -> h2 moves 2 vCPUs of accounting; VmDeleted returns them', () => {
    const state = given(clusterCreated(), hostAdded('h1'), hostAdded('h2'), runningVm('v', 'h1'));
    evolvePlacement(state, { type: 'VmRelocated', data: { vmId: 'v', clusterId: 'c1', fromHostId: 'h1', toHostId: 'h2', numa: { nodes: [1], vcpusPerNode: [2], memoryMiBPerNode: [4096] }, reason: 'ha-restart' } });
    expect([state.hosts.h1!.alloc.vcpus, state.hosts.h2!.alloc.vcpus, state.hosts.h2!.alloc.numaVcpus]).toEqual([0, 2, [0, 2]]);
    evolvePlacement(state, { type: 'VmDeleted', data: { vmId: 'v', clusterId: 'c1', hostId: 'h2' } });
    expect(state.hosts.h2!.alloc).toMatchObject({ vmCount: 0, vcpus: 0, memoryMiB: 0, numaVcpus: [0, 0] });
    expect(state.vms.v).toBeUndefined();
  });
});
