// Preconditions of every move, as pure checks that throw VirtsimError naming the VM, host and rule.
//
// API:
//   checkLiveMigration({vm, source, target, capacity}): void      F8 live move
//   checkColdMigration({vm, source, target, capacity}): void      C4 cold move (may cross clusters)
//   checkStorageMigration({vm, sourceDatastoreId, targetDatastoreId}): void
//   coldCopyMiB(disksGiB, configMiB?) / copySeconds(MiB, MiBps)    C4 copy size and time
//   disksToCopyGiB(vm, source, target)                             C4: disks on storage both hosts share stay
//
// A move may leave the VM's cluster (C4): a stopped VM always, a running or suspended one when its power-on CPU
// features fit the target cluster's IMC baseline (checkLeavingCluster, rule 'imc.baseline').
// Rules: 'migration.vm-state', 'imc.baseline' (leaving the cluster), 'migration.source', 'migration.same-host', 'migration.target-host',
// 'migration.passthrough', 'imc.features', 'migration.capacity' (unprocessable), 'migration.same-datastore'.
import { conflict, invalid, unprocessable } from '@virtsim/contracts';
import type { VmState, WorkloadProfile } from '@virtsim/contracts';
import { checkImcFeatures, missingCpuFeatures } from './imc.js';

export interface MigrationVmFacts {
  id: string;
  name: string;
  clusterId: string;
  state: VmState;
  hostId: string | null;
  memoryMiB: number;
  disksGiB: readonly number[];
  /** datastore name of each disk (same order as disksGiB; null or absent: the host's first datastore) */
  diskDatastores?: readonly (string | null)[];
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
  /** the host's datastores in order (the first holds disks that name none); absent: one shared 'shared-ds' */
  datastores?: readonly { name: string; kind: 'shared' | 'local' }[];
}

/** The scheduler's answer for the target: room for the VM (CPU, memory, rules), or why not. */
export type TargetCapacity = { fits: true } | { fits: false; reason: string };

/** The target cluster of a move that leaves the VM's cluster (C4, F11): its name and IMC baseline features
 *  (null: no baseline, the target host's own CPU is the limit). */
export interface TargetClusterFacts { id: string; name: string; baselineFeatures: readonly string[] | null }

export interface MoveFacts { vm: MigrationVmFacts; source: MigrationHostFacts; target: MigrationHostFacts; capacity: TargetCapacity; targetCluster?: TargetClusterFacts }

/** Config file, NVRAM and logs copied with a cold move: 1 MiB (a .vmx / libvirt XML is KiBs, NVRAM 128 KiB-1 MiB). */
export const CONFIG_FILES_MIB = 1;

export const coldCopyMiB = (disksGiB: readonly number[], configMiB = CONFIG_FILES_MIB): number =>
  disksGiB.reduce((sum, gib) => sum + gib * 1024, 0) + configMiB;

const DEFAULT_DATASTORES = [{ name: 'shared-ds', kind: 'shared' as const }];

/** C4 on shared storage (audit simplification 8): a cold move copies only the disks the target host cannot
 *  already see. A disk on a shared datastore the target also mounts (same name, shared) stays where it is, only
 *  the configuration files move; a disk on a local datastore, or on a shared one the target lacks, is copied.
 *  Sizes in GiB of the disks to copy, in disk order. */
export function disksToCopyGiB(vm: Pick<MigrationVmFacts, 'disksGiB' | 'diskDatastores'>, source: Pick<MigrationHostFacts, 'datastores'>, target: Pick<MigrationHostFacts, 'datastores'>): number[] {
  const from = source.datastores?.length ? source.datastores : DEFAULT_DATASTORES;
  const to = target.datastores?.length ? target.datastores : DEFAULT_DATASTORES;
  const sharedOnTarget = new Set(to.filter((d) => d.kind === 'shared').map((d) => d.name));
  return vm.disksGiB.filter((_, i) => {
    const name = vm.diskDatastores?.[i] ?? from[0]!.name;
    const kind = from.find((d) => d.name === name)?.kind ?? 'local';
    return !(kind === 'shared' && sharedOnTarget.has(name));
  });
}

export function copySeconds(mib: number, bandwidthMiBps: number): number {
  if (!(bandwidthMiBps > 0) || !(mib >= 0)) throw invalid(`copy needs MiB >= 0 and bandwidth > 0 (got ${mib}, ${bandwidthMiBps})`);
  return mib / bandwidthMiBps;
}

export function checkLiveMigration({ vm, source, target, capacity, targetCluster }: MoveFacts): void {
  if (vm.state !== 'running') {
    throw conflict('migration.vm-state', `VM ${vm.name} (${vm.id}) is ${vm.state}: live migration needs a running VM (use a cold migration for a stopped one)`, { vmId: vm.id, state: vm.state });
  }
  checkEnds(vm, source, target);
  checkLeavingCluster(vm, target, targetCluster);
  if (vm.passthroughDevices.length) {
    throw conflict('migration.passthrough', `VM ${vm.name} (${vm.id}) has passthrough devices (${vm.passthroughDevices.join(', ')}) that tie it to host ${source.name}: detach them or power the VM off`, { vmId: vm.id, devices: [...vm.passthroughDevices] });
  }
  checkImcFeatures(vm, target);
  checkCapacity(vm, target, capacity);
}

/** C4: a stopped VM moves whatever the hardware; a suspended one keeps its CPU state, so IMC still binds it. */
export function checkColdMigration({ vm, source, target, capacity, targetCluster }: MoveFacts): void {
  if (vm.state !== 'stopped' && vm.state !== 'suspended') {
    throw conflict('migration.vm-state', `VM ${vm.name} (${vm.id}) is ${vm.state}: cold migration needs a stopped or suspended VM (use a live migration for a running one)`, { vmId: vm.id, state: vm.state });
  }
  checkEnds(vm, source, target);
  if (vm.state === 'suspended') {
    checkLeavingCluster(vm, target, targetCluster);
    checkImcFeatures(vm, target);
  }
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

/** F11 and C4 (seed L438): a running or suspended VM may leave its cluster only if the features it was powered on
 *  with stay within the target cluster's IMC baseline (it keeps them: the guest cannot lose a CPU feature while it
 *  runs). A stopped VM is not bound (checkColdMigration does not call this for it). Refusal 'imc.baseline' names
 *  the features and the fix. */
export function checkLeavingCluster(vm: MigrationVmFacts, target: MigrationHostFacts, cluster: TargetClusterFacts | undefined): void {
  if (vm.clusterId === target.clusterId) return;
  if (!cluster || cluster.id !== target.clusterId) {
    throw invalid(`the move of VM ${vm.name} (${vm.id}) to host ${target.name} needs the facts of its cluster ${target.clusterId}`);
  }
  if (cluster.baselineFeatures === null) return;
  const beyond = missingCpuFeatures(vm.cpuFeatures, cluster.baselineFeatures);
  if (!beyond.length) return;
  throw conflict('imc.baseline', `VM ${vm.name} (${vm.id}) is ${vm.state} with CPU features beyond the IMC baseline of cluster ${cluster.name} (${cluster.id}): ${beyond.join(', ')}; power it off and move it cold, or choose a cluster whose baseline has them`, {
    vmId: vm.id, clusterId: cluster.id, beyond,
  });
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
