// Incremental per-host accounting (P1): attaching or detaching one VM touches one host and the VM's rules only,
// so no decision ever scans all VMs. These functions MUTATE the state they are given (evolve owns it).
import type { NumaPlacement, VmSpec } from '@virtsim/contracts';
import { applyGpuAssignments, assignGpus } from './devices.js';
import type { GpuAssignment, PlacementHost, PlacementState, PlacementVm } from './model.js';
import { numaCostFactor, numaPlacementFor } from './numa.js';
import { vmChargedDemand } from '../cpu/charged-overhead.js';
import { DEFAULT_WORKLOAD } from '../shared/workload.js';
import { vmOverheadMiB } from '../memory/overhead.js';

/** Issue 15 (placement sees the charge): a VM's nominal CPU on a host, its workload profile at load factor 1 plus
 *  what virtualization adds there (cpu/charged-overhead.ts) and the Dom0 back-end work of its I/O. */
export function nominalChargedMhz(host: PlacementHost, spec: VmSpec, numa: NumaPlacement | null, vmId = ''): number {
  const w = { ...DEFAULT_WORKLOAD, ...spec.workload };
  const c = vmChargedDemand({
    vmId, spec, host: host.spec, numaFactor: numa ? numaCostFactor(numa) : 1, memorySlowdown: 1,
    sample: { cpuDemandMhz: w.cpuDemandMhz, activeMemoryMiB: w.activeMemoryMiB, dirtyRateMiBps: w.dirtyRateMiBps, iops: w.iops, ioSizeKiB: w.ioSizeKiB, readRatio: w.readRatio },
  });
  return c.demandMhz + c.dom0Mhz;
}

/** Huge-page pool use: on a host with a pool every VM is backed by it (seed, M3); a VM asking for huge
 *  pages only goes to such hosts (filter in filters.ts). */
export const hugePagesDemandMiB = (host: PlacementHost, spec: VmSpec): number => (host.spec.hugePagesMiB > 0 ? spec.memoryMiB : 0);

/** M4 (one truth with memory-manager): the memory overhead a VM holds on a host, with the page tables of the pages
 *  it is backed by there (huge on a pool host); admission asks for the 4 KiB figure (`admittedOverheadMiB`). */
export const heldOverheadMiB = (host: PlacementHost, spec: VmSpec): number => vmOverheadMiB(spec.vcpus, spec.memoryMiB, host.spec.hugePagesMiB > 0);
export const admittedOverheadMiB = (spec: VmSpec): number => vmOverheadMiB(spec.vcpus, spec.memoryMiB);

function addToHost(host: PlacementHost, vm: PlacementVm, sign: 1 | -1): void {
  const a = host.alloc;
  const s = vm.spec;
  a.vmCount += sign;
  a.vcpus += sign * s.vcpus;
  a.reservedMhz += sign * (s.cpuReservationMhz ?? 0);
  a.memoryMiB += sign * s.memoryMiB;
  a.reservedMemoryMiB += sign * (s.memoryReservationMiB ?? 0);
  a.hugePagesMiB += sign * hugePagesDemandMiB(host, s);
  a.overheadMiB += sign * heldOverheadMiB(host, s);
  const numa = vm.numa;
  if (numa) {
    numa.nodes.forEach((node, i) => {
      if (node >= a.numaVcpus.length) return;
      a.numaVcpus[node]! += sign * numa.vcpusPerNode[i]!;
      a.numaMemoryMiB[node]! += sign * numa.memoryMiBPerNode[i]!;
    });
  }
  applyGpuAssignments(a.gpus, vm.id, vm.gpus, sign === 1);
  a.chargedMhz = Math.max(0, Math.round((a.chargedMhz + sign * nominalChargedMhz(host, s, numa, vm.id)) * 10) / 10);
}

function countInRules(state: PlacementState, vmId: string, hostId: string, delta: 1 | -1): void {
  for (const ruleId of state.vmRules[vmId] ?? []) {
    const rule = state.rules[ruleId];
    if (!rule) continue;
    const n = (rule.hostCounts[hostId] ?? 0) + delta;
    if (n > 0) rule.hostCounts[hostId] = n;
    else delete rule.hostCounts[hostId];
  }
}

/** Put a known VM on a host. GPU slots are chosen deterministically (lowest index) when not given, so every
 *  replica of the state picks the same devices from the same VmPlaced event. */
export function attachVm(state: PlacementState, vmId: string, hostId: string, numa: NumaPlacement | null, gpus?: GpuAssignment[]): void {
  const vm = state.vms[vmId];
  const host = state.hosts[hostId];
  if (!vm || !host) return;
  if (vm.hostId !== null) detachVm(state, vmId);
  const assigned = gpus ?? assignGpus(host.spec, host.alloc.gpus, vm.spec.gpus ?? []) ?? [];
  const placed: PlacementVm = { ...vm, hostId, numa: numa ?? numaPlacementFor(host, vm.spec), gpus: assigned };
  state.vms[vmId] = placed;
  addToHost(host, placed, 1);
  countInRules(state, vmId, hostId, 1);
}

/** Take a VM off its host (release, deletion, or the first half of a relocation). */
export function detachVm(state: PlacementState, vmId: string): void {
  const vm = state.vms[vmId];
  if (!vm || vm.hostId === null) return;
  const host = state.hosts[vm.hostId];
  if (host) addToHost(host, vm, -1);
  countInRules(state, vmId, vm.hostId, -1);
  state.vms[vmId] = { ...vm, hostId: null, numa: null, gpus: [], brokenShouldRules: [] };
}

/** A scratch copy for what-if planning (DRS, DPM): hosts and rules copied deep enough to mutate; VMs are an
 *  overlay whose prototype is the real VM table (reads fall through, writes stay in the copy), so a what-if
 *  costs O(hosts + rules), not O(VMs). Do not enumerate scratch.vms: use the original state for scans. */
export function scratchCopy(state: PlacementState): PlacementState {
  const hosts: PlacementState['hosts'] = {};
  for (const [id, h] of Object.entries(state.hosts)) {
    const a = h.alloc;
    hosts[id] = {
      ...h,
      alloc: { ...a, numaVcpus: [...a.numaVcpus], numaMemoryMiB: [...a.numaMemoryMiB], gpus: a.gpus.map((g) => ({ ...g, vms: [...g.vms] })) },
    };
  }
  const rules: PlacementState['rules'] = {};
  for (const [id, r] of Object.entries(state.rules)) rules[id] = { ...r, hostCounts: { ...r.hostCounts } };
  return { clusters: state.clusters, hosts, vms: Object.create(state.vms) as PlacementState['vms'], rules, vmRules: state.vmRules };
}
