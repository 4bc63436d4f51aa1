// Test fixtures for the placement context (not a test file: jest runs *.unit.spec.ts only; the build skips *.spec.ts).
import { vmCreationRequestedData } from '@virtsim/contracts';
import type { ClusterSpec, HostSpec, InventoryEvent, NumaPlacement, PlacementEvent, RuleSpec, VmSpec } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { placementDecider } from './decider.js';
import type { PlacementInput } from './evolve.js';
import type { PlacementState } from './model.js';

export const CLUSTER = 'c1';

export function clusterSpec(over: Partial<ClusterSpec> = {}): ClusterSpec {
  return { name: 'prod', cpuOvercommitRatio: 4, memoryOvercommit: false, memoryOvercommitRatio: 1.5, seed: 1, ...over };
}

/** 2 sockets x 8 cores x 2 threads = 32 threads at 2,600 MHz = 83,200 MHz; 256 GiB; 2 NUMA nodes. */
export function hostSpec(name: string, over: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', arch: 'x86', features: ['vmx', 'ept', 'sse4_2', 'avx2'] },
    memoryMiB: 262144, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
    hugePagesMiB: 0, pciDevices: [], datastores: [{ name: 'shared-ds', kind: 'shared', capacityGiB: 10240 }], migrationNetworkGbps: 10,
    ...over,
  };
}

export function vmSpec(name: string, over: Partial<VmSpec> = {}): VmSpec {
  return {
    name, clusterId: CLUSTER, vcpus: 2, memoryMiB: 4096, guestOs: { family: 'linux', version: '22.04' }, toolsInstalled: true,
    disks: [], floppies: [], nics: [], gpus: [], hugePages: false, cpuShares: 1000, cpuReservationMhz: 0, memoryReservationMiB: 0, powerOn: false,
    ...over,
  };
}

export const clusterCreated = (over: Partial<ClusterSpec> = {}, clusterId = CLUSTER): InventoryEvent =>
  ({ type: 'ClusterCreated', data: { clusterId, spec: clusterSpec(over) } });
export const hostAdded = (hostId: string, over: Partial<HostSpec> = {}, clusterId = CLUSTER): InventoryEvent =>
  ({ type: 'HostAdded', data: { hostId, clusterId, spec: hostSpec(hostId, over) } });
export const vmRequested = (vmId: string, over: Partial<VmSpec> = {}): InventoryEvent =>
  ({ type: 'VmCreationRequested', data: vmCreationRequestedData(vmId, vmSpec(vmId, over)) });
export const vmRunning = (vmId: string, hostId: string | null = null): InventoryEvent =>
  ({ type: 'VmStateChanged', data: { vmId, clusterId: CLUSTER, hostId, from: 'stopped', to: 'running', reason: 'test' } });
export const ruleCreated = (ruleId: string, spec: Omit<RuleSpec, 'name'> & { name?: string }): InventoryEvent =>
  ({ type: 'RuleCreated', data: { ruleId, clusterId: CLUSTER, spec: { name: ruleId, ...spec } } });

export const oneNode = (vcpus: number, memoryMiB: number, node = 0): NumaPlacement => ({ nodes: [node], vcpusPerNode: [vcpus], memoryMiBPerNode: [memoryMiB] });

export const vmPlaced = (vmId: string, hostId: string, vcpus = 2, memoryMiB = 4096, brokenShouldRules: string[] = []): PlacementEvent =>
  ({ type: 'VmPlaced', data: { vmId, clusterId: CLUSTER, hostId, numa: oneNode(vcpus, memoryMiB), brokenShouldRules, reason: 'test' } });

/** Request + placement + running in one go. */
export const runningVm = (vmId: string, hostId: string, over: Partial<VmSpec> = {}): PlacementInput[] => {
  const spec = vmSpec(vmId, over);
  return [vmRequested(vmId, over), vmPlaced(vmId, hostId, spec.vcpus, spec.memoryMiB), vmRunning(vmId, hostId)];
};

/** given / when / then over the placement decider (libs/testing/src/decider-spec.ts) */
export const placements = spec(placementDecider);
export const given = (...events: (PlacementInput | PlacementInput[])[]): PlacementState => placements.given(events.flat()).state;
