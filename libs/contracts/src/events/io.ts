// I/O virtualization events, owned by io-backend (Dom0): virtual devices, the XenStore-like device registry,
// passthrough / vGPU assignment and per-tick I/O figures (features I1-I6, F1, F3, C2).
import type { GuestOs, PciDeviceSpec, WorkloadProfile } from '../specs.js';
import type { EventOf } from './envelope.js';

/** XenBus states of a front-end or back-end entry (xen/include/public/io/xenbus.h, values 1..6). */
export type XenbusState = 'Initialising' | 'InitWait' | 'Initialised' | 'Connected' | 'Closing' | 'Closed';
/** XenStore device class: vbd block, vif network, pci assigned function, vgpu mediated slice. */
export type IoDeviceClass = 'vbd' | 'vif' | 'pci' | 'vgpu';
/** How the guest reaches the device: QEMU emulation, paravirtual ring (virtio / Xen PV), VT-d assignment, vGPU slice. */
export type IoDeviceMode = 'emulated' | 'virtio' | 'passthrough' | 'vgpu';
export type IoDeviceKind = 'disk' | 'nic' | 'gpu' | 'floppy';
/** Where a guest's PV drivers come from (F1): in the OS, in the vendor Tools, or a custom build for that version. */
export type IoPvDriverSource = 'inbox' | 'tools' | 'custom';

export interface IoDevice {
  /** unique within the VM: disk-0, nic-1, gpu-0, floppy-0 */
  deviceId: string;
  kind: IoDeviceKind;
  /** disk bus, NIC model, GPU mode or 'floppy', as configured */
  model: string;
  mode: IoDeviceMode;
  /** the name the guest shows: /dev/vda, Disk 0, eth0, Ethernet 2, /dev/fd0, A: */
  guestName: string;
  deviceClass: IoDeviceClass;
  /** XenStore device id (Xen vbd-interface encoding for vbd, index otherwise) */
  devId: number;
  /** host PCI function index held by a passthrough device or a vGPU slice, else null */
  pciIndex: number | null;
  /** host PCI device model behind a passthrough / vGPU device, else null */
  hostModel: string | null;
  vgpuProfile: string | null;
  frontend: XenbusState;
  backend: XenbusState;
}

export interface IoGuest {
  os: GuestOs;
  toolsInstalled: boolean;
  /** a virtio-drivers floppy was attached at install (Windows Setup loads the block driver from it) */
  virtioFloppy: boolean;
}

export interface IoHostPciFunction {
  pciIndex: number;
  /** BDF-style address, e.g. 0000:01:00.0 */
  address: string;
  kind: PciDeviceSpec['kind'];
  model: string;
  vgpuProfiles: string[];
}

export interface IoUnboundDevice { deviceId: string; guestName: string; reason: string }

export interface IoDeviceFigures {
  deviceId: string;
  mode: IoDeviceMode;
  exitsPerRequest: number;
  /** VM exits in the tick (exits per second x tick seconds) */
  exits: number;
  iops: number;
  latencyUs: number;
  throughputMiBps: number;
  dom0CpuMhz: number;
}
export interface IoVmFigures {
  vmId: string;
  iops: number;
  throughputMiBps: number;
  latencyUs: number;
  exitsPerSecond: number;
  dom0CpuMhz: number;
  /** hypervisor CPU spent on VM exits of this VM's I/O (counts in host CPU load) */
  exitCpuMhz: number;
  devices: IoDeviceFigures[];
}
export interface IoHostFigures {
  dom0BudgetMhz: number;
  /** back-end work asked of Dom0 before contention */
  dom0DemandMhz: number;
  dom0CpuMhz: number;
  exitCpuMhz: number;
  /** 1 = no contention; < 1 = shared back-end devices run at this fraction */
  contentionFactor: number;
}

export type IoEvent =
  | EventOf<'IoHostRegistered', { hostId: string; product: 'kvm' | 'xen' | 'esx' | 'workstation'; mhz: number; iommu: boolean; assignableSlots: number; dom0BudgetMhz: number; pci: IoHostPciFunction[] }>
  | EventOf<'IoDevicesAttached', { vmId: string; hostId: string; domId: number; guest: IoGuest; workload: WorkloadProfile | null; devices: IoDevice[] }>
  | EventOf<'IoDevicesDiscovered', { vmId: string; hostId: string; domId: number; connected: string[]; unbound: IoUnboundDevice[] }>
  | EventOf<'IoDevicesClosed', { vmId: string; hostId: string; domId: number }>
  | EventOf<'IoDevicesDetached', { vmId: string; hostId: string; reason: string; releasedPci: number[] }>
  | EventOf<'IoDevicesMoved', { vmId: string; fromHostId: string; toHostId: string; domId: number; reason: IoMoveReason; devices: IoDevice[] }>
  | EventOf<'IoGuestToolsInstalled', { vmId: string }>
  | EventOf<'IoStatsChanged', { hostId: string; simTime: number; host: IoHostFigures; vms: IoVmFigures[] }>;

export type IoMoveReason = 'live-migration' | 'cold-migration' | 'ha-restart' | 'import';

/** Every io event type, listed once as a Record over the union: a new event that is not added here fails to
 *  compile, and the io-backend folds exactly these (its guard is built from them). */
const IO_TYPES: Record<IoEvent['type'], true> = {
  IoHostRegistered: true, IoDevicesAttached: true, IoDevicesDiscovered: true, IoDevicesClosed: true, IoDevicesDetached: true,
  IoDevicesMoved: true, IoGuestToolsInstalled: true, IoStatsChanged: true,
};
export const IO_EVENT_TYPES = Object.keys(IO_TYPES) as IoEvent['type'][];
