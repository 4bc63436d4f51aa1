// vCPU scheduling per tick (P3): proportional-share entitlement by water-filling, ready time, time slices.
//
//   scheduleHostCpu(host, options?) -> HostCpuSchedule                     O(n log n) in the host's VMs
//   scheduleClusterCpu(hosts, vms, options?) -> HostCpuSchedule[]          groups VMs by hostId, sorted by hostId
//   hostCpuSchedulingInput(hostId, capacity) -> the host part of the input from hostCpuCapacity()
//
// Entitlement (the brief's rule): each VM's cap = min(limit, demand, vcpus x mhzPerThread). Reservations are
// served first (min(reservation, cap): reserved-but-idle MHz is lent to others, as ESXi does); the remaining
// capacity is split in proportion to shares and a VM never gets more than its cap; what a capped VM cannot use
// is poured back to the others (water-filling). A reservation is thus a floor added before shares, not
// max(reservation, share) as in ESXi's entitlement: a reserved VM keeps its share of the rest too.
// Admission (capacity.ts) keeps reservations within capacity; if they ever exceed it they are scaled down.
// usage = entitlement (entitlement never exceeds demand).
// ready % = unserved demand / demand (demand held back by a limit counts, like ESXi's "max limited" ready)
// + a time-slice contention term when the active vCPUs outnumber threads
// (costs.ts CONTENTION_READY_FACTOR). Slices: usage / mhzPerThread thread-seconds over the tick, in TIME_SLICE_MS.
import { invalid } from '@virtsim/contracts';
import { CONTENTION_READY_FACTOR, TIME_SLICE_MS } from './costs.js';
import type { HostCpuCapacity } from './capacity.js';

export interface VmCpuDemand {
  vmId: string;
  vcpus: number;
  demandMhz: number;
  shares: number;
  reservationMhz: number;
  limitMhz?: number;
}
export interface HostCpuSchedulingInput {
  hostId: string;
  threads: number;
  mhzPerThread: number;
  /** MHz VMs can be given (HostCpuCapacity.availableMhz) */
  capacityMhz: number;
  vms: readonly VmCpuDemand[];
}
export interface SchedulingOptions { tickSeconds?: number; sliceMs?: number }

