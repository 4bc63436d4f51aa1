// Memory state of one cluster (or more): hosts with their accounting and HPA free lists, VMs with their
// placement, backing and reclamation figures. Plain JSON; evolve never mutates its input.
//
// Fed events: ClusterCreated, ClusterPolicyChanged, HostAdded, VmCreationRequested, VmStateChanged,
// VmDeleted and VmCreationFailed (both release what the VM still holds), plus every MemoryEvent.
// VmReconfigured is ignored: memory size changes only through this context's VmMemoryResized.
import type { GuestOs, InventoryEvent, MemoryEvent, MemoryExtent, MemoryFreeState, NumaPlacement, VmState, WorkloadProfile } from '@virtsim/contracts';
import type { ChunkRuns, HpaLayout } from './hpa.js';
import type { PageContentProfile } from './sharing.js';

export interface MemClusterPolicy { overcommit: boolean; overcommitRatio: number; seed: number }

export interface MemNode {
  /** normal memory of the node (VM capacity / nodes) and its share of the huge-page pool */
  capacityMiB: number;
  hugePoolMiB: number;
  configuredMiB: number;
  reservedMiB: number;
  hugeUsedMiB: number;
}

export interface MemHost {
  hostId: string;
  clusterId: string;
  physicalMiB: number;
  hypervisorMiB: number;
  hugePoolMiB: number;
  /** VM capacity: physical - hypervisor - huge-page pool */
  capacityMiB: number;
  /** swap space (M4): its size; swapping stops when the VMs' swapped pages fill it */
  swapMiB: number;
  swapDatastore: string | null;
  hypervisorType: 'type1' | 'type2';
  /** how GPA -> HPA is kept: hardware 2-D walk (ept: Intel, npt: AMD) or VMM-kept shadow tables */
  translation: 'ept' | 'npt' | 'shadow';
  freeState: MemoryFreeState;
  /** sums over VMs reserved on the host (running or not): normal-page memory, reservations, overheads */
  configuredMiB: number;
  reservedMiB: number;
  overheadMiB: number;
  hugeUsedMiB: number;
  nodes: MemNode[];
  /** reserved VMs, sorted by id */
  vmIds: string[];
  layout: HpaLayout;
  freeNormal: ChunkRuns;
  freeHuge: ChunkRuns;
}

export interface MemVm {
  vmId: string;
  clusterId: string;
  vcpus: number;
  memoryMiB: number;
  reservationMiB: number;
  guestOs: GuestOs;
  toolsInstalled: boolean;
  wantsHugePages: boolean;
  workload: WorkloadProfile | null;
  power: VmState;
  hostId: string | null;
  numa: NumaPlacement | null;
  hugeBacked: boolean;
  overheadMiB: number;
  extents: MemoryExtent[];
  /** page-content profile for sharing, fixed when the VM is created or reserved (cluster seed at that time) */
  pageProfile: PageContentProfile;
  sharedMiB: number;
  balloonedMiB: number;
  swappedMiB: number;
  /** memory the guest has touched since it powered on (high-water mark of its active set): only that is resident
   *  (M4); 0 until the first tick after power-on, and again once it stops */
  touchedMiB: number;
  /** simulated time of the last GuestMemoryTouched (null: none since power-on) */
  touchedAt: number | null;
}

export interface MemoryState {
  clusters: Record<string, MemClusterPolicy>;
  hosts: Record<string, MemHost>;
  vms: Record<string, MemVm>;
}

export type MemoryInputEvent = MemoryEvent | InventoryEvent;

export const initialMemoryState = (): MemoryState => ({ clusters: {}, hosts: {}, vms: {} });

/** Powered-on VMs hold host memory; a stopped, suspended or failed VM keeps only its reservation (admission). */
export const POWERED_ON: ReadonlySet<VmState> = new Set<VmState>(['starting', 'running', 'stopping', 'migrating']);

export const DEFAULT_CLUSTER_POLICY: MemClusterPolicy = { overcommit: false, overcommitRatio: 1.5, seed: 1 };
export const clusterPolicy = (s: MemoryState, clusterId: string): MemClusterPolicy => s.clusters[clusterId] ?? DEFAULT_CLUSTER_POLICY;
