// "Why not" in HA (issue 19): what HA will NOT do, said as events so the audit can tell a user why a VM stayed
// down. Two cases:
//  - a VM that went down with its host and is not HA-protected (its spec has no `ha.enabled: true`), or whose
//    cluster has HA off: VmRestartNotAttempted, once, when its host is fenced (or, HA off, when the fault hits).
//    The waits (local storage, no host with room) are VmRestartWaiting, restart.ts.
//  - a cluster with HA on that runs VMs HA does not protect: HaUnprotectedVmsChanged whenever their number
//    changes (a warning; 0 ends it). The same count is shown on GET /clusters/:id (haProtectionWarning).
import type { HaEvent, HaNotRestartedWhy } from '@virtsim/contracts';
import type { HaState, HaVm } from './state.js';

/** VMs named in a warning; the count says how many there are in all */
export const UNPROTECTED_LISTED = 20;

export interface ProtectionVm { vmId: string; running: boolean; haEnabled: boolean }
export interface HaProtectionWarning { unprotected: number; vmIds: string[]; message: string }

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The warning for a cluster: null when HA is off or every running VM is protected. Pure; vrm and ha-monitor share it. */
export function haProtectionWarning(clusterHaEnabled: boolean, vms: Iterable<ProtectionVm>): HaProtectionWarning | null {
  if (!clusterHaEnabled) return null;
  const ids: string[] = [];
  for (const vm of vms) if (vm.running && !vm.haEnabled) ids.push(vm.vmId);
  if (ids.length === 0) return null;
  ids.sort(byId);
  const vmIds = ids.slice(0, UNPROTECTED_LISTED);
  const named = `${vmIds.join(', ')}${ids.length > vmIds.length ? `, and ${ids.length - vmIds.length} more` : ''}`;
  const message = `cluster HA is on but ${ids.length} running VM${ids.length === 1 ? ' is' : 's are'} not HA-protected (${named}): `
    + 'a host failure leaves them down; set ha.enabled on them to protect them';
  return { unprotected: ids.length, vmIds, message };
}

const protectionVm = (vm: HaVm): ProtectionVm => ({ vmId: vm.vmId, running: vm.status === 'running', haEnabled: vm.haEnabled });

/** HaUnprotectedVmsChanged when the count differs from the one last recorded (at most one event per tick). */
export function protectionChange(state: HaState, simTime: number): HaEvent | null {
  const warning = haProtectionWarning(state.policy.enabled, Object.values(state.vms).map(protectionVm));
  const unprotected = warning?.unprotected ?? 0;
  if (unprotected === state.unprotectedVms) return null;
  const reason = warning?.message ?? (state.policy.enabled
    ? 'every running VM of the cluster is HA-protected again'
    : 'cluster HA is off: no VM is protected, the warning no longer applies');
  return { type: 'HaUnprotectedVmsChanged', data: { clusterId: state.clusterId ?? '', simTime, unprotected, vmIds: warning?.vmIds ?? [], reason } };
}

/** The sentence of a VM HA leaves down. */
export function notRestartedReason(vm: Pick<HaVm, 'name'>, hostName: string, why: HaNotRestartedWhy): string {
  return why === 'cluster-ha-off'
    ? `VM ${vm.name} went down with host ${hostName} and is not restarted: HA is off on its cluster; start it by hand or turn cluster HA on`
    : `VM ${vm.name} went down with host ${hostName} and is not restarted: it is not HA-protected (ha.enabled is not set on the VM); start it by hand`;
}

/** VmRestartNotAttempted for each listed VM (down on `hostId`). */
export function notRestartedEvents(state: HaState, hostId: string, vmIds: readonly string[], why: HaNotRestartedWhy, simTime: number): HaEvent[] {
  const hostName = state.hosts[hostId]?.name ?? hostId;
  return vmIds.flatMap((vmId) => {
    const vm = state.vms[vmId];
    if (!vm) return [];
    return [{ type: 'VmRestartNotAttempted' as const, data: { clusterId: state.clusterId ?? '', simTime, vmId, hostId, why, reason: notRestartedReason(vm, hostName, why) } }];
  });
}