export interface VmCpuSchedule {
  vmId: string; vcpus: number; demandMhz: number; entitlementMhz: number; usageMhz: number; readyPercent: number; slices: number;
}
export interface HostCpuSchedule {
  hostId: string; capacityMhz: number; threads: number; totalVcpus: number; demandMhz: number; usageMhz: number;
  utilizationPercent: number; sliceMs: number; slicesAvailable: number; vms: VmCpuSchedule[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export const hostCpuSchedulingInput = (hostId: string, c: Pick<HostCpuCapacity, 'threads' | 'mhzPerThread' | 'availableMhz'>, vms: readonly VmCpuDemand[] = []): HostCpuSchedulingInput =>
  ({ hostId, threads: c.threads, mhzPerThread: c.mhzPerThread, capacityMhz: c.availableMhz, vms });

/** Water-filling: returns each VM's entitlement in input order. */
export function waterFill(capacityMhz: number, vms: readonly { cap: number; reservation: number; shares: number }[]): number[] {
  const base = vms.map((v) => Math.min(Math.max(0, v.reservation), v.cap));
  const reserved = base.reduce((a, b) => a + b, 0);
  if (reserved > capacityMhz) return base.map((b) => (b * capacityMhz) / reserved);
  const out = base.slice();
  let remaining = capacityMhz - reserved;
  // Fill the VMs that saturate first (smallest headroom per share); the rest share what is left by shares.
  const order = vms.map((_, i) => i).filter((i) => vms[i]!.cap > base[i]!)
    .sort((a, b) => (vms[a]!.cap - base[a]!) / vms[a]!.shares - (vms[b]!.cap - base[b]!) / vms[b]!.shares || a - b);
  let sharesLeft = order.reduce((a, i) => a + vms[i]!.shares, 0);
  for (const i of order) {
    const headroom = vms[i]!.cap - base[i]!;
    const fair = (remaining * vms[i]!.shares) / sharesLeft;
    const grant = Math.min(headroom, fair);
    out[i] = base[i]! + grant;
    remaining -= grant;
    sharesLeft -= vms[i]!.shares;
  }
  return out;
}

function validate(host: HostCpuSchedulingInput): void {
  if (!(host.threads > 0 && host.mhzPerThread > 0 && host.capacityMhz >= 0)) throw invalid(`host ${host.hostId} needs threads > 0, mhzPerThread > 0 and capacityMhz >= 0`);
  for (const v of host.vms) {
    if (!(v.shares > 0) || !(v.vcpus > 0) || !(v.demandMhz >= 0) || !(v.reservationMhz >= 0) || (v.limitMhz !== undefined && !(v.limitMhz >= 0))) {
      throw invalid(`VM ${v.vmId} on host ${host.hostId} needs shares > 0, vcpus > 0 and non-negative demand, reservation and limit`);
    }
  }
}

export function scheduleHostCpu(host: HostCpuSchedulingInput, options: SchedulingOptions = {}): HostCpuSchedule {
  validate(host);
  const tickSeconds = options.tickSeconds ?? 10;
  const sliceMs = options.sliceMs ?? TIME_SLICE_MS;
  const vms = [...host.vms].sort((a, b) => (a.vmId < b.vmId ? -1 : a.vmId > b.vmId ? 1 : 0));
  const caps = vms.map((v) => Math.min(v.limitMhz ?? Infinity, v.demandMhz, v.vcpus * host.mhzPerThread));
  const ent = waterFill(host.capacityMhz, vms.map((v, i) => ({ cap: caps[i]!, reservation: v.reservationMhz, shares: v.shares })));
  const demandMhz = vms.reduce((a, v) => a + v.demandMhz, 0);
  const usageMhz = ent.reduce((a, e) => a + e, 0);
  const utilization = host.capacityMhz > 0 ? usageMhz / host.capacityMhz : 0;
  const totalVcpus = vms.reduce((a, v) => a + v.vcpus, 0);
  const activeVcpus = vms.reduce((a, v) => a + (v.demandMhz > 0 ? v.vcpus : 0), 0);
  const contention = activeVcpus > host.threads ? 100 * CONTENTION_READY_FACTOR * utilization * (1 - host.threads / activeVcpus) : 0;
  const slicesPerMhz = (tickSeconds * 1000) / sliceMs / host.mhzPerThread;
  return {
    hostId: host.hostId, capacityMhz: host.capacityMhz, threads: host.threads, totalVcpus,
    demandMhz: r1(demandMhz), usageMhz: r1(usageMhz), utilizationPercent: r2(utilization * 100), sliceMs,
    slicesAvailable: Math.floor(host.capacityMhz * slicesPerMhz),
    vms: vms.map((v, i) => ({
      vmId: v.vmId, vcpus: v.vcpus, demandMhz: r1(v.demandMhz), entitlementMhz: r1(ent[i]!), usageMhz: r1(ent[i]!),
      readyPercent: v.demandMhz > 0 ? r2(Math.min(100, (100 * (v.demandMhz - ent[i]!)) / v.demandMhz + contention)) : 0,
      slices: Math.round(ent[i]! * slicesPerMhz),
    })),
  };
}

export function scheduleClusterCpu(
  hosts: readonly Omit<HostCpuSchedulingInput, 'vms'>[], vms: readonly (VmCpuDemand & { hostId: string })[], options: SchedulingOptions = {},
): HostCpuSchedule[] {
  const byHost = new Map<string, VmCpuDemand[]>();
  for (const h of hosts) {
    if (byHost.has(h.hostId)) throw invalid(`host ${h.hostId} listed twice`);
    byHost.set(h.hostId, []);
  }
  for (const vm of vms) {
    const list = byHost.get(vm.hostId);
    if (!list) throw invalid(`VM ${vm.vmId} runs on host ${vm.hostId}, which is not being scheduled`);
    list.push(vm);
  }
  return [...hosts].sort((a, b) => (a.hostId < b.hostId ? -1 : 1)).map((h) => scheduleHostCpu({ ...h, vms: byHost.get(h.hostId)! }, options));
}
