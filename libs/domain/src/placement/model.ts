// Cluster placement state: the scheduler's view of hosts, their allocations, VMs and rule groups.
//
// Shape (plain JSON, snapshot- and hash-friendly):
//   clusters[clusterId] = policy (overcommit ratios, IMC baseline, DRS/DPM/HA policy) + sorted hostIds + DPM timers
//   hosts[hostId]       = spec, power, maintenance, available (HA), derived capacity, incremental allocation
//   vms[vmId]           = spec, lifecycle state, hostId, NUMA placement, GPU slots taken
//   rules[ruleId]       = spec + per-host count of placed members (so rule filters never scan the members)
//   vmRules[vmId]       = ids of the rules naming the VM (sorted)
// Capacity is computed here from HostSpec on purpose (P1), not taken from the cpu context.
import { imcFeatures } from '../inventory/imc.js';
import { hostNumaNodes, type NumaNodeSize } from '../memory/numa-layout.js';
import { hypervisorMiB } from '../memory/overhead.js';
import type { ClusterSpec, DpmBand, HostPowerState, HostSpec, NumaPlacement, RuleSpec, VmSpec, VmState } from '@virtsim/contracts';

export interface GpuSlot {
  /** index of the device in HostSpec.pciDevices */
  pciIndex: number;
  /** VM holding the whole GPU (passthrough), or null */
  owner: string | null;
  /** vGPU profile this GPU currently serves (one profile per GPU), or null */
  profile: string | null;
  /** VMs holding a vGPU slice, sorted */
  vms: string[];
}

export interface HostAllocation {
  vmCount: number;
  vcpus: number;
  reservedMhz: number;
  memoryMiB: number;
  reservedMemoryMiB: number;
  hugePagesMiB: number;
  /** M4 / issue 15: the VMs' memory overhead as memory-manager charges it (memory/overhead.ts vmOverheadMiB) */
  overheadMiB: number;
  numaVcpus: number[];
  numaMemoryMiB: number[];
  gpus: GpuSlot[];
  /** issue 15: the VMs' nominal charged CPU (workload profile + virtualization overhead + Dom0 back-end), MHz */
  chargedMhz: number;
}

export interface PlacementHost {
  id: string;
  clusterId: string;
  name: string;
  spec: HostSpec;
  power: HostPowerState;
  maintenance: boolean;
  /** false while HA considers the host failed or isolated (applyHaVerdict) */
  available: boolean;
  /** true while HA declared it isolated with response leave-running: no target, but its VMs keep running there
   *  (they are scheduled and sampled; vSphere: an isolated host's VMs run on unless the response powers them off) */
  isolatedRunning: boolean;
  threads: number;
  /** threads x core MHz (P1: 32 x 2600 = 83,200 MHz) */
  mhz: number;
  /** memory left for VMs after the hypervisor / host OS share */
  usableMemoryMiB: number;
  alloc: HostAllocation;
}

export interface GpuAssignment { pciIndex: number; mode: 'passthrough' | 'vgpu'; profile: string | null }

export interface PlacementVm {
  id: string;
  clusterId: string;
  spec: VmSpec;
  state: VmState;
  hostId: string | null;
  numa: NumaPlacement | null;
  gpus: GpuAssignment[];
  brokenShouldRules: string[];
}

export interface PlacementRule {
  id: string;
  clusterId: string;
  spec: RuleSpec;
  /** placed members per host id (keys with 0 are deleted) */
  hostCounts: Record<string, number>;
  /** compliance as last recorded (RuleComplianceChanged); a new rule starts compliant (compliance.ts) */
  compliance: { compliant: boolean; vmIds: string[] };
}

/** held: `<why>:<hostId>` of the last DpmHostPowerOffHeld in this band window (absent: none), so it is not repeated */
export interface DpmTimers { band: DpmBand; since: number; held?: string }

export interface PlacementCluster {
  id: string;
  spec: ClusterSpec;
  /** hosts sorted by name then id: the deterministic iteration order of every decision */
  hostIds: string[];
  dpm: DpmTimers;
}

export interface PlacementState {
  clusters: Record<string, PlacementCluster>;
  hosts: Record<string, PlacementHost>;
  vms: Record<string, PlacementVm>;
  rules: Record<string, PlacementRule>;
  vmRules: Record<string, string[]>;
}

/** A live migration in flight: anti-affinity treats both ends as taken until it ends (HA.md 5). */
export interface InFlightMigration { vmId: string; sourceHostId: string; targetHostId: string }

