// The io decider (aggregate: the io-backend of a cluster): device attach / detach in the creation saga,
// discovery at power-on, close at power-off, moves on relocation, Tools install, and the per-tick sample.
//
// Commands:
//   AttachDevices {vmId, hostId, spec, host}  saga step; binds passthrough functions / vGPU slices.
//       Registers the host first (IoHostRegistered) if io has not seen it. Repeating it on the same host
//       is a no-op (saga retry). Refusals: io.passthroughUnavailable, io.passthroughSlotsExhausted,
//       io.iommuRequired, io.busUnsupported, io.ideChannelsFull (unprocessable); io.devicesAttached (conflict).
//   DetachDevices {vmId, reason}               compensation / delete; no-op when nothing is attached.
//   DiscoverDevices {vmId}                     power-on; refuses io.virtioDriverMissing (conflict) when a PV
//       disk has no driver in the guest; a PV NIC without driver is reported unbound (no network).
//   CloseDevices {vmId}                        power-off; no-op when not powered.
//   MoveDevices {vmId, toHostId, toHost, reason}  relocation; live migration of a VM holding passthrough
//       or vGPU devices is refused io.passthroughPinned (conflict); other moves bind equivalent devices on
//       the target (same model / profile) or refuse io.passthroughUnavailable.
//   InstallGuestTools {vmId}                   Tools carry the PV drivers (F1).
//   SampleIo {simTime, tickSeconds, scenarioSeed}  one simulation tick -> IoStatsChanged on significant change.
import { conflict, type HostSpec, type IoEvent, type IoMoveReason, type IoUnboundDevice, type VmSpec, type WorkloadProfile } from '@virtsim/contracts';
import { hash32 } from '../shared/prng.js';
import { DEFAULT_WORKLOAD } from '../shared/workload.js';
import type { Decider } from '../shared/decider.js';
import { bindPci, rehomed, specDevices } from './devices.js';
import { evolveIo, type IoInputEvent } from './evolve.js';
import { missingPvDriver } from './guest-drivers.js';
import { hostRegistration, initialIoState, newHostState, vmOf, type IoHostState, type IoState, type IoVmState } from './state.js';
import { ioTick } from './tick.js';
import { rewritten } from './xenbus.js';

export type IoCommand =
  | { type: 'AttachDevices'; vmId: string; hostId: string; spec: VmSpec; host: HostSpec }
  | { type: 'DetachDevices'; vmId: string; reason: string }
  | { type: 'DiscoverDevices'; vmId: string }
  | { type: 'CloseDevices'; vmId: string }
  | { type: 'MoveDevices'; vmId: string; toHostId: string; toHost: HostSpec; reason: IoMoveReason }
  | { type: 'InstallGuestTools'; vmId: string }
  | { type: 'SampleIo'; simTime: number; tickSeconds: number; scenarioSeed: number };

export interface BlockingDevice { deviceId: string; guestName: string; mode: 'passthrough' | 'vgpu'; hostModel: string | null; pciIndex: number | null }

/** Live migration needs every device to be re-creatable on the target from its state alone: a
 *  passthrough function (SR-IOV VF, whole GPU) or a vGPU slice is bound to this host's hardware
 *  (FusionCompute does not live-migrate GPU VMs), so they block it. */
export function canLiveMigrate(state: IoState, vmId: string): { ok: boolean; blockingDevices: BlockingDevice[] } {
  const vm = vmOf(state, vmId);
  const blockingDevices = (vm?.devices ?? []).filter((d) => d.mode === 'passthrough' || d.mode === 'vgpu').map((d) => ({
    deviceId: d.deviceId, guestName: d.guestName, mode: d.mode as 'passthrough' | 'vgpu', hostModel: d.hostModel, pciIndex: d.pciIndex,
  }));
  return { ok: blockingDevices.length === 0, blockingDevices };
}

function attachedVm(state: IoState, vmId: string): IoVmState {
  const vm = vmOf(state, vmId);
  if (!vm) throw conflict('io.notAttached', `VM ${vmId} has no devices attached`, { vmId });
  return vm;
}

/** The host as io knows it, plus the registration event when it is new. */
function knownHost(state: IoState, hostId: string, spec: HostSpec): { host: IoHostState; events: IoEvent[] } {
  const host = state.hosts[hostId];
  if (host) return { host, events: [] };
  const data = hostRegistration(hostId, spec);
  return { host: newHostState(data), events: [{ type: 'IoHostRegistered', data }] };
}

/** The workload with defaults and its per-VM seed filled in once (workloadAt then skips hashing the id). */
const resolvedWorkload = (vmId: string, w: VmSpec['workload']): WorkloadProfile => ({ ...DEFAULT_WORKLOAD, ...w, seed: w?.seed ?? hash32(vmId) });

