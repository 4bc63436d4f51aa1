// Preconditions of every move, as pure checks that throw VirtsimError naming the VM, host and rule.
//
// API:
//   checkLiveMigration({vm, source, target, capacity}): void      F8 live move
//   checkColdMigration({vm, source, target, capacity}): void      C4 cold move (may cross clusters)
//   checkStorageMigration({vm, sourceDatastoreId, targetDatastoreId}): void
//   coldCopyMiB(disksGiB, configMiB?) / copySeconds(MiB, MiBps)    C4 copy size and time
//
// Rules: 'migration.vm-state', 'migration.cluster' (live moves stay in the cluster), 'migration.source', 'migration.same-host', 'migration.target-host',
// 'migration.passthrough', 'imc.features', 'migration.capacity' (unprocessable), 'migration.same-datastore'.
import { conflict, invalid, unprocessable } from '@virtsim/contracts';
import type { VmState, WorkloadProfile } from '@virtsim/contracts';
import { checkImcFeatures } from './imc.js';

export interface MigrationVmFacts {
  id: string;
  name: string;
  clusterId: string;
  state: VmState;
  hostId: string | null;
  memoryMiB: number;
  disksGiB: readonly number[];
  /** the features the VM was powered on with (vmCpuFeaturesAtPowerOn) */
  cpuFeatures: readonly string[];
  /** devices assigned by passthrough (VT-d GPU/NIC/disk): they tie the VM to its host (I4) */
  passthroughDevices: readonly string[];
  workload?: WorkloadProfile | null;
}

export interface MigrationHostFacts {
  id: string;
  name: string;
  clusterId: string;
  /** powered on and not failed */
  up: boolean;
  maintenance: boolean;
  migrationNetworkGbps: 1 | 10;
  vendor?: string;
  cpuFeatures: readonly string[];
}

/** The scheduler's answer for the target: room for the VM (CPU, memory, rules), or why not. */
export type TargetCapacity = { fits: true } | { fits: false; reason: string };

export interface MoveFacts { vm: MigrationVmFacts; source: MigrationHostFacts; target: MigrationHostFacts; capacity: TargetCapacity }

/** Config file, NVRAM and logs copied with a cold move: 1 MiB (a .vmx / libvirt XML is KiBs, NVRAM 128 KiB-1 MiB). */
export const CONFIG_FILES_MIB = 1;

export const coldCopyMiB = (disksGiB: readonly number[], configMiB = CONFIG_FILES_MIB): number =>
  disksGiB.reduce((sum, gib) => sum + gib * 1024, 0) + configMiB;

export function copySeconds(mib: number, bandwidthMiBps: number): number {
  if (!(bandwidthMiBps > 0) || !(mib >= 0)) throw invalid(`copy needs MiB >= 0 and bandwidth > 0 (got ${mib}, ${bandwidthMiBps})`);
  return mib / bandwidthMiBps;
}

export function checkLiveMigration({ vm, source, target, capacity }: MoveFacts): void {
  if (vm.state !== 'running') {
    throw conflict('migration.vm-state', `VM ${vm.name} (${vm.id}) is ${vm.state}: live migration needs a running VM (use a cold migration for a stopped one)`, { vmId: vm.id, state: vm.state });
  }
  if (vm.clusterId !== target.clusterId) {
    throw conflict('migration.cluster', `VM ${vm.name} (${vm.id}) cannot live-migrate to host ${target.name} of cluster ${target.clusterId}: only a cold move may leave cluster ${vm.clusterId}`, { vmId: vm.id, hostId: target.id });
  }
  checkEnds(vm, source, target);
  if (vm.passthroughDevices.length) {
    throw conflict('migration.passthrough', `VM ${vm.name} (${vm.id}) has passthrough devices (${vm.passthroughDevices.join(', ')}) that tie it to host ${source.name}: detach them or power the VM off`, { vmId: vm.id, devices: [...vm.passthroughDevices] });
  }
  checkImcFeatures(vm, target);
  checkCapacity(vm, target, capacity);
}

/** C4: a stopped VM moves whatever the hardware; a suspended one keeps its CPU state, so IMC still binds it. */
export function checkColdMigration({ vm, source, target, capacity }: MoveFacts): void {
  if (vm.state !== 'stopped' && vm.state !== 'suspended') {
    throw conflict('migration.vm-state', `VM ${vm.name} (${vm.id}) is ${vm.state}: cold migration needs a stopped or suspended VM (use a live migration for a running one)`, { vmId: vm.id, state: vm.state });
  }
  checkEnds(vm, source, target);
  if (vm.state === 'suspended') checkImcFeatures(vm, target);
  checkCapacity(vm, target, capacity);
}

export function checkStorageMigration({ vm, sourceDatastoreId, targetDatastoreId }: { vm: MigrationVmFacts; sourceDatastoreId: string; targetDatastoreId: string }): void {
  if (!['running', 'stopped', 'suspended'].includes(vm.state)) {
    throw conflict('migration.vm-state', `VM ${vm.name} (${vm.id}) is ${vm.state}: storage migration needs a running, stopped or suspended VM`, { vmId: vm.id, state: vm.state });
  }
  if (sourceDatastoreId === targetDatastoreId) {
    throw conflict('migration.same-datastore', `VM ${vm.name} (${vm.id}) is already on datastore ${targetDatastoreId}`, { vmId: vm.id, datastoreId: targetDatastoreId });
  }
}

function checkEnds(vm: MigrationVmFacts, source: MigrationHostFacts, target: MigrationHostFacts): void {
  if (vm.hostId !== source.id) {
    throw conflict('migration.source', `VM ${vm.name} (${vm.id}) is on host ${vm.hostId ?? 'none'}, not on source host ${source.name} (${source.id})`, { vmId: vm.id, hostId: source.id });
  }
  if (source.id === target.id) {
    throw conflict('migration.same-host', `VM ${vm.name} (${vm.id}) is already on host ${target.name} (${target.id})`, { vmId: vm.id, hostId: target.id });
  }
  if (!target.up || target.maintenance) {
    const why = !target.up ? 'is down' : 'is in maintenance mode';
    throw conflict('migration.target-host', `VM ${vm.name} (${vm.id}) cannot move to host ${target.name} (${target.id}): the host ${why}`, { vmId: vm.id, hostId: target.id });
  }
}

function checkCapacity(vm: MigrationVmFacts, target: MigrationHostFacts, capacity: TargetCapacity): void {
  if (capacity.fits) return;
  throw unprocessable('migration.capacity', `VM ${vm.name} (${vm.id}) does not fit on host ${target.name} (${target.id}): ${capacity.reason}`, { vmId: vm.id, hostId: target.id });
}
