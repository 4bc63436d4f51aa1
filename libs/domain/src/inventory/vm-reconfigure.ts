// Online CPU / memory change (F4): PATCH /vms/:id {vcpus?, memoryMiB?}.
//
// Rules (seed part 2, item 4, with the F1 table in guest-os.ts):
// - stopped or failed VMs take any change at once;
// - a running VM needs a mainstream guest with its PV drivers in place (inbox, or Tools / vendor drivers
//   installed: `toolsInstalled`), otherwise conflict 'vm.onlineChange' / 'vm.pvDriversMissing';
// - memory grows online (Linux and Windows); shrinking it online is refused ('vm.memoryShrinkOnline'): guests
//   cannot hot-remove DIMMs, the balloon (memory context) is how a running guest gives memory back;
// - vCPUs grow online on Linux; on Windows the new count is recorded as pendingVcpus and applied when the VM
//   next passes through off (restart, stop, start; vm-lifecycle.ts). Fewer vCPUs on a running VM are pending
//   for every guest: vSphere and FusionCompute do not hot-remove vCPUs.
// - vCPUs never exceed the threads of the VM's host (P1): unprocessable 'vm.vcpusExceedHost'.
// Result: one VmReconfigured with the effective vcpus / memoryMiB and the pending vCPUs (null: none), or [] when
// nothing changes. Other states (creating, starting, stopping, suspended, migrating) refuse with 'vm.state'.
import { conflict, invalid, unprocessable } from '@virtsim/contracts';
import type { InventoryEvent } from '@virtsim/contracts';
import { guestOsSupport } from './guest-os.js';
import type { InventoryView, VmView } from './view.js';

export interface ReconfigureVmCommand { type: 'ReconfigureVm'; vmId: string; vcpus?: number; memoryMiB?: number }

export function reconfigureVm(view: InventoryView, vm: VmView, command: ReconfigureVmCommand): InventoryEvent[] {
  assertPositiveInt('vcpus', command.vcpus);
  assertPositiveInt('memoryMiB', command.memoryMiB);
  const wantedVcpus = command.vcpus ?? vm.pendingVcpus ?? vm.spec.vcpus;
  const wantedMemory = command.memoryMiB ?? vm.spec.memoryMiB;
  assertFitsHost(view, vm, wantedVcpus);
  const next = vm.state === 'stopped' || vm.state === 'failed'
    ? { vcpus: wantedVcpus, memoryMiB: wantedMemory, pendingVcpus: null }
    : vm.state === 'running'
      ? onlineChange(vm, wantedVcpus, wantedMemory)
      : refuseState(vm);
  if (next.vcpus === vm.spec.vcpus && next.memoryMiB === vm.spec.memoryMiB && next.pendingVcpus === vm.pendingVcpus) return [];
  return [{ type: 'VmReconfigured', data: { vmId: vm.id, clusterId: vm.clusterId, ...next } }];
}

interface Config { vcpus: number; memoryMiB: number; pendingVcpus: number | null }

function onlineChange(vm: VmView, wantedVcpus: number, wantedMemory: number): Config {
  const current = vm.spec;
  const vcpusChange = wantedVcpus !== (vm.pendingVcpus ?? current.vcpus);
  if (!vcpusChange && wantedMemory === current.memoryMiB) return { vcpus: current.vcpus, memoryMiB: current.memoryMiB, pendingVcpus: vm.pendingVcpus };
  const support = guestOsSupport(current.guestOs);
  const guest = `${current.guestOs.family} ${current.guestOs.distro ?? ''} ${current.guestOs.version}`.replace(/\s+/g, ' ');
  if (!support.mainstream) {
    throw conflict('vm.onlineChange', `VM ${current.name} (${vm.id}) runs ${guest}, not a mainstream guest: power it off to change CPU or memory`,
      { vmId: vm.id, guestOs: current.guestOs });
  }
  if (support.pvDrivers !== 'inbox' && !current.toolsInstalled) {
    throw conflict('vm.pvDriversMissing', `VM ${current.name} (${vm.id}) runs ${guest} without Tools: online change needs its PV drivers`,
      { vmId: vm.id });
  }
  if (wantedMemory < current.memoryMiB) {
    throw conflict('vm.memoryShrinkOnline', `VM ${current.name} (${vm.id}) is running: memory cannot shrink online ` +
      `(${current.memoryMiB} -> ${wantedMemory} MiB); power it off first`, { vmId: vm.id, from: current.memoryMiB, to: wantedMemory });
  }
  const online = support.onlineCpu && wantedVcpus >= current.vcpus;
  return {
    vcpus: online ? wantedVcpus : current.vcpus,
    memoryMiB: wantedMemory,
    pendingVcpus: online || wantedVcpus === current.vcpus ? null : wantedVcpus,
  };
}

function refuseState(vm: VmView): never {
  throw conflict('vm.state', `VM ${vm.spec.name} (${vm.id}) is ${vm.state}: CPU and memory change only when running or stopped`,
    { vmId: vm.id, from: vm.state, to: vm.state });
}

function assertFitsHost(view: InventoryView, vm: VmView, vcpus: number): void {
  const host = vm.hostId === null ? undefined : view.hosts[vm.hostId];
  const threads = host?.threads ?? view.clusters[vm.clusterId]?.maxHostThreads ?? 0;
  if (vcpus > threads) {
    throw unprocessable('vm.vcpusExceedHost', `VM ${vm.spec.name} (${vm.id}): ${vcpus} vCPUs exceed the ${threads} threads of ` +
      `${host ? `host ${host.spec.name}` : 'the largest host'}`, { vmId: vm.id, vcpus, threads });
  }
}

function assertPositiveInt(path: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw invalid(`${path} must be a positive integer`, [{ path, message: `got ${value}` }]);
  }
}
