// VM monitoring: guest OS and VMM process failures (F7 "platform and guest OS failure", HA.md 6).
// A VMM crash is seen by the hypervisor at the next tick; a guest OS hang only when the Tools heartbeat has been
// silent for failureDetectionSeconds (vSphere VM Monitoring uses a 30 s failure interval at high sensitivity; we
// reuse the cluster's detection time). Then (F7, HA.md 6): restart in place while fewer than the policy's
// restartsInPlace happened in the last restartWindowSeconds (vSphere VM Monitoring: at most 3 resets per hour;
// an old restart leaves the window and frees its slot), relocate to an untried host once that window's budget
// is spent, up to maxRelocations (Proxmox max_relocate), then a failed state that needs an operator.
import type { HaVmFailureAction } from '@virtsim/contracts';
import { baseOf, emit, stateOf, type TickContext } from './tick-context.js';
import type { HaState, HaVm } from './state.js';

function isDue(ctx: TickContext, vm: HaVm): boolean {
  const fault = vm.fault;
  if (!fault || !fault.detectable) return false;
  if (fault.kind === 'vmm-process-crash') return ctx.simTime > fault.at;
  return ctx.simTime - fault.at >= stateOf(ctx).policy.failureDetectionSeconds;
}

/** Restarts in place inside the window that ends at simTime (a restart exactly window seconds ago has left it). */
export function restartsInWindow(state: HaState, vm: HaVm, simTime: number): number {
  const window = state.policy.restartWindowSeconds;
  return vm.restartsInPlaceAt.filter((t) => simTime - t < window).length;
}

function actionFor(state: HaState, vm: HaVm, simTime: number): HaVmFailureAction {
  if (!vm.haEnabled) return 'needs-operator';
  if (restartsInWindow(state, vm, simTime) < state.policy.restartsInPlace) return 'restart-in-place';
  if (vm.relocations < state.policy.maxRelocations) return 'relocate';
  return 'needs-operator';
}

function budget(state: HaState, vm: HaVm, simTime: number): string {
  const p = state.policy;
  return `restarts in place ${restartsInWindow(state, vm, simTime)}/${p.restartsInPlace} in ${p.restartWindowSeconds} s, relocations ${vm.relocations}/${p.maxRelocations}`;
}

function handleFailure(ctx: TickContext, vm: HaVm): void {
  const state = stateOf(ctx);
  const kind = vm.fault!.kind;
  const hostId = vm.hostId!;
  const seen = kind === 'vmm-process-crash' ? 'VMM process exited' : `no Tools heartbeat for ${ctx.simTime - vm.fault!.at} s`;
  const action = actionFor(state, vm, ctx.simTime);
  const reason = `${seen} on VM ${vm.name}: ${action} (${budget(state, vm, ctx.simTime)})`;
  emit(ctx, { type: 'VmFailureDetected', data: { ...baseOf(ctx), vmId: vm.vmId, hostId, kind, action, reason } });
  if (action === 'restart-in-place') {
    const attempt = restartsInWindow(state, vm, ctx.simTime) + 1;
    const p = state.policy;
    const why = `${kind}: restart ${attempt} of ${p.restartsInPlace} within ${p.restartWindowSeconds} s on the same host`;
    emit(ctx, { type: 'VmRestartedInPlace', data: { ...baseOf(ctx), vmId: vm.vmId, hostId, cause: kind, attempt, maxAttempts: p.restartsInPlace, reason: why } });
  } else if (action === 'needs-operator') {
    const why = vm.haEnabled ? `${kind}: restart budget exhausted (${budget(state, vm, ctx.simTime)})` : `${kind}: HA is not enabled for VM ${vm.name}`;
    emit(ctx, { type: 'VmFailedNeedsOperator', data: { ...baseOf(ctx), vmId: vm.vmId, hostId, reason: why } });
  }
  // 'relocate': the VM is now 'waiting' with its host in triedHosts; the restart pass places it this tick.
}

export function runVmMonitoring(ctx: TickContext): void {
  const state = stateOf(ctx);
  const due: HaVm[] = [];
  for (const vmId of ctx.index.faulted) {
    const vm = state.vms[vmId];
    if (!vm || vm.status !== 'running' || !vm.hostId || !isDue(ctx, vm)) continue;
    // A VM on a host in trouble is handled by host HA (its fault is cleared when the host takes it down).
    if (state.hosts[vm.hostId]?.status !== 'up') continue;
    due.push(vm);
  }
  due.sort((a, b) => (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0));
  for (const vm of due) handleFailure(ctx, vm);
}
