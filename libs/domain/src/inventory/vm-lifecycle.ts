// VM state machine (F11 states, API power actions): which transitions exist and the path of each action.
//
// API:
//   VM_TRANSITIONS: Record<VmState, VmState[]>
//   canTransition(from, to): boolean
//   POWER_PATHS: the states an action walks through, e.g. start = stopped -> starting -> running
//   transitionEvents(vm, path, reason): InventoryEvent[]   one VmStateChanged per hop; applies pending vCPUs (F4)
//                                                          as a VmReconfigured right after the VM is off
// An impossible hop throws conflict 'vm.state' naming from and to. The app applies all returned events in one go.
import { conflict } from '@virtsim/contracts';
import type { InventoryEvent, VmState } from '@virtsim/contracts';
import type { VmView } from './view.js';

export const VM_TRANSITIONS: Readonly<Record<VmState, readonly VmState[]>> = Object.freeze({
  // a VM imported suspended (C3) is created into its saved state
  creating: ['stopped', 'suspended'],
  stopped: ['starting', 'migrating'],
  starting: ['running', 'stopped', 'failed'],
  running: ['stopping', 'suspended', 'migrating', 'failed'],
  stopping: ['stopped', 'failed'],
  // Powering off a suspended VM discards its saved state (vSphere and FusionCompute allow it).
  suspended: ['running', 'stopping', 'migrating', 'failed'],
  // Live migration returns to running, a suspended or cold move to where it came from.
  migrating: ['running', 'suspended', 'stopped', 'failed'],
  failed: ['stopped', 'starting'],
  deleted: [],
});

export const canTransition = (from: VmState, to: VmState): boolean => VM_TRANSITIONS[from].includes(to);

export type PowerAction = 'start' | 'stop' | 'restart' | 'suspend' | 'resume';

export const POWER_PATHS: Readonly<Record<PowerAction, readonly VmState[]>> = Object.freeze({
  start: ['starting', 'running'],
  stop: ['stopping', 'stopped'],
  restart: ['stopping', 'stopped', 'starting', 'running'],
  suspend: ['suspended'],
  resume: ['running'],
});

export function transitionEvents(vm: VmView, path: readonly VmState[], reason: string): InventoryEvent[] {
  const events: InventoryEvent[] = [];
  let from = vm.state;
  let pending = vm.pendingVcpus;
  for (const to of path) {
    if (!canTransition(from, to)) {
      throw conflict('vm.state', `VM ${vm.spec.name} (${vm.id}) cannot go from ${from} to ${to} (${reason})`, { vmId: vm.id, from, to });
    }
    events.push({ type: 'VmStateChanged', data: { vmId: vm.id, clusterId: vm.clusterId, hostId: vm.hostId, from, to, reason } });
    if (pending !== null && (to === 'stopped' || to === 'starting')) {
      events.push({ type: 'VmReconfigured', data: { vmId: vm.id, clusterId: vm.clusterId, vcpus: pending, memoryMiB: vm.spec.memoryMiB, pendingVcpus: null } });
      pending = null;
    }
    from = to;
  }
  return events;
}
