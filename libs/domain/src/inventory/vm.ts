// VM decider (C7, P1, F2, F4, F11): request creation, power actions, migration bracket, failure / recovery,
// online reconfiguration, deletion.
//
// API: vmDecider: Decider<InventoryView, VmCommand, InventoryEvent>
//   RequestVmCreation {vmId, spec, bios?, saved?} -> VmCreationRequested (state creating; starts the creation saga,
//                                            saga.ts); bios defaults to defaultVmBios; an import (vm-file.ts) brings
//                                            its own (one VM per uuid) and, suspended, its saved state
//   PowerVm {vmId, action, reason?}       -> VmStateChanged per hop (start: stopped->starting->running), plus
//                                            VmReconfigured when pending vCPUs apply (the VM passes through off)
//   BeginVmMigration {vmId} / EndVmMigration {vmId}  -> VmStateChanged to / back from 'migrating'
//                                            (the host change itself is VmRelocated, from the migration service)
//   FailVm {vmId, reason}                 -> VmStateChanged to failed (crash, host failure)
//   RecoverVm {vmId, powerOn?}            -> failed -> stopped, or failed -> starting -> running
//   ReconfigureVm {vmId, vcpus?, memoryMiB?} -> VmReconfigured | [] (vm-reconfigure.ts, F4)
//   AddVmDisk / RemoveVmDisk / AddVmNic / RemoveVmNic -> VmDevicesChanged (vm-devices.ts: hot-plug rules)
//   DeleteVm {vmId}                       -> VmDeleted (only stopped or failed)
// validateVmCreation(view, vmId, spec) is the check RequestVmCreation runs; the saga's validate step reruns it.
// Refusals: vm.exists, vm.name, cluster.maxVms (8,000), cluster.noHosts, vm.vcpusExceedHost (unprocessable),
// vm.state (impossible transition, names from/to), host.down / host.maintenance (start on a host that cannot run it).
import { conflict, defaultVmBios, unprocessable } from '@virtsim/contracts';
import { guestOsSupport } from './guest-os.js';
import type { InventoryEvent, VmBios, VmSavedState, VmSpec } from '@virtsim/contracts';
import { assertBiosUuidFree, assertRestorable, assertResumable } from './vm-file.js';
import type { Decider } from '../shared/decider.js';
import { CLUSTER_LIMITS, hostCondition, isHostDown, requireCluster, requireVm } from './lookup.js';
import { reconfigureVm } from './vm-reconfigure.js';
import { changeVmDevices, type VmDeviceCommand } from './vm-devices.js';
import type { ReconfigureVmCommand } from './vm-reconfigure.js';
import { POWER_PATHS, transitionEvents } from './vm-lifecycle.js';
import type { PowerAction } from './vm-lifecycle.js';
import { emptyInventory, evolveInventory } from './view.js';
import type { InventoryView, VmView } from './view.js';
import { own } from '../shared/record.js';

export type VmCommand =
  | { type: 'RequestVmCreation'; vmId: string; spec: VmSpec; bios?: VmBios; saved?: VmSavedState | null }
  | { type: 'PowerVm'; vmId: string; action: PowerAction; reason?: string }
  | { type: 'BeginVmMigration'; vmId: string; reason?: string }
  | { type: 'EndVmMigration'; vmId: string; reason?: string }
  | { type: 'FailVm'; vmId: string; reason: string }
  | { type: 'RecoverVm'; vmId: string; powerOn?: boolean; reason?: string }
  | ReconfigureVmCommand
  | VmDeviceCommand
  | { type: 'DeleteVm'; vmId: string };

export const vmDecider: Decider<InventoryView, VmCommand, InventoryEvent> = {
  initialState: emptyInventory,
  evolve: evolveInventory,
  decide: (command, view) => {
    switch (command.type) {
      case 'RequestVmCreation':
        if (own(view.vms, command.vmId)) throw conflict('vm.exists', `VM ${command.vmId} already exists`, { vmId: command.vmId });
        validateVmCreation(view, command.vmId, command.spec);
        if (command.bios) assertBiosUuidFree(view, command.bios.uuid);
        if (command.saved) {
          if (command.spec.powerOn) throw unprocessable('vm.powerOn', `VM ${command.spec.name} is restored suspended: resume it, it is not powered on at creation`, { vmId: command.vmId });
          assertRestorable(view, command.spec.clusterId, command.spec.name, command.saved);
        }
        return [{ type: 'VmCreationRequested', data: {
          vmId: command.vmId, spec: command.spec, bios: command.bios ?? defaultVmBios(command.vmId, command.spec.name), saved: command.saved ?? null,
        } }];
      case 'PowerVm': return powerVm(view, requireVm(view, command.vmId), command.action, command.reason ?? command.action);
      case 'BeginVmMigration': return transitionEvents(requireVm(view, command.vmId), ['migrating'], command.reason ?? 'migration started');
      case 'EndVmMigration': {
        const vm = requireVm(view, command.vmId);
        return transitionEvents(vm, [vm.stateBeforeMigration ?? 'running'], command.reason ?? 'migration ended');
      }
      case 'FailVm': return transitionEvents(requireVm(view, command.vmId), ['failed'], command.reason);
      case 'RecoverVm': {
        const vm = requireVm(view, command.vmId);
        if (command.powerOn) assertHostCanRun(view, vm);
        return transitionEvents(vm, command.powerOn ? ['starting', 'running'] : ['stopped'], command.reason ?? 'recovered');
      }
      case 'ReconfigureVm': return reconfigureVm(view, requireVm(view, command.vmId), command);
      case 'AddVmDisk': case 'RemoveVmDisk': case 'AddVmNic': case 'RemoveVmNic':
        return changeVmDevices(view, requireVm(view, command.vmId), command);
      case 'DeleteVm': return deleteVm(requireVm(view, command.vmId));
    }
  },
};

