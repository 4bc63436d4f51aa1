// Cost of one I/O request on each device path (I2-I4), and the Dom0 contention of a host (C2).
//
// emulated (QEMU): every register access of the request traps: VM -> hypervisor exit, hypervisor ->
//   QEMU and back (two more context switches), QEMU emulates the register; plus the completion EOI exit.
//   One QEMU thread serialises the emulation, so a device handles at most hostHz / cycles-per-request.
// virtio (virtio / Xen PV): requests go into a shared-memory ring; the requests in flight (Little's law:
//   iops x native latency, at most the queue depth) ride one batch, announced by one kick (eventfd) and
//   answered by one interrupt. The Dom0 / vhost back-end thread spends per-request and per-batch cycles.
// passthrough (VT-d): DMA through the IOMMU, posted interrupts, no exits, no back-end, native limits.
// Shared back-end contention: emulated and virtio work runs on Dom0's reserved CPU; when a host's sum
// exceeds the budget, every shared device on that host runs at budget / demand (its iops scale down and
// its latency up). Passthrough devices never touch Dom0 and are unaffected.
import type { IoDeviceMode } from '@virtsim/contracts';
import {
  EMULATED_ACCESSES_PER_REQUEST, EMULATED_COMPLETION_EXITS, NATIVE_DEVICE, PASSTHROUGH_EXITS_PER_REQUEST, PASSTHROUGH_LATENCY_FACTOR,
  QEMU_CYCLES_PER_ACCESS, VIRTIO_BACKEND_CYCLES_PER_BATCH, VIRTIO_BACKEND_CYCLES_PER_REQUEST, VIRTIO_EXITS_PER_BATCH, VIRTIO_QUEUE_DEPTH, VM_EXIT_CYCLES,
} from './costs.js';
// Math and Infinity bound once: global lookups are slow inside sandboxed (vm) contexts such as jest's.
const { min, max, round } = Math;
const INFINITE = Infinity;

export type IoPathKind = 'disk' | 'nic' | 'floppy';

export interface IoRequestLoad {
  /** requests per second the guest issues on this device */
  iops: number;
  ioSizeKiB: number;
  readRatio: number;
}

export interface DevicePathCost {
  /** VM exits per request (fractional for virtio: exits per batch / batch) */
  exitsPerRequest: number;
  /** PIO/MMIO accesses trapped per request */
  trappedAccessesPerRequest: number;
  /** context switches per request: VM <-> hypervisor (exit + entry) and QEMU <-> hypervisor */
  vmHypervisorSwitches: number;
  qemuHypervisorSwitches: number;
  batchSize: number;
  /** Dom0 / QEMU / vhost cycles per request */
  backendCyclesPerRequest: number;
  /** path cycles added to each request's latency */
  overheadCyclesPerRequest: number;
  /** iops the path sustains before the native device limit (Infinity for passthrough) */
  pathCapacityIops: number;
  latencyFactor: number;
  /** served by Dom0's shared back-end */
  shared: boolean;
}

export const nativeLatencyUs = (kind: IoPathKind, readRatio: number): number =>
  readRatio * NATIVE_DEVICE[kind].readLatencyUs + (1 - readRatio) * NATIVE_DEVICE[kind].writeLatencyUs;

export const nativeCapacityIops = (kind: IoPathKind, ioSizeKiB: number): number =>
  min(NATIVE_DEVICE[kind].maxIops, (NATIVE_DEVICE[kind].maxMiBps * 1024) / ioSizeKiB);

export function virtioBatchSize(iops: number, latencyUs: number): number {
  return min(VIRTIO_QUEUE_DEPTH, max(1, round((iops * latencyUs) / 1e6)));
}

