// C4 and F7: a VM that leaves its cluster (a cross-cluster migration) leaves that cluster's HA protection and
// joins the target's, with its HA settings and restart ledger (its failures so far still count). Each cluster's
// HaState folds only its own events, so the move between two states is done here, once, by the shell that
// holds them both (apps/ha-monitor), when it sees VmRelocated naming another cluster.
import type { HaState } from './state.js';

/** Mutates both states (in-place projections). The VM's host becomes `toHostId`; the hosts it was tried on
 *  belong to the old cluster and are forgotten. No-op when the VM is unknown to `from`. */
export function transferHaVm(from: HaState, to: HaState, vmId: string, toHostId: string): void {
  const vm = from.vms[vmId];
  if (!vm) return;
  delete from.vms[vmId];
  for (const id in from.affinityGroups) {
    const members = from.affinityGroups[id]!;
    if (members.includes(vmId)) from.affinityGroups[id] = members.filter((m) => m !== vmId);
  }
  to.vms[vmId] = { ...vm, hostId: toHostId, triedHosts: [] };
}
