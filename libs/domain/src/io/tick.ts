// Per-tick I/O figures of every host (I2-I4, C2) and the IoStatsChanged events worth publishing.
//
// Each running VM's workload issues iops of ioSizeKiB (workloadAt's iops / ioSizeKiB / readRatio: the
// profile x loadFactor, with the per-VM seed resolved at attach); they are split evenly over its disks
// and NICs (floppies and GPUs carry none). A device whose front-end has no driver carries nothing (its
// share is lost: a Windows VM with a driverless virtio NIC has no network). One host at a time: the sum
// of its shared back-end work gives the Dom0 contention factor, applied to that host's emulated and
// virtio devices only. Events: one IoStatsChanged per host whose host figures or some VM's figures moved
// by more than SIGNIFICANT_CHANGE since they were last published; a VM that stopped or left reports zeros
// once. A constant workload therefore emits once, then stays silent.
// Cost: O(VMs x devices) per tick, numbers only; figure objects are built for the VMs that changed.
import type { IoEvent, IoHostFigures, IoVmFigures, WorkloadProfile } from '@virtsim/contracts';
import { hash32 } from '../shared/prng.js';
import { DEFAULT_WORKLOAD, loadFactor } from '../shared/workload.js';
import { SIGNIFICANT_CHANGE, VM_EXIT_CYCLES } from './costs.js';
import { contentionFactor, deviceLoad, type IoPathKind } from './cost-model.js';
import { vmOf, type IoHostState, type IoState, type IoVmState } from './state.js';

// Math bound once: global lookups are slow inside sandboxed (vm) contexts such as jest's.
const { abs, max, round } = Math;

export interface IoTickInput { simTime: number; tickSeconds: number; scenarioSeed: number }
export interface HostIoFigures { hostId: string; host: IoHostFigures; vms: IoVmFigures[] }

const r2 = (x: number): number => round(x * 100) / 100;

/** A VM's iops, ioSizeKiB and readRatio now: equal to workloadAt's, with the load factor computed once
 *  per pattern per tick (constant and diurnal do not depend on the VM). */
export function vmIoDemand(vmId: string, w: WorkloadProfile | null, input: Omit<IoTickInput, 'tickSeconds'>, diurnal = loadFactor('diurnal', 0, input.simTime)): { iops: number; ioSizeKiB: number; readRatio: number } {
  const p = w ?? DEFAULT_WORKLOAD; // resolved with defaults at attach
  const f = p.pattern === 'diurnal' ? diurnal : p.pattern === 'spiky' ? loadFactor('spiky', (p.seed ?? hash32(vmId)) ^ input.scenarioSeed, input.simTime) : 1;
  return { iops: p.iops * f, ioSizeKiB: p.ioSizeKiB, readRatio: p.readRatio };
}

/** Scratch of one host: per device (flattened over its running VMs) the figures before contention. */
interface HostScratch { vms: IoVmState[]; ioSize: number[]; first: number[]; dev: { id: string; mode: IoVmState['devices'][number]['mode']; shared: boolean; exitsPerReq: number; backendCyc: number; iops: number; latency: number }[] }

function scratchOf(host: IoHostState, lookup: (id: string) => IoVmState | undefined, input: IoTickInput, diurnal: number): { s: HostScratch; demand: number } {
  const s: HostScratch = { vms: [], ioSize: [], first: [], dev: [] };
  let demand = 0;
  for (const vmId of host.vmIds) {
    const vm = lookup(vmId);
    if (!vm || !vm.powered) continue;
    const load = vmIoDemand(vm.vmId, vm.workload, input, diurnal);
    let ioDevices = 0;
    for (const d of vm.devices) if (d.kind === 'disk' || d.kind === 'nic') ioDevices++;
    const share = { iops: ioDevices > 0 ? load.iops / ioDevices : 0, ioSizeKiB: load.ioSizeKiB, readRatio: load.readRatio };
    const none = { ...share, iops: 0 };
    s.vms.push(vm); s.ioSize.push(load.ioSizeKiB); s.first.push(s.dev.length);
    for (const d of vm.devices) {
      if (d.kind !== 'disk' && d.kind !== 'nic') continue;
      const f = deviceLoad(d.mode, d.model, d.kind as IoPathKind, d.frontend === 'Connected' ? share : none, host.mhz);
      if (f.cost.shared) demand += f.dom0CpuMhz;
      s.dev.push({ id: d.deviceId, mode: d.mode, shared: f.cost.shared, exitsPerReq: f.cost.exitsPerRequest, backendCyc: f.cost.backendCyclesPerRequest, iops: f.iops, latency: f.latencyUs });
    }
  }
  s.first.push(s.dev.length);
  return { s, demand };
}

/** The figures of VM i of the scratch under contention factor f; devices only when `detail`. */
function vmFiguresOf(s: HostScratch, i: number, f: number, tickSeconds: number, detail: boolean): IoVmFigures {
  let iops = 0, mib = 0, latencyWeighted = 0, exits = 0, dom0 = 0;
  const devices: IoVmFigures['devices'] = [];
  const ioSize = s.ioSize[i];
  for (let j = s.first[i]; j < s.first[i + 1]; j++) {
    const d = s.dev[j];
    const k = d.shared ? f : 1;
    const dIops = d.iops * k, dLatency = d.latency / k, dExits = dIops * d.exitsPerReq, dDom0 = (dIops * d.backendCyc) / 1e6;
    iops += dIops; mib += (dIops * ioSize) / 1024; latencyWeighted += dLatency * dIops; exits += dExits; dom0 += dDom0;
    if (detail) {
      devices.push({
        deviceId: d.id, mode: d.mode, exitsPerRequest: r2(d.exitsPerReq), exits: round(dExits * tickSeconds), iops: r2(dIops),
        latencyUs: r2(dIops > 0 ? dLatency : 0), throughputMiBps: r2((dIops * ioSize) / 1024), dom0CpuMhz: r2(dDom0),
      });
    }
  }
  return {
    vmId: s.vms[i].vmId, iops: r2(iops), throughputMiBps: r2(mib), latencyUs: r2(iops > 0 ? latencyWeighted / iops : 0),
    exitsPerSecond: round(exits), dom0CpuMhz: r2(dom0), exitCpuMhz: r2((exits * VM_EXIT_CYCLES) / 1e6), devices,
  };
}