/** Per-request cost of one device path; `model` is the disk bus / NIC model (selects the emulated register count). */
export function devicePathCost(mode: IoDeviceMode, model: string, kind: IoPathKind, load: IoRequestLoad, hostMhz: number): DevicePathCost {
  const hz = hostMhz * 1e6;
  if (mode === 'emulated') {
    const accesses = EMULATED_ACCESSES_PER_REQUEST[kind === 'floppy' ? 'floppy' : model] ?? EMULATED_ACCESSES_PER_REQUEST.scsi;
    const exits = accesses + EMULATED_COMPLETION_EXITS;
    const backend = accesses * QEMU_CYCLES_PER_ACCESS;
    const overhead = exits * VM_EXIT_CYCLES + backend;
    return {
      exitsPerRequest: exits, trappedAccessesPerRequest: accesses, vmHypervisorSwitches: 2 * exits, qemuHypervisorSwitches: 2 * accesses,
      batchSize: 1, backendCyclesPerRequest: backend, overheadCyclesPerRequest: overhead, pathCapacityIops: hz / overhead, latencyFactor: 1, shared: true,
    };
  }
  if (mode === 'virtio') {
    const batch = virtioBatchSize(load.iops, nativeLatencyUs(kind, load.readRatio));
    const backend = VIRTIO_BACKEND_CYCLES_PER_REQUEST + VIRTIO_BACKEND_CYCLES_PER_BATCH / batch;
    const exits = VIRTIO_EXITS_PER_BATCH / batch;
    return {
      exitsPerRequest: exits, trappedAccessesPerRequest: 1 / batch, vmHypervisorSwitches: 2 * exits, qemuHypervisorSwitches: 0,
      batchSize: batch, backendCyclesPerRequest: backend,
      overheadCyclesPerRequest: VIRTIO_EXITS_PER_BATCH * VM_EXIT_CYCLES + VIRTIO_BACKEND_CYCLES_PER_BATCH + VIRTIO_BACKEND_CYCLES_PER_REQUEST,
      pathCapacityIops: hz / backend, latencyFactor: 1, shared: true,
    };
  }
  return {
    exitsPerRequest: PASSTHROUGH_EXITS_PER_REQUEST, trappedAccessesPerRequest: 0, vmHypervisorSwitches: 0, qemuHypervisorSwitches: 0,
    batchSize: 1, backendCyclesPerRequest: 0, overheadCyclesPerRequest: 0, pathCapacityIops: INFINITE, latencyFactor: PASSTHROUGH_LATENCY_FACTOR, shared: false,
  };
}

/** A device's figures before host contention. */
export interface DeviceLoadFigures {
  cost: DevicePathCost;
  iops: number;
  latencyUs: number;
  throughputMiBps: number;
  exitsPerSecond: number;
  dom0CpuMhz: number;
  exitCpuMhz: number;
}

export function deviceLoad(mode: IoDeviceMode, model: string, kind: IoPathKind, load: IoRequestLoad, hostMhz: number): DeviceLoadFigures {
  const cost = devicePathCost(mode, model, kind, load, hostMhz);
  const capacity = min(nativeCapacityIops(kind, load.ioSizeKiB), cost.pathCapacityIops);
  const iops = min(load.iops, capacity);
  const queueing = load.iops > capacity ? load.iops / capacity : 1;
  const latencyUs = (nativeLatencyUs(kind, load.readRatio) * cost.latencyFactor + cost.overheadCyclesPerRequest / hostMhz) * queueing;
  return withRate(cost, iops, latencyUs, load.ioSizeKiB);
}

function withRate(cost: DevicePathCost, iops: number, latencyUs: number, ioSizeKiB: number): DeviceLoadFigures {
  const exitsPerSecond = iops * cost.exitsPerRequest;
  return {
    cost, iops, latencyUs, throughputMiBps: (iops * ioSizeKiB) / 1024, exitsPerSecond,
    dom0CpuMhz: (iops * cost.backendCyclesPerRequest) / 1e6, exitCpuMhz: (exitsPerSecond * VM_EXIT_CYCLES) / 1e6,
  };
}

/** Fraction of its demand a shared back-end device gets on a host: 1 until Dom0's budget is exceeded. */
export const contentionFactor = (dom0DemandMhz: number, dom0BudgetMhz: number): number =>
  dom0DemandMhz > dom0BudgetMhz && dom0DemandMhz > 0 ? dom0BudgetMhz / dom0DemandMhz : 1;
