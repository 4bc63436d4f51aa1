// What HA learns from inventory (vrm) and placement (scheduler) events: hosts, VMs, where they run, policies.
// HA's own failure view wins over lifecycle echoes: a VmStateChanged to 'failed' never changes HA state, and
// HostPoweredOff of a faulted host is ignored (a fault is not a planned power-off, HA.md 8).
import type { ClusterPatch, HostSpec, InventoryEvent, PlacementEvent, VmSpec, VmState } from '@virtsim/contracts';
import { mutHost, mutVm, putHost, putVm, removeVm, setAffinityGroup, type HaDraft } from './draft.js';
import type { HaHost, HaVm } from './state.js';

export function newHaHost(hostId: string, spec: HostSpec): HaHost {
  const datastores: Record<string, 'shared' | 'local'> = {};
  const list = spec.datastores ?? [{ name: 'shared-ds', kind: 'shared' as const }];
  for (const ds of list) datastores[ds.name] = ds.kind ?? 'shared';
  const cpu = spec.cpu;
  return {
    hostId, name: spec.name, status: 'up', maintenance: false, missingSince: null, fenced: false, fault: null,
    datastores, defaultDatastore: list[0]?.name ?? null,
    logicalCpus: cpu.sockets * cpu.coresPerSocket * (cpu.threadsPerCore ?? 1), memoryMiB: spec.memoryMiB, staleCopies: [],
  };
}

export function newHaVm(vmId: string, spec: VmSpec): HaVm {
  return {
    vmId, name: spec.name, hostId: null, status: 'stopped',
    haEnabled: spec.ha?.enabled ?? false, priority: spec.ha?.priority ?? 'medium', toolsInstalled: spec.toolsInstalled ?? false,
    disks: (spec.disks ?? []).map((disk) => disk.datastore ?? ''), vcpus: spec.vcpus, memoryMiB: spec.memoryMiB,
    cause: null, waitReason: null, fault: null, localRestarts: 0, restartsInPlaceAt: [], relocations: 0, triedHosts: [],
  };
}

function applyPolicy(d: HaDraft, spec: ClusterPatch): void {
  const s = d.state;
  if (spec.cpuOvercommitRatio !== undefined) s.cpuOvercommitRatio = spec.cpuOvercommitRatio;
  if (spec.memoryOvercommit !== undefined) s.memoryOvercommit = spec.memoryOvercommit;
  if (spec.memoryOvercommitRatio !== undefined) s.memoryOvercommitRatio = spec.memoryOvercommitRatio;
  const ha = spec.ha;
  if (!ha) return;
  s.policy = {
    ...s.policy,
    enabled: ha.enabled,
    hostFailuresTolerated: ha.hostFailuresTolerated ?? s.policy.hostFailuresTolerated,
    failureDetectionSeconds: ha.failureDetectionSeconds ?? s.policy.failureDetectionSeconds,
    isolationResponse: ha.isolationResponse ?? s.policy.isolationResponse,
    restartsInPlace: ha.restartsInPlace ?? s.policy.restartsInPlace,
    restartWindowSeconds: ha.restartWindowSeconds ?? s.policy.restartWindowSeconds,
  };
}

function applyVmState(d: HaDraft, vmId: string, hostId: string | null, to: VmState): void {
  if (to === 'deleted') return removeVm(d, vmId);
  if (to === 'failed' || to === 'stopping' || to === 'creating') return;
  const vm = mutVm(d, vmId);
  if (!vm) return;
  if (hostId) vm.hostId = hostId;
  if (to === 'stopped' || to === 'suspended') {
    Object.assign(vm, { status: 'stopped', cause: null, waitReason: null, fault: null });
    return;
  }
  // An operator power-on (from stopped or failed) gives the VM a fresh restart budget (HA.md 6).
  if (vm.status === 'stopped' || vm.status === 'failed') Object.assign(vm, { localRestarts: 0, restartsInPlaceAt: [], relocations: 0, triedHosts: [] });
  Object.assign(vm, { status: 'running', cause: null, waitReason: null });
}

const clusterOf = (e: InventoryEvent | PlacementEvent): string | null => {
  if (e.type === 'VmCreationRequested') return e.data.spec.clusterId;
  const data = e.data as { clusterId?: string };
  return data.clusterId ?? null;
};

export function applyInventory(d: HaDraft, e: InventoryEvent | PlacementEvent): void {
  const cid = clusterOf(e);
  if (d.state.clusterId !== null && cid !== null && cid !== d.state.clusterId) return;
  switch (e.type) {
    case 'ClusterCreated':
      d.state.clusterId = e.data.clusterId;
      return applyPolicy(d, e.data.spec);
    case 'ClusterPolicyChanged': return applyPolicy(d, e.data.patch);
    case 'HostAdded': return putHost(d, newHaHost(e.data.hostId, e.data.spec));
    case 'HostPoweredOn': {
      const h = d.state.hosts[e.data.hostId];
      if (h?.status === 'off') Object.assign(mutHost(d, h.hostId)!, { status: 'up', missingSince: null });
      return;
    }
    case 'HostPoweredOff': {
      const h = d.state.hosts[e.data.hostId];
      if (h && h.fault === null) Object.assign(mutHost(d, h.hostId)!, { status: 'off', missingSince: null });
      return;
    }
    case 'HostMaintenanceEntered':
    case 'HostMaintenanceExited': {
      const h = mutHost(d, e.data.hostId);
      if (h) h.maintenance = e.type === 'HostMaintenanceEntered';
      return;
    }
    case 'VmCreationRequested': return putVm(d, newHaVm(e.data.vmId, e.data.spec));
    case 'VmCreationFailed': return removeVm(d, e.data.vmId);
    case 'VmDeleted': return removeVm(d, e.data.vmId);
    case 'VmCreated':
    case 'VmPlaced': {
      const vm = mutVm(d, e.data.vmId);
      if (vm) vm.hostId = e.data.hostId;
      return;
    }
    case 'VmRelocated': {
      const vm = mutVm(d, e.data.vmId);
      if (vm) vm.hostId = e.data.toHostId;
      return;
    }
    case 'VmPlacementReleased': {
      // A waiting VM keeps its home host: it restarts there when that host returns (HA.md 3).
      const vm = d.state.vms[e.data.vmId];
      if (vm?.status === 'stopped' && vm.hostId === e.data.hostId) mutVm(d, vm.vmId)!.hostId = null;
      return;
    }
    case 'VmStateChanged': return applyVmState(d, e.data.vmId, e.data.hostId, e.data.to);
    case 'VmReconfigured': {
      const vm = mutVm(d, e.data.vmId);
      if (vm) Object.assign(vm, { vcpus: e.data.vcpus, memoryMiB: e.data.memoryMiB });
      return;
    }
    case 'RuleCreated':
      if (e.data.spec.kind === 'vm-affinity') setAffinityGroup(d, e.data.ruleId, [...e.data.spec.vms].sort());
      return;
    case 'RuleDeleted':
      if (d.state.affinityGroups[e.data.ruleId]) setAffinityGroup(d, e.data.ruleId, null);
      return;
    default:
      return;
  }
}
