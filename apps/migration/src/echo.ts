// The VM lifecycle echo of migration decisions on `vm-<vmId>`: VmStateChanged to 'migrating' at request, VmRelocated
// + back to the previous state on completion, back to the previous state on the source when a migration fails, is
// cancelled or rolled back. An abort (source host failed) leaves the VM to HA. Every hop is checked against
// VM_TRANSITIONS.
import { conflict, type EventOf, type MigrationEvent, type MigrationRequestedData, type NumaPlacement, type VmState } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import type { MigrationServiceState, VmFacts } from './state.js';

const fallbackNuma = (vm: VmFacts | undefined, r: MigrationRequestedData): NumaPlacement =>
  ({ nodes: [0], memoryMiBPerNode: [vm?.memoryMiB ?? r.memoryMiB], vcpusPerNode: [vm?.vcpus ?? 1] });

/** Collects VM lifecycle events per VM stream, tracking the state each hop leaves. */
export class VmEcho {
  private readonly pending = new Map<string, EventOf[]>();
  private readonly states = new Map<string, VmState>();

  constructor(private readonly s: MigrationServiceState) {}

  get count(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  appends(): { vmId: string; events: EventOf[] }[] {
    return [...this.pending].map(([vmId, events]) => ({ vmId, events }));
  }

  stateOf(vmId: string): VmState | undefined {
    return this.states.get(vmId) ?? this.s.vms[vmId]?.state;
  }

  /** one lawful hop; throws conflict 'vm.state' when `strict`, else skips an impossible one */
  hop(vmId: string, hostId: string | null, to: VmState, reason: string, strict = false, clusterId?: string): boolean {
    const vm = this.s.vms[vmId];
    const from = this.stateOf(vmId);
    if (!vm || from === undefined) return false;
    if (from === to) return true;
    if (!inventory.canTransition(from, to)) {
      if (strict) throw conflict('vm.state', `VM ${vm.name} (${vmId}) cannot go from ${from} to ${to} (${reason})`, { vmId, from, to });
      return false;
    }
    this.push(vmId, { type: 'VmStateChanged', data: { vmId, clusterId: clusterId ?? vm.clusterId, hostId, from, to, reason } });
    this.states.set(vmId, to);
    return true;
  }

  /** what a migration's end means for its VM; `r` is the migration's request */
  ended(e: MigrationEvent, r: MigrationRequestedData): void {
    const vm = this.s.vms[r.vmId];
    if (!vm) return;
    const from = this.stateOf(r.vmId);
    const back: VmState = vm.stateBeforeMigration ?? (r.kind === 'live' ? 'running' : 'stopped');
    switch (e.type) {
      case 'MigrationCompleted': {
        if (r.kind !== 'storage' && vm.hostId === r.sourceHostId && r.targetHostId !== r.sourceHostId) {
          this.push(r.vmId, { type: 'VmRelocated', data: {
            vmId: r.vmId, clusterId: r.targetClusterId, fromHostId: r.sourceHostId, toHostId: r.targetHostId,
            numa: r.numa ?? fallbackNuma(vm, r), reason: r.kind === 'live' ? 'live-migration' : 'cold-migration',
          } });
        }
        // after VmRelocated the VM belongs to the target cluster (C4): its state change is that cluster's event
        if (from === 'migrating') this.hop(r.vmId, r.targetHostId, back, `${r.kind} migration ${r.migrationId} completed on host ${this.hostName(r.targetHostId)}`, false, r.targetClusterId);
        return;
      }
      case 'MigrationFailed':
      case 'MigrationCancelled':
      case 'MigrationRolledBack': {
        if (from !== 'migrating') return;
        const what = e.type === 'MigrationFailed' ? 'failed' : e.type === 'MigrationCancelled' ? 'cancelled' : 'rolled back';
        this.hop(r.vmId, r.sourceHostId, back, `${r.kind} migration ${r.migrationId} ${what}: ${e.data.reason}`);
        return;
      }
      default: // MigrationAborted: the source host failed, HA owns the VM (it fails it when it fences the host)
    }
  }

  private hostName(hostId: string): string {
    return this.s.hosts[hostId]?.name ?? hostId;
  }

  private push(vmId: string, event: EventOf): void {
    const list = this.pending.get(vmId);
    if (list) list.push(event);
    else this.pending.set(vmId, [event]);
  }
}
