// Per-tick I/O figures of every host (I2-I4, C2) and the IoStatsChanged events worth publishing.
//
// Each running VM's workload (workloadAt) issues iops of ioSizeKiB; they are split evenly over its disks
// and NICs (floppies and GPUs carry none). A device whose front-end has no driver carries nothing (its
// share is lost: a Windows VM with a driverless virtio NIC has no network). One host at a time: the sum
// of its shared back-end work gives the Dom0 contention factor, applied to that host's emulated and
// virtio devices only. Events: one IoStatsChanged per host whose host figures or some VM's figures moved
// by more than SIGNIFICANT_CHANGE since they were last published; a VM that stopped or left reports zeros
// once. A constant workload therefore emits once, then stays silent. Cost: O(VMs x devices) per tick.
import type { IoDeviceMode, IoEvent, IoHostFigures, IoVmFigures } from '@virtsim/contracts';
import { workloadAt } from '../shared/workload.js';
import { SIGNIFICANT_CHANGE } from './costs.js';
import { contentionFactor, deviceLoad, underContention, type DeviceLoadFigures, type IoPathKind } from './cost-model.js';
import type { IoHostState, IoState, IoVmState } from './state.js';

export interface IoTickInput { simTime: number; tickSeconds: number; scenarioSeed: number }
export interface HostIoFigures { hostId: string; host: IoHostFigures; vms: IoVmFigures[] }

const r2 = (x: number): number => Math.round(x * 100) / 100;

interface VmLoad { vm: IoVmState; ioSizeKiB: number; devices: { deviceId: string; mode: IoDeviceMode; figures: DeviceLoadFigures }[] }

function vmLoad(vm: IoVmState, hostMhz: number, input: IoTickInput): VmLoad {
  const w = workloadAt(vm.workload ?? undefined, vm.vmId, input.scenarioSeed, input.simTime);
  const io = vm.devices.filter((d) => d.kind === 'disk' || d.kind === 'nic');
  const load = { iops: io.length > 0 ? w.iops / io.length : 0, ioSizeKiB: w.ioSizeKiB, readRatio: w.readRatio };
  const devices = io.map((d) => {
    const carried = d.frontend === 'Connected' ? load : { ...load, iops: 0 };
    return { deviceId: d.deviceId, mode: d.mode, figures: deviceLoad(d.mode, d.model, d.kind as IoPathKind, carried, hostMhz) };
  });
  return { vm, ioSizeKiB: w.ioSizeKiB, devices };
}

function vmFigures(l: VmLoad, f: number, tickSeconds: number): IoVmFigures {
  let iops = 0, mib = 0, latencyWeighted = 0, exits = 0, dom0 = 0, exitCpu = 0;
  const devices = l.devices.map(({ deviceId, mode, figures }) => {
    const d = underContention(figures, f, l.ioSizeKiB);
    iops += d.iops; mib += d.throughputMiBps; latencyWeighted += d.latencyUs * d.iops; exits += d.exitsPerSecond; dom0 += d.dom0CpuMhz; exitCpu += d.exitCpuMhz;
    return {
      deviceId, mode,
      exitsPerRequest: r2(d.cost.exitsPerRequest), exits: Math.round(d.exitsPerSecond * tickSeconds), iops: r2(d.iops),
      latencyUs: r2(d.iops > 0 ? d.latencyUs : 0), throughputMiBps: r2(d.throughputMiBps), dom0CpuMhz: r2(d.dom0CpuMhz),
    };
  });
  return {
    vmId: l.vm.vmId, iops: r2(iops), throughputMiBps: r2(mib), latencyUs: r2(iops > 0 ? latencyWeighted / iops : 0),
    exitsPerSecond: Math.round(exits), dom0CpuMhz: r2(dom0), exitCpuMhz: r2(exitCpu), devices,
  };
}

/** Full I/O figures of one host this tick (running VMs only, sorted by VM id). */
export function hostIoFigures(state: IoState, host: IoHostState, input: IoTickInput): HostIoFigures {
  const loads: VmLoad[] = [];
  let demand = 0;
  for (const vmId of host.vmIds) {
    const vm = state.vms[vmId];
    if (!vm || !vm.powered) continue;
    const l = vmLoad(vm, host.mhz, input);
    for (const d of l.devices) if (d.figures.cost.shared) demand += d.figures.dom0CpuMhz;
    loads.push(l);
  }
  const f = contentionFactor(demand, host.dom0BudgetMhz);
  const vms = loads.map((l) => vmFigures(l, f, input.tickSeconds));
  let dom0 = 0, exitCpu = 0;
  for (const v of vms) { dom0 += v.dom0CpuMhz; exitCpu += v.exitCpuMhz; }
  return {
    hostId: host.hostId, vms,
    host: { dom0BudgetMhz: host.dom0BudgetMhz, dom0DemandMhz: r2(demand), dom0CpuMhz: r2(dom0), exitCpuMhz: r2(exitCpu), contentionFactor: Math.round(f * 1e4) / 1e4 },
  };
}

/** Full figures of every host, sorted by host id (for queries; ticks use ioTick). */
export function clusterIoFigures(state: IoState, input: IoTickInput): HostIoFigures[] {
  return Object.keys(state.hosts).sort().map((id) => hostIoFigures(state, state.hosts[id], input));
}

const moved = (a: number, b: number, floor: number): boolean => Math.abs(a - b) > Math.max(floor, Math.abs(b) * SIGNIFICANT_CHANGE);

export function vmFiguresChanged(now: IoVmFigures, before: IoVmFigures | undefined): boolean {
  if (!before) return now.iops > 0 || now.dom0CpuMhz > 0;
  return moved(now.iops, before.iops, 1) || moved(now.throughputMiBps, before.throughputMiBps, 0.1) || moved(now.latencyUs, before.latencyUs, 1)
    || moved(now.dom0CpuMhz, before.dom0CpuMhz, 1) || moved(now.exitsPerSecond, before.exitsPerSecond, 10);
}

export function hostFiguresChanged(now: IoHostFigures, before: IoHostFigures | null): boolean {
  if (!before) return now.dom0CpuMhz > 0 || now.exitCpuMhz > 0;
  return moved(now.dom0CpuMhz, before.dom0CpuMhz, 1) || moved(now.exitCpuMhz, before.exitCpuMhz, 1) || Math.abs(now.contentionFactor - before.contentionFactor) > 0.01;
}

export const zeroVmFigures = (vmId: string): IoVmFigures => ({ vmId, iops: 0, throughputMiBps: 0, latencyUs: 0, exitsPerSecond: 0, dom0CpuMhz: 0, exitCpuMhz: 0, devices: [] });

/** The IoStatsChanged events of one tick. */
export function ioTick(state: IoState, input: IoTickInput): IoEvent[] {
  const events: IoEvent[] = [];
  for (const hostId of Object.keys(state.hosts).sort()) {
    const host = state.hosts[hostId];
    const now = hostIoFigures(state, host, input);
    const changed = now.vms.filter((v) => vmFiguresChanged(v, host.reportedVms[v.vmId]));
    const present = new Set(now.vms.map((v) => v.vmId));
    const gone = Object.keys(host.reportedVms).filter((id) => !present.has(id)).sort().map(zeroVmFigures);
    if (changed.length === 0 && gone.length === 0 && !hostFiguresChanged(now.host, host.reported)) continue;
    const vms = [...changed, ...gone].sort((a, b) => (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0));
    events.push({ type: 'IoStatsChanged', data: { hostId, simTime: input.simTime, host: now.host, vms } });
  }
  return events;
}
