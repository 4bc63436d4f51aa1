// evolve for HA's own events. Decisions live in decide (faults.ts, tick.ts); this only records their outcome.
import type { HaEvent, HaRestartCause } from '@virtsim/contracts';
import { mutHost, mutVm, type HaDraft } from './draft.js';

/** the schema's largest restartsInPlace: older in-place restarts can never count again */
const MAX_RESTART_LEDGER = 100;

/** The listed HA VMs of a host, if still down there, become 'waiting': eligible for restart from now on. */
function queueDownVms(d: HaDraft, hostId: string, vmIds: readonly string[], cause: HaRestartCause): void {
  for (const vmId of vmIds) {
    const vm = d.state.vms[vmId];
    if (vm?.hostId !== hostId || vm.status !== 'down' || !vm.haEnabled) continue;
    Object.assign(mutVm(d, vm.vmId)!, { status: 'waiting', cause, waitReason: null });
  }
}

function applyHostEvent(d: HaDraft, e: HaEvent): void {
  const data = e.data as { hostId: string };
  const h = mutHost(d, data.hostId);
  if (!h) return;
  switch (e.type) {
    case 'HostFaultInjected': h.fault = e.data.kind; return;
    case 'HostFaultCleared': h.fault = null; return;
    case 'HostHeartbeatMissed': Object.assign(h, { status: 'missing', missingSince: e.data.lastHeartbeatAt }); return;
    case 'HostHeartbeatResumed':
      Object.assign(h, { status: 'up', missingSince: null });
      return queueDownVms(d, h.hostId, e.data.vmIds, 'host-rebooted');
    case 'HostFailureDetected': h.status = 'failed'; return;
    case 'HostIsolationDetected': h.status = 'isolated'; return;
    case 'HostFenced':
      h.fenced = true;
      return queueDownVms(d, h.hostId, e.data.vmIds, e.data.method === 'isolation-power-off' ? 'host-isolation' : 'host-failure');
    case 'HostRecovered': Object.assign(h, { status: 'up', missingSince: null, fenced: false }); return;
    case 'StaleVmCopyPoweredOff': h.staleCopies = h.staleCopies.filter((id) => id !== e.data.vmId); return;
    case 'VmsDownOnHost': {
      for (const vmId of e.data.vmIds) {
        const vm = mutVm(d, vmId);
        if (vm) Object.assign(vm, { status: 'down', fault: null, cause: null, waitReason: null });
      }
      if (e.data.staleCopies) h.staleCopies = [...new Set([...h.staleCopies, ...e.data.vmIds])].sort();
      return;
    }
    default: return;
  }
}

function applyVmEvent(d: HaDraft, e: HaEvent): void {
  const vm = mutVm(d, (e.data as { vmId: string }).vmId);
  if (!vm) return;
  switch (e.type) {
    case 'VmFaultInjected': vm.fault = { kind: e.data.kind, at: e.data.simTime, detectable: e.data.detectable }; return;
    case 'VmFailureDetected':
      vm.fault = null;
      if (e.data.action !== 'relocate') return;
      Object.assign(vm, { status: 'waiting', cause: e.data.kind, waitReason: null });
      if (!vm.triedHosts.includes(e.data.hostId)) vm.triedHosts = [...vm.triedHosts, e.data.hostId];
      return;
    case 'VmRestarted': {
      const crash = e.data.cause === 'guest-os-crash' || e.data.cause === 'vmm-process-crash';
      if (crash && e.data.hostId !== e.data.fromHostId) vm.relocations += 1;
      if (crash && !vm.triedHosts.includes(e.data.hostId)) vm.triedHosts = [...vm.triedHosts, e.data.hostId];
      Object.assign(vm, { hostId: e.data.hostId, status: 'running', cause: null, waitReason: null });
      return;
    }
    case 'VmRestartedInPlace':
      Object.assign(vm, { status: 'running', fault: null, localRestarts: vm.localRestarts + 1, restartsInPlaceAt: [...vm.restartsInPlaceAt, e.data.simTime].slice(-MAX_RESTART_LEDGER) });
      return;
    case 'VmRestartWaiting': Object.assign(vm, { status: 'waiting', waitReason: e.data.reason }); return;
    case 'VmFailedNeedsOperator': Object.assign(vm, { status: 'failed', fault: null, cause: null, waitReason: null }); return;
    default: return;
  }
}

const VM_EVENTS = new Set<string>(['VmFaultInjected', 'VmFailureDetected', 'VmRestarted', 'VmRestartedInPlace', 'VmRestartWaiting', 'VmFailedNeedsOperator']);
/** every HA event type, as a Record over the union: a new HA event not listed here fails to compile */
const HA_TYPES: Record<HaEvent['type'], true> = {
  HostFaultInjected: true, HostFaultCleared: true, VmsDownOnHost: true, HostHeartbeatMissed: true, HostHeartbeatResumed: true,
  HostFailureDetected: true, HostIsolationDetected: true, HaTotalIsolationDetected: true, HaTotalIsolationEnded: true, HostFenced: true,
  HostRecovered: true, StaleVmCopyPoweredOff: true, VmFaultInjected: true, VmFailureDetected: true, VmRestartPlanned: true, VmRestarted: true,
  VmRestartedInPlace: true, VmRestartWaiting: true, VmFailedNeedsOperator: true, VmRestartNotAttempted: true, HaUnprotectedVmsChanged: true,
};
export const HA_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(HA_TYPES));

export function applyHa(d: HaDraft, e: HaEvent): void {
  if (d.state.clusterId !== null && e.data.clusterId !== d.state.clusterId) return;
  if (e.type === 'HaTotalIsolationDetected' || e.type === 'HaTotalIsolationEnded') {
    d.state.totalIsolation = e.type === 'HaTotalIsolationDetected';
    return;
  }
  if (e.type === 'VmRestartPlanned' || e.type === 'VmRestartNotAttempted') return; // audit only; VmRestarted moves the VM
  if (e.type === 'HaUnprotectedVmsChanged') {
    d.state.unprotectedVms = e.data.unprotected;
    return;
  }
  if (VM_EVENTS.has(e.type)) applyVmEvent(d, e);
  else applyHostEvent(d, e);
}