function hostFigures(host: IoHostState, demand: number, f: number, vms: readonly IoVmFigures[]): IoHostFigures {
  let dom0 = 0, exitCpu = 0;
  for (const v of vms) { dom0 += v.dom0CpuMhz; exitCpu += v.exitCpuMhz; }
  return { dom0BudgetMhz: host.dom0BudgetMhz, dom0DemandMhz: r2(demand), dom0CpuMhz: r2(dom0), exitCpuMhz: r2(exitCpu), contentionFactor: round(f * 1e4) / 1e4 };
}

const diurnalNow = (input: IoTickInput): number => loadFactor('diurnal', 0, input.simTime);

/** Full I/O figures of one host this tick (running VMs only, sorted by VM id). */
export function hostIoFigures(state: IoState, host: IoHostState, input: IoTickInput): HostIoFigures {
  const { s, demand } = scratchOf(host, (id) => vmOf(state, id), input, diurnalNow(input));
  const f = contentionFactor(demand, host.dom0BudgetMhz);
  const vms = s.vms.map((_, i) => vmFiguresOf(s, i, f, input.tickSeconds, true));
  return { hostId: host.hostId, host: hostFigures(host, demand, f, vms), vms };
}

/** Full figures of every host, sorted by host id (for queries; ticks use ioTick). */
export function clusterIoFigures(state: IoState, input: IoTickInput): HostIoFigures[] {
  return Object.keys(state.hosts).sort().map((id) => hostIoFigures(state, state.hosts[id], input));
}

const moved = (a: number, b: number, floor: number): boolean => abs(a - b) > max(floor, abs(b) * SIGNIFICANT_CHANGE);

export function vmFiguresChanged(now: IoVmFigures, before: IoVmFigures | undefined): boolean {
  if (!before) return now.iops > 0 || now.dom0CpuMhz > 0;
  return moved(now.iops, before.iops, 1) || moved(now.throughputMiBps, before.throughputMiBps, 0.1) || moved(now.latencyUs, before.latencyUs, 1)
    || moved(now.dom0CpuMhz, before.dom0CpuMhz, 1) || moved(now.exitsPerSecond, before.exitsPerSecond, 10);
}

export function hostFiguresChanged(now: IoHostFigures, before: IoHostFigures | null): boolean {
  if (!before) return now.dom0CpuMhz > 0 || now.exitCpuMhz > 0;
  return moved(now.dom0CpuMhz, before.dom0CpuMhz, 1) || moved(now.exitCpuMhz, before.exitCpuMhz, 1) || abs(now.contentionFactor - before.contentionFactor) > 0.01;
}

export const zeroVmFigures = (vmId: string): IoVmFigures => ({ vmId, iops: 0, throughputMiBps: 0, latencyUs: 0, exitsPerSecond: 0, dom0CpuMhz: 0, exitCpuMhz: 0, devices: [] });

/** One pass over the buckets instead of hashing every VM id again. */
function vmIndex(state: IoState): Map<string, IoVmState> {
  const index = new Map<string, IoVmState>();
  for (const key in state.vmBuckets) {
    const bucket = state.vmBuckets[key];
    for (const id in bucket) index.set(id, bucket[id]);
  }
  return index;
}

const byVmId = (a: IoVmFigures, b: IoVmFigures): number => (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0);

/** The IoStatsChanged events of one tick. */
export function ioTick(state: IoState, input: IoTickInput): IoEvent[] {
  const events: IoEvent[] = [];
  const index = vmIndex(state);
  const lookup = (id: string) => index.get(id);
  const diurnal = diurnalNow(input);
  for (const hostId of Object.keys(state.hosts).sort()) {
    const host = state.hosts[hostId];
    const { s, demand } = scratchOf(host, lookup, input, diurnal);
    const f = contentionFactor(demand, host.dom0BudgetMhz);
    const all = s.vms.map((_, i) => vmFiguresOf(s, i, f, input.tickSeconds, false));
    const changed: IoVmFigures[] = [];
    for (let i = 0; i < all.length; i++) if (vmFiguresChanged(all[i], host.reportedVms[all[i].vmId])) changed.push(vmFiguresOf(s, i, f, input.tickSeconds, true));
    const gone: IoVmFigures[] = [];
    for (const id in host.reportedVms) if (!index.has(id) || index.get(id)!.hostId !== hostId || !index.get(id)!.powered) gone.push(zeroVmFigures(id));
    const hostNow = hostFigures(host, demand, f, all);
    if (changed.length === 0 && gone.length === 0 && !hostFiguresChanged(hostNow, host.reported)) continue;
    events.push({ type: 'IoStatsChanged', data: { hostId, simTime: input.simTime, host: hostNow, vms: [...changed, ...gone].sort(byVmId) } });
  }
  return events;
}
