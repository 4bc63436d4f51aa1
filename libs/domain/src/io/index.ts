// io context (features I1-I6, F1, F3, C2 for I/O): virtual devices, XenStore-like registry, PV drivers,
// passthrough and vGPU, and the per-tick I/O cost model with Dom0 contention.
//
// Driving it from a service shell:
//   state = fold(ioDecider, events)  with the io events (IoEvent) plus inventory HostAdded (optional: it
//     lets freeVgpuProfiles / equivalentDeviceFree see hosts no VM has used yet).
//   creation saga: AttachDevices (compensation DetachDevices); VmDeleted -> DetachDevices.
//   VM power-on -> DiscoverDevices (may refuse io.virtioDriverMissing); power-off -> CloseDevices.
//   VmRelocated -> MoveDevices (live-migration refuses io.passthroughPinned; ask canLiveMigrate first).
//   every tick -> SampleIo {simTime, tickSeconds, scenarioSeed}: IoStatsChanged per host on change.
//   queries: vmDevices / registryOf (GET /vms/:id), freeVgpuProfiles, equivalentDeviceFree (HA),
//     canLiveMigrate (migration), clusterIoFigures (current figures, e.g. host CPU load from Dom0/exits).
import type { IoDevice } from '@virtsim/contracts';
import { vmOf, type IoState } from './state.js';

export * from './costs.js';
export { driveLetters, linuxDiskPrefix, nameDisks, guestDeviceModel, nicName, floppyName, gpuName, vbdDevId } from './naming.js';
export { pvDriverSource, missingPvDriver } from './guest-drivers.js';
export { defaultVgpuProfile, equivalentDeviceFree, freeVgpuProfiles, planPci, profileFramebufferGiB, vgpuSlicesPerGpu, type FreeVgpuProfile, type PciRequest, type PciAllocation } from './host-pci.js';
export { specDevices, bindPci, diskMode, nicMode } from './devices.js';
export { XENBUS_STATE_VALUE, frontendPath, backendPath, registryOf, connectWalk, closeWalk, type XenstoreEntry, type XenbusWalk } from './xenbus.js';
export { devicePathCost, deviceLoad, contentionFactor, nativeLatencyUs, nativeCapacityIops, virtioBatchSize, type DevicePathCost, type DeviceLoadFigures, type IoRequestLoad } from './cost-model.js';
export { ioTick, hostIoFigures, vmIoDemand, clusterIoFigures, vmFiguresChanged, hostFiguresChanged, type IoTickInput, type HostIoFigures } from './tick.js';
export { evolveIo, evolveIoInPlace, overlay, type IoInputEvent } from './evolve.js';
export { ioDecider, decideIo, canLiveMigrate, type IoCommand, type BlockingDevice } from './decider.js';
export { initialIoState, hostRegistration, vmOf, allVms, vmBucket, VM_BUCKETS, type IoState, type IoHostState, type IoVmState, type IoPciFunctionState, type IoVgpuState } from './state.js';

/** A VM's devices with their guest names and registry states ([] when none attached). */
export const vmDevices = (state: IoState, vmId: string): IoDevice[] => vmOf(state, vmId)?.devices ?? [];
