// DRS load metrics (F9): host CPU load, cluster imbalance, recommendation priority, migration cost.
//
// Host load = sum of its active VMs' CPU load / host MHz. Load of a VM = its entitlement plus the Dom0 back-end
// CPU spent on its I/O (the caller's systemMhz map: cpu/charged-overhead.ts dom0Mhz; it moves with the VM and is
// counted once, here, not in the VM's demand). Entitlement of a VM = its demand (the caller's map: the charged
// demand, workload + virtualization overhead, cpu/charged-overhead.ts; else its workload's nominal cpuDemandMhz,
// else 500 MHz), capped by vCPUs x core MHz and by its limit, raised to its reservation. Imbalance = population standard deviation of the loads of usable hosts: the
// "current host load standard deviation" of vSphere DRS (Gulati et al., "VMware Distributed Resource
// Management: Design, Implementation, and Lessons Learned", VMware Technical Journal 1(1), 2012).
import type { VmSpec, VmState } from '@virtsim/contracts';
import { DEFAULT_WORKLOAD } from '../shared/workload.js';
import { isUsable, type PlacementHost, type PlacementState, type PlacementVm } from './model.js';

/** VM states whose CPU counts toward host load. */
export const ACTIVE_VM_STATES: readonly VmState[] = ['starting', 'running', 'migrating', 'stopping'];

export function vmEntitlementMhz(spec: VmSpec, host: PlacementHost, demandMhz?: number): number {
  const demand = demandMhz ?? spec.workload?.cpuDemandMhz ?? DEFAULT_WORKLOAD.cpuDemandMhz;
  const cap = Math.min(spec.vcpus * host.spec.cpu.mhz, spec.cpuLimitMhz ?? Infinity);
  return Math.max(spec.cpuReservationMhz ?? 0, Math.min(demand, cap));
}

/** F9 / F10 with issue 15's charge: the VM's entitlement plus the Dom0 back-end work done on its behalf. */
export const vmLoadMhz = (spec: VmSpec, host: PlacementHost, demandMhz?: number, systemMhz?: number): number =>
  vmEntitlementMhz(spec, host, demandMhz) + Math.max(0, systemMhz ?? 0);

export interface ClusterLoad {
  /** usable hosts in decision order (name, id) */
  hostIds: string[];
  /** entitled MHz per host id (usable hosts and hosts in maintenance) */
  mhz: Record<string, number>;
  /** active VMs per host id, sorted by id */
  vmsByHost: Record<string, string[]>;
}

/** One O(VMs) pass over the cluster. Give it the real state, not a scratch copy (see scratchCopy). */
export function clusterLoad(
  state: PlacementState, clusterId: string, demandMhz: Readonly<Record<string, number>> = {}, systemMhz: Readonly<Record<string, number>> = {},
): ClusterLoad {
  const cluster = state.clusters[clusterId];
  const hostIds = (cluster?.hostIds ?? []).filter((id) => isUsable(state.hosts[id]!));
  const mhz: Record<string, number> = {};
  const vmsByHost: Record<string, string[]> = {};
  for (const id of cluster?.hostIds ?? []) { mhz[id] = 0; vmsByHost[id] = []; }
  for (const vmId in state.vms) {
    const vm = state.vms[vmId]!;
    if (vm.clusterId !== clusterId || vm.hostId === null || !ACTIVE_VM_STATES.includes(vm.state)) continue;
    const host = state.hosts[vm.hostId];
    if (!host || mhz[host.id] === undefined) continue;
    mhz[host.id]! += vmLoadMhz(vm.spec, host, demandMhz[vm.id], systemMhz[vm.id]);
    vmsByHost[host.id]!.push(vm.id);
  }
  for (const id of Object.keys(vmsByHost)) vmsByHost[id]!.sort();
  return { hostIds, mhz, vmsByHost };
}

export function standardDeviation(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

export const hostLoadOf = (state: PlacementState, load: ClusterLoad, hostId: string): number =>
  load.mhz[hostId]! / Math.max(1, state.hosts[hostId]!.mhz);

export const imbalanceOf = (state: PlacementState, load: ClusterLoad): number =>
  standardDeviation(load.hostIds.map((id) => hostLoadOf(state, load, id)));

/** F9 recommendation priority, VMware's published formula (KB "Calculating the priority level of a
 *  VMware DRS migration recommendation"): priority = 6 - ceil((imbalance / 0.1) x sqrt(hosts)), clamped to 2..5
 *  for load balancing (1 is for mandatory moves). The sqrt(N) multiplies: the standard deviation of N loads
 *  shrinks as the cluster grows, so a bigger cluster gets a smaller tolerance, not a larger one. Worked example
 *  from the KB: two hosts at loads 0.7 and 0.3 (sd 0.2): 0.2 / 0.1 x 1.414 = 2.83 -> ceil 3 -> priority 3. */
export function balancePriority(imbalance: number, hosts: number): number {
  const scaled = (imbalance / 0.1) * Math.sqrt(Math.max(1, hosts));
  return Math.min(5, Math.max(2, 6 - Math.ceil(scaled - 1e-9)));
}

/** The largest imbalance threshold t tolerates: a move is recommended while priority <= t, i.e. while
 *  imbalance > (5 - t) x 0.1 / sqrt(hosts). 3 hosts, threshold 3 -> 0.115; 16 hosts -> 0.05. */
export const targetImbalance = (threshold: number, hosts: number): number => (Math.max(0, 5 - threshold) * 0.1) / Math.sqrt(Math.max(1, hosts));

/** Imbalance units charged per GiB a migration copies, for a one-host cluster. The charge is divided by the
 *  number of usable hosts, because one move changes the standard deviation of n loads by O(1/n): without it a
 *  128-host cluster could never pay for a move. 3 hosts: a 4 GiB VM dirtying 10 MiB/s over 10 Gb/s copies
 *  ~4.03 GiB -> cost 0.01 x 4.03 / 3 = 0.0134, so the move must cut the imbalance by more than that. */
export const DEFAULT_COST_PER_GIB = 0.01;

/** Memory a live migration copies: the memory once plus what the guest dirties meanwhile (pre-copy, F8). */
export function preCopyMiB(memoryMiB: number, dirtyRateMiBps: number, gbps: number): number {
  const bandwidthMiBps = (gbps * 1e9) / 8 / 1048576;
  return memoryMiB + dirtyRateMiBps * (memoryMiB / bandwidthMiBps);
}

export const vmDirtyRateMiBps = (vm: PlacementVm, given?: number): number =>
  given ?? vm.spec.workload?.dirtyRateMiBps ?? DEFAULT_WORKLOAD.dirtyRateMiBps;

export const migrationGbps = (from: PlacementHost, to: PlacementHost): number =>
  Math.min(from.spec.migrationNetworkGbps ?? 10, to.spec.migrationNetworkGbps ?? 10);

export const migrationCopyMiB = (vm: PlacementVm, from: PlacementHost, to: PlacementHost, dirtyRateMiBps?: number): number =>
  preCopyMiB(vm.spec.memoryMiB, vmDirtyRateMiBps(vm, dirtyRateMiBps), migrationGbps(from, to));

export const migrationCost = (copyMiB: number, hosts: number, costPerGiB = DEFAULT_COST_PER_GIB): number =>
  ((copyMiB / 1024) * costPerGiB) / Math.max(1, hosts);