/** Also run by the saga's validate step, when the VM already exists in 'creating' (it then holds its own slot). */
export function validateVmCreation(view: InventoryView, vmId: string, spec: VmSpec): void {
  const cluster = requireCluster(view, spec.clusterId);
  const existing = own(view.vms, vmId);
  if (existing && existing.state !== 'creating') throw conflict('vm.exists', `VM ${vmId} already exists`, { vmId });
  const owner = own(cluster.vmNames, spec.name);
  if (owner !== undefined && owner !== vmId) {
    throw conflict('vm.name', `cluster ${cluster.spec.name} already has a VM named '${spec.name}' (${owner})`, { name: spec.name, vmId: owner });
  }
  if (!existing && cluster.vmCount >= CLUSTER_LIMITS.maxVms) {
    throw conflict('cluster.maxVms', `cluster ${cluster.spec.name} already holds ${cluster.vmCount} VMs, the limit is ${CLUSTER_LIMITS.maxVms}`,
      { clusterId: cluster.id, limit: CLUSTER_LIMITS.maxVms });
  }
  if (cluster.hostCount === 0) throw unprocessable('cluster.noHosts', `cluster ${cluster.spec.name} has no hosts to run VM ${spec.name}`, { clusterId: cluster.id });
  if (spec.hugePages && !guestOsSupport(spec.guestOs).hugePages) {
    throw unprocessable('vm.hugePagesGuest', `VM ${spec.name}: guest ${spec.guestOs.distro ?? spec.guestOs.family} ${spec.guestOs.version} has a kernel without huge-page support ` +
      '(Linux before 2.6): it cannot be backed by 2 MiB pages; set hugePages false', { guestOs: spec.guestOs });
  }
  if (spec.vcpus > cluster.maxHostThreads) {
    throw unprocessable('vm.vcpusExceedHost', `VM ${spec.name} asks for ${spec.vcpus} vCPUs, the largest host of cluster ` +
      `${cluster.spec.name} has ${cluster.maxHostThreads} threads (sockets x cores x threads)`, { vcpus: spec.vcpus, maxHostThreads: cluster.maxHostThreads });
  }
}

function powerVm(view: InventoryView, vm: VmView, action: PowerAction, reason: string): InventoryEvent[] {
  if (action === 'start' || action === 'restart' || action === 'resume') assertHostCanRun(view, vm);
  if (action === 'resume') assertResumable(view, vm);
  return transitionEvents(vm, POWER_PATHS[action], reason);
}

/** A VM runs only on a powered-on host; a host in maintenance takes no new power-ons (HA.md 7). */
function assertHostCanRun(view: InventoryView, vm: VmView): void {
  const host = vm.hostId === null ? undefined : view.hosts[vm.hostId];
  if (!host) throw unprocessable('vm.unplaced', `VM ${vm.spec.name} (${vm.id}) has no host to power on on`, { vmId: vm.id });
  if (isHostDown(host)) {
    throw conflict('host.down', `VM ${vm.spec.name} (${vm.id}): host ${host.spec.name} is ${hostCondition(host)}`, { vmId: vm.id, hostId: host.id });
  }
  if (host.maintenance && vm.state !== 'running') {
    throw conflict('host.maintenance', `VM ${vm.spec.name} (${vm.id}): host ${host.spec.name} is in maintenance`, { vmId: vm.id, hostId: host.id });
  }
}

function deleteVm(vm: VmView): InventoryEvent[] {
  if (vm.state !== 'stopped' && vm.state !== 'failed') {
    throw conflict('vm.state', `VM ${vm.spec.name} (${vm.id}) cannot go from ${vm.state} to deleted: stop it first`,
      { vmId: vm.id, from: vm.state, to: 'deleted' });
  }
  return [{ type: 'VmDeleted', data: { vmId: vm.id, clusterId: vm.clusterId, hostId: vm.hostId } }];
}