export const initialPlacementState = (): PlacementState => ({ clusters: {}, hosts: {}, vms: {}, rules: {}, vmRules: {} });

export const hostThreads = (spec: HostSpec): number => spec.cpu.sockets * spec.cpu.coresPerSocket * spec.cpu.threadsPerCore;

/** Memory the virtualization layer keeps for itself: memory-manager's rule, the one copy (memory/overhead.ts,
 *  C6 / I3): a 128 GiB kvm host keeps 512 + 2 % = 3,134 MiB (placement used to keep 2,621 here, so it placed
 *  VMs that memory-manager then refused). */
export const hostMemoryOverheadMiB = (spec: HostSpec): number => hypervisorMiB(spec);

const numaNodesOf = (spec: HostSpec): number => hostNumaNodes(spec).length;

export function emptyAllocation(spec: HostSpec): HostAllocation {
  const nodes = numaNodesOf(spec);
  const gpus: GpuSlot[] = [];
  (spec.pciDevices ?? []).forEach((d, pciIndex) => { if (d.kind === 'gpu') gpus.push({ pciIndex, owner: null, profile: null, vms: [] }); });
  return {
    vmCount: 0, vcpus: 0, reservedMhz: 0, memoryMiB: 0, reservedMemoryMiB: 0, hugePagesMiB: 0, overheadMiB: 0,
    numaVcpus: new Array<number>(nodes).fill(0), numaMemoryMiB: new Array<number>(nodes).fill(0), gpus, chargedMhz: 0,
  };
}

export function newHost(hostId: string, clusterId: string, spec: HostSpec): PlacementHost {
  const threads = hostThreads(spec);
  return {
    id: hostId, clusterId, name: spec.name, spec, power: 'on', maintenance: false, available: true, isolatedRunning: false,
    threads, mhz: threads * spec.cpu.mhz, usableMemoryMiB: Math.max(0, spec.memoryMiB - hostMemoryOverheadMiB(spec)),
    alloc: emptyAllocation(spec),
  };
}

/** NUMA node sizes (P4): the one layout the memory-manager accounts by too (memory/numa-layout.ts): per node its
 *  threads and the memory VMs can have there. */
export const numaNodeSizes = (host: PlacementHost): readonly NumaNodeSize[] => hostNumaNodes(host.spec);

export const byNameThenId = (a: { name: string; id: string }, b: { name: string; id: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Features an IMC baseline requires: a raw list as given, a named level through inventory's table (F11);
 *  an unknown level (refused by inventory when the cluster was created) requires nothing. */
export function imcBaselineFeatures(baseline: ClusterSpec['imcBaseline']): string[] {
  if (!baseline) return [];
  try {
    return imcFeatures(baseline);
  } catch {
    return [];
  }
}

/** Cluster policy with the ClusterSpec defaults applied (events may carry a spec parsed without defaults). */
export function clusterPolicy(cluster: PlacementCluster) {
  const s = cluster.spec;
  const imc = imcBaselineFeatures(s.imcBaseline);
  return {
    cpuOvercommitRatio: s.cpuOvercommitRatio ?? 4,
    memoryOvercommit: s.memoryOvercommit ?? false,
    memoryOvercommitRatio: s.memoryOvercommitRatio ?? 1.5,
    imcFeatures: imc,
    drsThreshold: s.drs?.threshold ?? 3,
    dpmLowPercent: s.dpm?.lowPercent ?? 45,
    dpmHighPercent: s.dpm?.highPercent ?? 81,
    hostFailuresTolerated: s.ha?.enabled ? (s.ha.hostFailuresTolerated ?? 1) : 0,
  };
}
export type ClusterPolicy = ReturnType<typeof clusterPolicy>;

/** A host that may receive VMs: powered on, up, not in maintenance (HA.md 7). */
export const isUsable = (h: PlacementHost): boolean => h.power === 'on' && h.available && !h.maintenance;

/** A host whose VMs run this tick: powered on and up, or isolated under leave-running (maintenance hosts still
 *  run theirs). A failed or fenced host runs nothing. */
export const runsVms = (h: PlacementHost): boolean => h.power === 'on' && (h.available || h.isolatedRunning);

/** Memory a VM takes from a host's capacity: overcommit allows configured memory up to ratio x usable. */
export function memoryCapacityMiB(host: PlacementHost, policy: ClusterPolicy): number {
  return host.usableMemoryMiB * (policy.memoryOvercommit ? policy.memoryOvercommitRatio : 1);
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
