// Test fixtures for the memory context (not a test file itself: jest runs *.unit.spec.ts only).
import { HostSpec, VmSpec, type GuestOs, type MemoryEvent, type WorkloadProfile, vmCreationRequestedData } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { memoryDecider, type MemoryCommand } from './decide.js';
import { evolveAll } from './evolve.js';
import { singleNode } from './numa.js';
import type { MemoryInputEvent, MemoryState } from './state.js';

export const clusterCreated = (clusterId = 'c1', memoryOvercommit = true, memoryOvercommitRatio = 1.5): MemoryInputEvent => ({
  type: 'ClusterCreated', data: { clusterId, spec: {
    name: clusterId, cpuOvercommitRatio: 4, memoryOvercommit, memoryOvercommitRatio, seed: 7,
  } },
});

export interface HostOpts { hugePagesMiB?: number; numaNodes?: number; mode?: 'hardware-assisted' | 'full' | 'paravirtual'; type?: 'type1' | 'type2'; features?: string[]; product?: 'kvm' | 'xen'; swapMiB?: number }
export function hostAdded(hostId: string, memoryMiB: number, o: HostOpts = {}, clusterId = 'c1'): MemoryInputEvent {
  const spec = HostSpec.parse({
    name: hostId, memoryMiB, numaNodes: o.numaNodes ?? 1, hugePagesMiB: o.hugePagesMiB ?? 0,
    cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: o.features ?? ['vmx', 'ept'] },
    hypervisor: { type: o.type ?? 'type1', mode: o.mode ?? 'hardware-assisted', product: o.product ?? 'kvm' },
    ...(o.swapMiB !== undefined ? { swap: { sizeMiB: o.swapMiB } } : {}),
  });
  return { type: 'HostAdded', data: { hostId, clusterId, spec } };
}

export interface VmOpts { memoryMiB?: number; vcpus?: number; guestOs?: GuestOs; toolsInstalled?: boolean; hugePages?: boolean; reservationMiB?: number; workload?: Partial<WorkloadProfile> }
export const linux = (version = '22.04', distro = 'ubuntu'): GuestOs => ({ family: 'linux', distro, version });
export const windows = (version = '2019'): GuestOs => ({ family: 'windows', version });

export function vmRequested(vmId: string, o: VmOpts = {}, clusterId = 'c1'): MemoryInputEvent {
  const spec = VmSpec.parse({
    name: vmId, clusterId, vcpus: o.vcpus ?? 1, memoryMiB: o.memoryMiB ?? 4096, guestOs: o.guestOs ?? linux(),
    toolsInstalled: o.toolsInstalled ?? false, hugePages: o.hugePages ?? false, memoryReservationMiB: o.reservationMiB ?? 0,
    ...(o.workload ? { workload: o.workload } : {}),
  });
  return { type: 'VmCreationRequested', data: vmCreationRequestedData(vmId, spec) };
}

export const vmState = (vmId: string, to: 'running' | 'stopped', hostId: string | null = null): MemoryInputEvent => ({
  type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: to === 'running' ? 'stopped' : 'running', to, reason: 'test' },
});

export const reserveCmd = (vmId: string, hostId: string, memoryMiB = 4096, o: { hugePages?: boolean; reservationMiB?: number; vcpus?: number } = {}): MemoryCommand => ({
  type: 'ReserveVmMemory', vmId, hostId, memoryMiB, reservationMiB: o.reservationMiB ?? 0, hugePages: o.hugePages ?? false,
  numa: singleNode(memoryMiB, o.vcpus ?? 1),
});

/** given / when / then over the memory decider (libs/testing/src/decider-spec.ts) */
export const mem = spec(memoryDecider);
export const given = (...events: MemoryInputEvent[]): MemoryState => mem.given(events).state;

/** Create, reserve and power on a VM in one go. */
export function withRunningVm(state: MemoryState, vmId: string, hostId: string, o: VmOpts = {}): MemoryState {
  let s = evolveAll(state, [vmRequested(vmId, o)]);
  s = mem.givenState(s).when(reserveCmd(vmId, hostId, o.memoryMiB ?? 4096, { hugePages: o.hugePages, reservationMiB: o.reservationMiB, vcpus: o.vcpus })).result().state;
  return evolveAll(s, [vmState(vmId, 'running', hostId)]);
}


/** the events of one type, narrowed */
export const ofType = <T extends MemoryEvent['type']>(events: MemoryEvent[], type: T) =>
  events.filter((e): e is Extract<MemoryEvent, { type: T }> => e.type === type);
