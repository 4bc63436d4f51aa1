// What HA's decisions mean for the VM lifecycle the vrm inventory shows, appended on `vm-<vmId>`:
//  - VMs a host failure took down go to 'failed' when HA fences the host (or, with HA off on the cluster, at the
//    fault: nobody will detect it), or when a host came back before detection (they went down with it);
//  - a detected guest / VMM crash is 'failed', a restart is failed -> starting -> running, in place or after a
//    VmRelocated {reason: 'ha-restart'} to the new host; a VM that needs an operator stays 'failed'.
// Every hop is checked against VM_TRANSITIONS from the inventory state the projection saw. Never 'stopped' or
// 'suspended': HA reads those as an operator's decision and would drop a pending restart.
import type { EventOf, HaEvent, NumaPlacement, VmState } from '@virtsim/contracts';
import { inventory, type ha } from '@virtsim/domain';
import type { HaMonitorState } from './state.js';

const FAULT_WORDS: Record<string, string> = {
  'power-loss': 'lost power', 'hypervisor-crash': 'hypervisor crashed', 'network-isolation': 'is network-isolated',
};

export class InventoryEcho {
  private readonly pending = new Map<string, EventOf[]>();
  private readonly states = new Map<string, VmState>();
  private byHost: Map<string, string[]> | null = null;

  /** cs: the cluster's HA state BEFORE the events being echoed (its VM sizes, hosts and home hosts) */
  constructor(
    private readonly s: HaMonitorState,
    private readonly cs: ha.HaState,
    private readonly numaOf: (vmId: string) => NumaPlacement | undefined = () => undefined,
  ) {}

  get count(): number {
    let n = 0;
    for (const events of this.pending.values()) n += events.length;
    return n;
  }

  /** per VM stream, in the order the VMs were first touched */
  appends(): { vmId: string; events: EventOf[] }[] {
    return [...this.pending].map(([vmId, events]) => ({ vmId, events }));
  }

  apply(e: HaEvent): void {
    switch (e.type) {
      case 'HostFenced': {
        const host = this.cs.hosts[e.data.hostId];
        const what = FAULT_WORDS[host?.fault ?? ''] ?? 'failed';
        const reason = `host ${host?.name ?? e.data.hostId} ${what}: HA fenced it (${e.data.method}), its VMs are down`;
        for (const vmId of this.onHost(e.data.hostId, (vm) => vm.status === 'running' || vm.status === 'down')) this.fail(vmId, e.data.hostId, reason);
        return;
      }
      case 'HostHeartbeatResumed': {
        const name = this.cs.hosts[e.data.hostId]?.name ?? e.data.hostId;
        const reason = `host ${name} went down and came back before failure detection: its VMs went down with it`;
        for (const vmId of this.onHost(e.data.hostId, (vm) => vm.status === 'down')) this.fail(vmId, e.data.hostId, reason);
        return;
      }
      case 'VmFailureDetected': return this.fail(e.data.vmId, e.data.hostId, e.data.reason);
      case 'VmFailedNeedsOperator': return this.fail(e.data.vmId, e.data.hostId, e.data.reason);
      case 'VmRestartedInPlace': return this.restart(e.data.vmId, e.data.hostId, e.data.hostId, e.data.reason);
      case 'VmRestarted': {
        const name = this.cs.hosts[e.data.hostId]?.name ?? e.data.hostId;
        return this.restart(e.data.vmId, e.data.fromHostId, e.data.hostId, `HA restart (${e.data.cause}) on host ${name}`);
      }
      default:
    }
  }

  /** HA disabled on the cluster: the VMs a host fault took down are failed at once, nothing will restart them. */
  downWithoutHa(e: HaEvent): void {
    if (e.type !== 'VmsDownOnHost') return;
    const host = this.cs.hosts[e.data.hostId];
    const reason = `host ${host?.name ?? e.data.hostId} ${FAULT_WORDS[host?.fault ?? ''] ?? 'failed'} (HA is off on the cluster: no restart)`;
    for (const vmId of e.data.vmIds) this.fail(vmId, e.data.hostId, reason);
  }

  private stateOf(vmId: string): VmState | undefined {
    return this.states.get(vmId) ?? this.s.vmStates[vmId];
  }

  private push(vmId: string, event: EventOf): void {
    const list = this.pending.get(vmId);
    if (list) list.push(event);
    else this.pending.set(vmId, [event]);
  }

  /** one lawful hop; false when the inventory does not know the VM or the hop is not allowed */
  private hop(vmId: string, hostId: string, to: VmState, reason: string): boolean {
    const from = this.stateOf(vmId);
    if (from === undefined) return false;
    if (from === to) return true;
    if (!inventory.canTransition(from, to)) return false;
    const clusterId = this.cs.clusterId ?? '';
    this.push(vmId, { type: 'VmStateChanged', data: { vmId, clusterId, hostId, from, to, reason } });
    this.states.set(vmId, to);
    return true;
  }

  private fail(vmId: string, hostId: string, reason: string): void {
    this.hop(vmId, hostId, 'failed', reason);
  }

  private restart(vmId: string, fromHostId: string, toHostId: string, reason: string): void {
    const from = this.stateOf(vmId);
    if (from === undefined) return;
    if (from !== 'failed' && from !== 'stopped' && from !== 'starting') {
      if (!this.hop(vmId, fromHostId, 'failed', `${reason}: the VM was down`)) return;
    }
    if (toHostId !== fromHostId) {
      const vm = this.cs.vms[vmId];
      const numa = this.numaOf(vmId) ?? { nodes: [0], memoryMiBPerNode: [vm?.memoryMiB ?? 0], vcpusPerNode: [vm?.vcpus ?? 0] };
      this.push(vmId, { type: 'VmRelocated', data: { vmId, clusterId: this.cs.clusterId ?? '', fromHostId, toHostId, numa, reason: 'ha-restart' } });
    }
    if (this.hop(vmId, toHostId, 'starting', reason)) this.hop(vmId, toHostId, 'running', reason);
  }

  /** the cluster's VMs homed on the host that match, in id order (one scan of the cluster per echo) */
  private onHost(hostId: string, match: (vm: ha.HaVm) => boolean): string[] {
    if (!this.byHost) {
      this.byHost = new Map();
      for (const vmId in this.cs.vms) {
        const h = this.cs.vms[vmId]!.hostId;
        if (h === null) continue;
        const list = this.byHost.get(h);
        if (list) list.push(vmId);
        else this.byHost.set(h, [vmId]);
      }
    }
    return (this.byHost.get(hostId) ?? []).filter((id) => match(this.cs.vms[id]!)).sort();
  }
}
