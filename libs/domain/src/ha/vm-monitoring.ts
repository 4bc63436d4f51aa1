// VM monitoring: guest OS and VMM process failures (F7 "platform and guest OS failure", HA.md 6).
// A VMM crash is seen by the hypervisor at the next tick; a guest OS hang only when the Tools heartbeat has been
// silent for failureDetectionSeconds (vSphere VM Monitoring uses a 30 s failure interval at high sensitivity; we
// reuse the cluster's detection time). Then: restart in place up to maxLocalRestarts, relocate to an untried
// host up to maxRelocations (Proxmox max_restart / max_relocate), then a failed state that needs an operator.
import type { HaVmFailureAction } from '@virtsim/contracts';
import { baseOf, emit, stateOf, type TickContext } from './tick-context.js';
import type { HaState, HaVm } from './state.js';

function isDue(ctx: TickContext, vm: HaVm): boolean {
  const fault = vm.fault;
  if (!fault || !fault.detectable) return false;
  if (fault.kind === 'vmm-process-crash') return ctx.simTime > fault.at;
  return ctx.simTime - fault.at >= stateOf(ctx).policy.failureDetectionSeconds;
}

function actionFor(state: HaState, vm: HaVm): HaVmFailureAction {
  if (!vm.haEnabled) return 'needs-operator';
  if (vm.localRestarts < state.policy.maxLocalRestarts) return 'restart-in-place';
  if (vm.relocations < state.policy.maxRelocations) return 'relocate';
  return 'needs-operator';
}

function budget(state: HaState, vm: HaVm): string {
  const p = state.policy;
  return `local restarts ${vm.localRestarts}/${p.maxLocalRestarts}, relocations ${vm.relocations}/${p.maxRelocations}`;
}

function handleFailure(ctx: TickContext, vm: HaVm): void {
  const state = stateOf(ctx);
  const kind = vm.fault!.kind;
  const hostId = vm.hostId!;
  const seen = kind === 'vmm-process-crash' ? 'VMM process exited' : `no Tools heartbeat for ${ctx.simTime - vm.fault!.at} s`;
  const action = actionFor(state, vm);
  const reason = `${seen} on VM ${vm.name}: ${action} (${budget(state, vm)})`;
  emit(ctx, { type: 'VmFailureDetected', data: { ...baseOf(ctx), vmId: vm.vmId, hostId, kind, action, reason } });
  if (action === 'restart-in-place') {
    const attempt = vm.localRestarts + 1;
    const why = `${kind}: restart ${attempt} of ${state.policy.maxLocalRestarts} on the same host`;
    emit(ctx, { type: 'VmRestartedInPlace', data: { ...baseOf(ctx), vmId: vm.vmId, hostId, cause: kind, attempt, maxAttempts: state.policy.maxLocalRestarts, reason: why } });
  } else if (action === 'needs-operator') {
    const why = vm.haEnabled ? `${kind}: restart budget exhausted (${budget(state, vm)})` : `${kind}: HA is not enabled for VM ${vm.name}`;
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
