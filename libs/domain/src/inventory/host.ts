// Host decider (C5, C7, F2, F11): add a host, power it on / off (standby), maintenance as a lasting state.
//
// API: hostDecider: Decider<InventoryView, HostCommand, InventoryEvent>
//   {type:'AddHost', hostId, clusterId, spec: HostSpec}            -> HostAdded (host starts powered on)
//   {type:'PowerOnHost', hostId, reason?}                          -> HostPoweredOn
//   {type:'PowerOffHost', hostId, standby?, reason?}               -> HostPoweredOff
//   {type:'EnterHostMaintenance', hostId} / {type:'ExitHostMaintenance', hostId} -> HostMaintenance* | [] if already so
// Refusals: host.exists, host.name, cluster.maxHosts (128), host.hardwareAssist (no vmx / svm), imc.baseline
// (missing features / other vendor), host.power (already in that power state), host.down (maintenance on a
// host that is off), host.hasActiveVms (planned power-off while VMs run: moving them is DRS/DPM's job, HA.md 8).
// Maintenance is not touched by power events, so it survives a power cycle (HA.md 7).
import { conflict } from '@virtsim/contracts';
import type { HostSpec, InventoryEvent } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { imcFeatures, imcVendor, missingFeatures } from './imc.js';
import { CLUSTER_LIMITS, hostCondition, isHostDown, requireCluster, requireHost } from './lookup.js';
import { emptyInventory, evolveInventory } from './view.js';
import type { ClusterView, HostView, InventoryView } from './view.js';
import { own } from '../shared/record.js';

export type HostCommand =
  | { type: 'AddHost'; hostId: string; clusterId: string; spec: HostSpec }
  | { type: 'PowerOnHost'; hostId: string; reason?: string }
  | { type: 'PowerOffHost'; hostId: string; standby?: boolean; reason?: string }
  | { type: 'EnterHostMaintenance'; hostId: string }
  | { type: 'ExitHostMaintenance'; hostId: string };

export const hostDecider: Decider<InventoryView, HostCommand, InventoryEvent> = {
  initialState: emptyInventory,
  evolve: evolveInventory,
  decide: (command, view) => {
    switch (command.type) {
      case 'AddHost': return addHost(view, command.hostId, command.clusterId, command.spec);
      case 'PowerOnHost': return powerOn(requireHost(view, command.hostId), command.reason ?? 'operator');
      case 'PowerOffHost': return powerOff(view, requireHost(view, command.hostId), command.standby ?? false, command.reason ?? 'operator');
      case 'EnterHostMaintenance': return enterMaintenance(requireHost(view, command.hostId));
      case 'ExitHostMaintenance': {
        const host = requireHost(view, command.hostId);
        return host.maintenance ? [{ type: 'HostMaintenanceExited', data: { hostId: host.id, clusterId: host.clusterId } }] : [];
      }
    }
  },
};

/** Hardware-assisted mode runs the VMM in VMX root / SVM host mode: the CPU must have the extension (C5). */
const HARDWARE_ASSIST_FLAG: Partial<Record<HostSpec['cpu']['vendor'], string>> = { intel: 'vmx', amd: 'svm' };

function addHost(view: InventoryView, hostId: string, clusterId: string, spec: HostSpec): InventoryEvent[] {
  const cluster = requireCluster(view, clusterId);
  if (own(view.hosts, hostId)) throw conflict('host.exists', `host ${hostId} already exists`, { hostId });
  const owner = own(cluster.hostNames, spec.name);
  if (owner !== undefined) {
    throw conflict('host.name', `cluster ${cluster.spec.name} already has a host named '${spec.name}' (${owner})`, { name: spec.name, hostId: owner });
  }
  if (cluster.hostCount >= CLUSTER_LIMITS.maxHosts) {
    throw conflict('cluster.maxHosts', `cluster ${cluster.spec.name} already holds ${cluster.hostCount} hosts, the limit is ${CLUSTER_LIMITS.maxHosts}`,
      { clusterId, limit: CLUSTER_LIMITS.maxHosts });
  }
  assertHardwareAssist(spec);
  assertMeetsBaseline(cluster, spec);
  return [{ type: 'HostAdded', data: { hostId, clusterId, spec } }];
}

function assertHardwareAssist(spec: HostSpec): void {
  if (spec.hypervisor.mode !== 'hardware-assisted') return;
  const flag = HARDWARE_ASSIST_FLAG[spec.cpu.vendor];
  if (flag === undefined || !spec.cpu.features.includes(flag)) {
    const need = flag ?? 'vmx or svm (Intel VT-x / AMD-V)';
    throw conflict('host.hardwareAssist', `host ${spec.name}: hardware-assisted mode needs CPU feature ${need}, ` +
      `the ${spec.cpu.vendor} CPU ${spec.cpu.model} lacks it`, { name: spec.name, missing: [need] });
  }
}

function assertMeetsBaseline(cluster: ClusterView, spec: HostSpec): void {
  const baseline = cluster.spec.imcBaseline;
  if (!baseline) return;
  const vendor = imcVendor(baseline);
  if (vendor !== null && spec.cpu.vendor !== vendor) {
    throw conflict('imc.baseline', `host ${spec.name}: ${spec.cpu.vendor} CPU cannot join cluster ${cluster.spec.name} ` +
      `whose IMC baseline is ${vendor}`, { name: spec.name, vendor: spec.cpu.vendor, baselineVendor: vendor, missing: [] });
  }
  const missing = missingFeatures(imcFeatures(baseline), spec.cpu.features);
  if (missing.length > 0) {
    throw conflict('imc.baseline', `host ${spec.name} lacks IMC baseline features of cluster ${cluster.spec.name}: ${missing.join(', ')}`,
      { name: spec.name, missing });
  }
}

function powerOn(host: HostView, reason: string): InventoryEvent[] {
  if (host.power === 'on') throw conflict('host.power', `host ${host.spec.name} (${host.id}) is already on`, { hostId: host.id });
  return [{ type: 'HostPoweredOn', data: { hostId: host.id, clusterId: host.clusterId, reason } }];
}

function powerOff(view: InventoryView, host: HostView, standby: boolean, reason: string): InventoryEvent[] {
  if (host.power !== 'on') throw conflict('host.power', `host ${host.spec.name} (${host.id}) is already ${host.power}`, { hostId: host.id });
  const active = Object.keys(host.vmIds).sort().filter((id) => {
    const state = view.vms[id]?.state;
    return state !== undefined && state !== 'stopped' && state !== 'failed' && state !== 'creating';
  });
  if (active.length > 0) {
    throw conflict('host.hasActiveVms', `host ${host.spec.name} (${host.id}) still runs ${active.length} VM(s) ` +
      `(${active.slice(0, 5).join(', ')}): migrate them away first`, { hostId: host.id, vmIds: active });
  }
  return [{ type: 'HostPoweredOff', data: { hostId: host.id, clusterId: host.clusterId, reason, standby } }];
}

function enterMaintenance(host: HostView): InventoryEvent[] {
  if (host.maintenance) return [];
  if (isHostDown(host)) {
    throw conflict('host.down', `host ${host.spec.name} (${host.id}) is ${hostCondition(host)}: maintenance needs a running host`, { hostId: host.id });
  }
  return [{ type: 'HostMaintenanceEntered', data: { hostId: host.id, clusterId: host.clusterId } }];
}