function attach(state: IoState, c: Extract<IoCommand, { type: 'AttachDevices' }>): IoEvent[] {
  const existing = vmOf(state, c.vmId);
  if (existing?.hostId === c.hostId) return [];
  if (existing) throw conflict('io.devicesAttached', `VM ${c.vmId} already has devices on host ${existing.hostId}`, { vmId: c.vmId, hostId: existing.hostId });
  const { host, events } = knownHost(state, c.hostId, c.host);
  const devices = bindPci(specDevices(c.vmId, c.spec, host), host, false);
  const guest = { os: c.spec.guestOs, toolsInstalled: c.spec.toolsInstalled, virtioFloppy: c.spec.floppies.some((f) => f.media === 'virtio-drivers') };
  return [...events, { type: 'IoDevicesAttached', data: { vmId: c.vmId, hostId: c.hostId, domId: host.nextDomId, guest, workload: resolvedWorkload(c.vmId, c.spec.workload), devices } }];
}

function discover(state: IoState, vmId: string): IoEvent[] {
  const vm = attachedVm(state, vmId);
  if (vm.powered) return [];
  const pv = vm.devices.filter((d) => d.mode === 'virtio');
  for (const d of pv.filter((x) => x.kind === 'disk')) {
    const missing = missingPvDriver(vm.guest, 'disk');
    if (missing) throw conflict('io.virtioDriverMissing', `VM ${vmId} cannot boot: driver missing for ${d.model} disk ${d.guestName}: ${missing}`, { vmId, deviceId: d.deviceId });
  }
  const unbound: IoUnboundDevice[] = pv.filter((d) => d.kind === 'nic').flatMap((d) => {
    const missing = missingPvDriver(vm.guest, 'nic');
    return missing ? [{ deviceId: d.deviceId, guestName: d.guestName, reason: `NIC ${d.guestName} has no driver, no network: ${missing}` }] : [];
  });
  const skip = new Set(unbound.map((u) => u.deviceId));
  const connected = vm.devices.filter((d) => !skip.has(d.deviceId)).map((d) => d.deviceId);
  return [{ type: 'IoDevicesDiscovered', data: { vmId, hostId: vm.hostId, domId: vm.domId, connected, unbound } }];
}

function move(state: IoState, c: Extract<IoCommand, { type: 'MoveDevices' }>): IoEvent[] {
  const vm = attachedVm(state, c.vmId);
  if (vm.hostId === c.toHostId) return [];
  if (c.reason === 'live-migration') {
    const { blockingDevices } = canLiveMigrate(state, c.vmId);
    if (blockingDevices.length > 0) {
      const names = blockingDevices.map((d) => `${d.guestName} (${d.mode} ${d.hostModel ?? ''})`.replace(' )', ')')).join(', ');
      throw conflict('io.passthroughPinned', `VM ${c.vmId} cannot live-migrate: ${names} is bound to host ${vm.hostId}`, { vmId: c.vmId, hostId: vm.hostId, devices: blockingDevices.map((d) => d.deviceId) });
    }
  }
  const { host, events } = knownHost(state, c.toHostId, c.toHost);
  const live = c.reason === 'live-migration' && vm.powered;
  const devices = bindPci(rehomed(c.vmId, vm.devices, vm.guest.os.family, host), host, true).map((d) => rewritten(d, live));
  return [...events, { type: 'IoDevicesMoved', data: { vmId: c.vmId, fromHostId: vm.hostId, toHostId: c.toHostId, domId: host.nextDomId, reason: c.reason, devices } }];
}

export function decideIo(command: IoCommand, state: IoState): IoEvent[] {
  switch (command.type) {
    case 'AttachDevices':
      return attach(state, command);
    case 'DetachDevices': {
      const vm = vmOf(state, command.vmId);
      if (!vm) return [];
      const releasedPci = vm.devices.flatMap((d) => (d.pciIndex === null ? [] : [d.pciIndex]));
      return [{ type: 'IoDevicesDetached', data: { vmId: vm.vmId, hostId: vm.hostId, reason: command.reason, releasedPci } }];
    }
    case 'DiscoverDevices':
      return discover(state, command.vmId);
    case 'CloseDevices': {
      const vm = attachedVm(state, command.vmId);
      return vm.powered ? [{ type: 'IoDevicesClosed', data: { vmId: vm.vmId, hostId: vm.hostId, domId: vm.domId } }] : [];
    }
    case 'MoveDevices':
      return move(state, command);
    case 'InstallGuestTools': {
      const vm = attachedVm(state, command.vmId);
      return vm.guest.toolsInstalled ? [] : [{ type: 'IoGuestToolsInstalled', data: { vmId: vm.vmId } }];
    }
    case 'SampleIo':
      return ioTick(state, command);
  }
}

export const ioDecider: Decider<IoState, IoCommand, IoInputEvent> = {
  initialState: initialIoState,
  decide: decideIo,
  evolve: evolveIo,
};
