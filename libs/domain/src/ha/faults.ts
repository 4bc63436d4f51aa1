// Fault injection commands (POST /hosts/:id/faults, /hosts/:id/recover, /vms/:id/faults). A fault changes what the
// host or VM does at once (power-loss and hypervisor-crash take the host's VMs down); HA only reacts at the next
// ticks, once heartbeats tell it (tick.ts). Guest-OS crash is seen only through the Tools heartbeat: a VM without
// Tools (toolsInstalled false) hangs unnoticed until an operator acts (VmFaultInjected.detectable = false).
import { conflict, notFound, type HaEvent, type HaHostFaultKind, type HaVmFaultKind } from '@virtsim/contracts';
import { notRestartedEvents } from './protection.js';
import type { HaState } from './state.js';

export interface InjectHostFault { type: 'InjectHostFault'; hostId: string; kind: HaHostFaultKind; simTime: number }
export interface RecoverHost { type: 'RecoverHost'; hostId: string; simTime: number }
export interface InjectVmFault { type: 'InjectVmFault'; vmId: string; kind: HaVmFaultKind; simTime: number }

const clusterIdOf = (state: HaState): string => state.clusterId ?? '';

export function decideInjectHostFault(cmd: InjectHostFault, state: HaState): HaEvent[] {
  const host = state.hosts[cmd.hostId];
  if (!host) throw notFound('host', cmd.hostId);
  if (host.status === 'off') {
    throw conflict('ha.hostFault', `host ${host.name} (${host.hostId}) is powered off: a fault needs a running host`, { hostId: host.hostId });
  }
  if (host.fault) {
    throw conflict('ha.hostFault', `host ${host.name} (${host.hostId}) already has a ${host.fault} fault: recover it first`, { hostId: host.hostId, fault: host.fault });
  }
  const base = { clusterId: clusterIdOf(state), simTime: cmd.simTime, hostId: host.hostId };
  const events: HaEvent[] = [{ type: 'HostFaultInjected', data: { ...base, kind: cmd.kind } }];
  if (cmd.kind === 'network-isolation') return events;
  const vmIds = Object.values(state.vms).filter((vm) => vm.hostId === host.hostId && vm.status === 'running').map((vm) => vm.vmId).sort();
  if (vmIds.length > 0) {
    const what = cmd.kind === 'power-loss' ? 'lost power' : 'hypervisor crashed';
    const reason = `host ${host.name} ${what}: its ${vmIds.length} running VMs stopped with it`;
    events.push({ type: 'VmsDownOnHost', data: { ...base, vmIds, reason, staleCopies: false } });
    // HA off on the cluster: no tick will look at them (tick.ts), so the why-not is said now
    if (!state.policy.enabled) events.push(...notRestartedEvents(state, host.hostId, vmIds, 'cluster-ha-off', cmd.simTime));
  }
  return events;
}

export function decideRecoverHost(cmd: RecoverHost, state: HaState): HaEvent[] {
  const host = state.hosts[cmd.hostId];
  if (!host) throw notFound('host', cmd.hostId);
  if (!host.fault) throw conflict('ha.recover', `host ${host.name} (${host.hostId}) has no injected fault to recover from`, { hostId: host.hostId });
  // The host answers heartbeats again from the next tick; HostRecovered and stale-copy clean-up happen there.
  return [{ type: 'HostFaultCleared', data: { clusterId: clusterIdOf(state), simTime: cmd.simTime, hostId: host.hostId, kind: host.fault } }];
}

export function decideInjectVmFault(cmd: InjectVmFault, state: HaState): HaEvent[] {
  const vm = state.vms[cmd.vmId];
  if (!vm) throw notFound('vm', cmd.vmId);
  if (vm.status !== 'running' || vm.hostId === null) {
    throw conflict('ha.vmFault', `VM ${vm.name} (${vm.vmId}) is ${vm.status}: only a running VM can crash`, { vmId: vm.vmId, status: vm.status });
  }
  if (vm.fault) throw conflict('ha.vmFault', `VM ${vm.name} (${vm.vmId}) already has a ${vm.fault.kind} pending detection`, { vmId: vm.vmId });
  const detectable = cmd.kind === 'vmm-process-crash' || vm.toolsInstalled;
  const reason = cmd.kind === 'vmm-process-crash'
    ? 'VMM process exited: the hypervisor sees it at once'
    : detectable
      ? 'guest OS hung: detected when the Tools heartbeat stops'
      : 'guest OS hung without Tools installed: no Tools heartbeat, HA cannot detect it';
  return [{ type: 'VmFaultInjected', data: { clusterId: clusterIdOf(state), simTime: cmd.simTime, vmId: vm.vmId, hostId: vm.hostId, kind: cmd.kind, detectable, reason } }];
}
