// Spec builders for tests and scenarios: zod-parsed, so defaults are those of the public contract.
import { ClusterSpec, HostSpec, RuleSpec, VmSpec, vmCreationRequestedData } from '@virtsim/contracts';
import type { InventoryEvent } from '@virtsim/contracts';
import { IMC_LEVELS } from './imc.js';
import { emptyInventory, evolveInventory } from './view.js';
import type { InventoryView } from './view.js';

export const clusterSpec = (over: Record<string, unknown> = {}): ClusterSpec => ClusterSpec.parse({ name: 'prod', ...over });

/** A 2 sockets x 8 cores x 2 threads Intel Skylake host with VT-x and EPT: 32 threads. */
export function hostSpec(name: string, over: Record<string, unknown> = {}, cpu: Record<string, unknown> = {}): HostSpec {
  return HostSpec.parse({
    name, memoryMiB: 262_144, numaNodes: 2,
    hypervisor: { type: 'type1', mode: 'hardware-assisted' },
    cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon Gold 6132',
      features: [...IMC_LEVELS.skylake!.features, 'vmx', 'ept'], ...cpu },
    ...over,
  });
}

export const vmSpec = (name: string, clusterId: string, over: Record<string, unknown> = {}): VmSpec =>
  VmSpec.parse({ name, clusterId, vcpus: 4, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'rhel', version: '8' }, ...over });

export const ruleSpec = (over: Record<string, unknown>): RuleSpec => RuleSpec.parse({ name: 'r', kind: 'vm-affinity', vms: [], ...over });

export const given = (events: InventoryEvent[]): InventoryView => events.reduce(evolveInventory, emptyInventory());

/** Events of a VM fully created on a host, stopped (as the creation saga leaves it). */
export function createdVm(vmId: string, spec: VmSpec, hostId: string, running = false): InventoryEvent[] {
  const base = { vmId, clusterId: spec.clusterId, hostId };
  const events: InventoryEvent[] = [
    { type: 'VmCreationRequested', data: vmCreationRequestedData(vmId, spec) },
    { type: 'VmCreated', data: base },
    { type: 'VmStateChanged', data: { ...base, from: 'creating', to: 'stopped', reason: 'created' } },
  ];
  if (running) {
    events.push(
      { type: 'VmStateChanged', data: { ...base, from: 'stopped', to: 'starting', reason: 'start' } },
      { type: 'VmStateChanged', data: { ...base, from: 'starting', to: 'running', reason: 'start' } },
    );
  }
  return events;
}

/** A cluster 'c1' with hosts h1..hN (hostSpec defaults). */
export function clusterWithHosts(n: number, cluster: Record<string, unknown> = {}): InventoryEvent[] {
  const events: InventoryEvent[] = [{ type: 'ClusterCreated', data: { clusterId: 'c1', spec: clusterSpec(cluster) } }];
  for (let i = 1; i <= n; i++) events.push({ type: 'HostAdded', data: { hostId: `h${i}`, clusterId: 'c1', spec: hostSpec(`host-${i}`) } });
  return events;
}
