// The domain's facts (MigrationVmFacts / MigrationHostFacts) read from the projection: what the migration
// preconditions see of a VM and of a host. The VM lifecycle echo of migration decisions is in echo.ts.
import { conflict, notFound } from '@virtsim/contracts';
import type { migration } from '@virtsim/domain';
import { featuresAtPowerOn, isUp, type MigrationServiceState, type VmFacts } from './state.js';

export function hostFacts(s: MigrationServiceState, hostId: string): migration.MigrationHostFacts {
  const h = s.hosts[hostId];
  if (!h) throw notFound('host', hostId);
  return { id: hostId, name: h.name, clusterId: h.clusterId, up: isUp(h), maintenance: h.maintenance, migrationNetworkGbps: h.gbps, vendor: h.vendor, cpuFeatures: h.cpuFeatures, datastores: h.datastores };
}

export function requireVm(s: MigrationServiceState, vmId: string): VmFacts {
  const vm = s.vms[vmId];
  if (!vm) throw notFound('vm', vmId);
  return vm;
}

/** The VM as the preconditions see it; CPU features: those it was powered on with (or, if the log never showed
 *  its power-on, what it would have been given on its current host). */
export function vmFacts(s: MigrationServiceState, vmId: string, vm: VmFacts, passthroughDevices: readonly string[]): migration.MigrationVmFacts {
  const on = vm.state === 'running' || vm.state === 'suspended' || vm.state === 'migrating' || vm.state === 'starting';
  const cpuFeatures = vm.cpuFeatures ?? (on ? featuresAtPowerOn(s, vm.clusterId, vm.hostId) : []);
  return {
    id: vmId, name: vm.name, clusterId: vm.clusterId, state: vm.state, hostId: vm.hostId, memoryMiB: vm.memoryMiB, disksGiB: vm.disksGiB, diskDatastores: vm.diskDatastores,
    cpuFeatures, passthroughDevices: [...passthroughDevices], workload: vm.workload,
  };
}

export function sourceOf(s: MigrationServiceState, vmId: string, vm: VmFacts): migration.MigrationHostFacts {
  if (vm.hostId === null) {
    throw conflict('migration.source', `VM ${vm.name} (${vmId}) is not placed on any host: nothing to migrate`, { vmId });
  }
  return hostFacts(s, vm.hostId);
}
