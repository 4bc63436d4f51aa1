// evolve for the memory state. evolveAll copies the records once per batch and then writes copy-on-write,
// so a tick of thousands of reclamation events costs O(events), not O(events x VMs); it never mutates its
// input. evolveInPlace applies events to the given state itself, O(1) per event (the service's projection,
// which owns its state); both give the same result. `evolve` (one event) is the Decider form for tests.
import type { HostSpec, MemoryExtent, NumaPlacement, VmSpec } from '@virtsim/contracts';
import { freeChunks, hpaLayout, normalChunks, poolChunks, type ChunkRuns } from './hpa.js';
import { CHUNK_MIB, chunksOf, hypervisorMiB, vmCapacityMiB } from './overhead.js';
import { pageContentProfile } from './sharing.js';
import { clusterPolicy, initialMemoryState, POWERED_ON, type MemHost, type MemoryInputEvent, type MemoryState, type MemVm } from './state.js';
import { splitByNodes } from './numa.js';
import { hostNumaNodes } from './numa-layout.js';
import { translationModeOf } from './translation-cost.js';
import { cowRecord } from '../shared/record.js';

/** hosts / vms: records already copied in this batch; null = the draft owns every record (in place) */
interface Draft { s: MemoryState; hosts: Set<string> | null; vms: Set<string> | null }

export function evolveAll(state: MemoryState, events: readonly MemoryInputEvent[]): MemoryState {
  const d: Draft = { s: { clusters: { ...state.clusters }, hosts: { ...state.hosts }, vms: { ...state.vms } }, hosts: new Set(), vms: new Set() };
  for (const e of events) apply(d, e);
  return d.s;
}

/** Apply events to `state` itself (mutates and returns it). For a state nobody else holds. */
export function evolveInPlace(state: MemoryState, events: readonly MemoryInputEvent[]): MemoryState {
  const d: Draft = { s: state, hosts: null, vms: null };
  for (const e of events) apply(d, e);
  return state;
}

/** A copy-on-write overlay of `state` for plans that must see their own decisions one after another (a
 *  tick's moves, then its reclamation): `apply` as often as needed, `state` is never touched. One O(hosts)
 *  copy of the cluster and host maps when made (the VMs copy on write, cowRecord), then O(1) per event. */
export function overlay(state: MemoryState): { state: MemoryState; apply: (events: readonly MemoryInputEvent[]) => void } {
  // the VMs (thousands) copy-on-write by key: a reserve-memory batch makes one overlay per request
  const d: Draft = { s: { clusters: { ...state.clusters }, hosts: { ...state.hosts }, vms: cowRecord(state.vms) }, hosts: new Set(), vms: new Set() };
  return { state: d.s, apply: (events) => { for (const e of events) apply(d, e); } };
}

export const evolve = (state: MemoryState, event: MemoryInputEvent): MemoryState => evolveAll(state, [event]);
export const foldMemory = (events: readonly MemoryInputEvent[]): MemoryState => evolveAll(initialMemoryState(), events);

function host(d: Draft, id: string): MemHost | undefined {
  const h = d.s.hosts[id];
  if (!h || !d.hosts || d.hosts.has(id)) return h;
  d.hosts.add(id);
  return (d.s.hosts[id] = { ...h, nodes: h.nodes.map((n) => ({ ...n })), vmIds: [...h.vmIds] });
}

function vm(d: Draft, id: string): MemVm | undefined {
  const v = d.s.vms[id];
  if (!v || !d.vms || d.vms.has(id)) return v;
  d.vms.add(id);
  return (d.s.vms[id] = { ...v });
}

export function newMemHost(hostId: string, clusterId: string, spec: HostSpec): MemHost {
  const hv = hypervisorMiB(spec);
  const pool = spec.hugePagesMiB ?? 0;
  const capacity = vmCapacityMiB(spec.memoryMiB, hv, pool);
  const numa = hostNumaNodes(spec);
  const nodes = numa.length;
  const layout = hpaLayout(hostId, spec.memoryMiB, hv, pool);
  const split = (total: number, i: number) => Math.floor(total / nodes) + (i === 0 ? total % nodes : 0);
  // P4: a node's VM memory is the one layout's (memory/numa-layout.ts, the scheduler places by it too); the
  // huge-page pool is interleaved evenly over the nodes (Linux nr_hugepages) and kept apart from it.
  return {
    hostId, clusterId, physicalMiB: spec.memoryMiB, hypervisorMiB: hv, hugePoolMiB: pool, capacityMiB: capacity,
    swapMiB: spec.swap?.sizeMiB ?? spec.memoryMiB, swapDatastore: spec.swap?.datastore ?? spec.datastores?.[0]?.name ?? null,
    hypervisorType: spec.hypervisor.type,
    translation: translationModeOf(spec),
    freeState: 'high', configuredMiB: 0, reservedMiB: 0, overheadMiB: 0, hugeUsedMiB: 0,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      capacityMiB: Math.max(0, numa[i]!.vmMemoryMiB - 2 * split(pool / 2, i)), hugePoolMiB: 2 * split(pool / 2, i), configuredMiB: 0, reservedMiB: 0, hugeUsedMiB: 0,
    })),
    vmIds: [], layout,
    freeNormal: normalChunks(layout) > 0 ? [[0, normalChunks(layout)]] : [],
    freeHuge: poolChunks(layout) > 0 ? [[0, poolChunks(layout)]] : [],
  };
}

function newMemVm(vmId: string, spec: VmSpec, seed: number): MemVm {
  return {
    vmId, clusterId: spec.clusterId, vcpus: spec.vcpus, memoryMiB: spec.memoryMiB, reservationMiB: spec.memoryReservationMiB ?? 0,
    guestOs: spec.guestOs, toolsInstalled: spec.toolsInstalled ?? false, wantsHugePages: spec.hugePages ?? false,
    workload: spec.workload ?? null, power: 'creating', hostId: null, numa: null, hugeBacked: false, overheadMiB: 0,
    extents: [], pageProfile: pageContentProfile(vmId, spec.guestOs, seed), sharedMiB: 0, balloonedMiB: 0, swappedMiB: 0,
    touchedMiB: 0, touchedAt: null,
  };
}

/** Remove the given extents' logical chunks from a free list. */
export function takeChunks(free: ChunkRuns, extents: readonly MemoryExtent[]): ChunkRuns {
  let runs = free;
  for (const [, start, count] of extents) {
    const next: ChunkRuns = [];
    for (const [s, c] of runs) {
      const end = s + c, tEnd = start + count;
      if (tEnd <= s || start >= end) { next.push([s, c]); continue; }
      if (start > s) next.push([s, start - s]);
      if (tEnd < end) next.push([tEnd, end - tEnd]);
    }
    runs = next;
  }
  return runs;
}

function attach(h: MemHost, v: MemVm): void {
  const numa = v.numa ?? { nodes: [0], memoryMiBPerNode: [v.memoryMiB], vcpusPerNode: [v.vcpus] };
  const reserved = splitByNodes(v.reservationMiB, numa);
  numa.nodes.forEach((node, i) => {
    const n = h.nodes[node];
    if (!n) return;
    if (v.hugeBacked) n.hugeUsedMiB += numa.memoryMiBPerNode[i] ?? 0;
    else { n.configuredMiB += numa.memoryMiBPerNode[i] ?? 0; n.reservedMiB += reserved[i] ?? 0; }
  });
  h.overheadMiB += v.overheadMiB;
  if (v.hugeBacked) { h.hugeUsedMiB += chunksOf(v.memoryMiB) * CHUNK_MIB; h.freeHuge = takeChunks(h.freeHuge, v.extents); }
  else { h.configuredMiB += v.memoryMiB; h.reservedMiB += v.reservationMiB; h.freeNormal = takeChunks(h.freeNormal, v.extents); }
  const at = sortedIndex(h.vmIds, v.vmId);
  if (h.vmIds[at] !== v.vmId) h.vmIds.splice(at, 0, v.vmId);
}

function detach(h: MemHost, v: MemVm): void {
  const numa = v.numa ?? { nodes: [0], memoryMiBPerNode: [v.memoryMiB], vcpusPerNode: [v.vcpus] };
  const reserved = splitByNodes(v.reservationMiB, numa);
  numa.nodes.forEach((node, i) => {
    const n = h.nodes[node];
    if (!n) return;
    if (v.hugeBacked) n.hugeUsedMiB -= numa.memoryMiBPerNode[i] ?? 0;
    else { n.configuredMiB -= numa.memoryMiBPerNode[i] ?? 0; n.reservedMiB -= reserved[i] ?? 0; }
  });
  h.overheadMiB -= v.overheadMiB;
  if (v.hugeBacked) { h.hugeUsedMiB -= chunksOf(v.memoryMiB) * CHUNK_MIB; h.freeHuge = freeChunks(h.freeHuge, v.extents); }
  else { h.configuredMiB -= v.memoryMiB; h.reservedMiB -= v.reservationMiB; h.freeNormal = freeChunks(h.freeNormal, v.extents); }
  const at = sortedIndex(h.vmIds, v.vmId);
  if (h.vmIds[at] === v.vmId) h.vmIds.splice(at, 1);
}

function sortedIndex(ids: readonly string[], id: string): number {
  let lo = 0, hi = ids.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (ids[mid]! < id) lo = mid + 1; else hi = mid; }
  return lo;
}

const resetReclamation = (v: MemVm): void => { v.sharedMiB = 0; v.balloonedMiB = 0; v.swappedMiB = 0; };

function release(d: Draft, vmId: string): MemVm | undefined {
  const v = vm(d, vmId);
  if (!v) return undefined;
  const h = v.hostId ? host(d, v.hostId) : undefined;
  if (h) detach(h, v);
  Object.assign(v, { hostId: null, numa: null, extents: [], hugeBacked: false, overheadMiB: 0 });
  resetReclamation(v);
  return v;
}

function place(d: Draft, v: MemVm, hostId: string, numa: NumaPlacement, extents: MemoryExtent[], hugeBacked: boolean, overheadMiB: number): void {
  Object.assign(v, { hostId, numa, extents, hugeBacked, overheadMiB });
  const h = host(d, hostId);
  if (h) attach(h, v);
}

function apply(d: Draft, e: MemoryInputEvent): void {
  switch (e.type) {
    case 'ClusterCreated': {
      const { memoryOvercommit, memoryOvercommitRatio, seed } = e.data.spec;
      d.s.clusters[e.data.clusterId] = { overcommit: memoryOvercommit ?? false, overcommitRatio: memoryOvercommitRatio ?? 1.5, seed: seed ?? 1 };
      return;
    }
    case 'ClusterPolicyChanged': {
      const c = d.s.clusters[e.data.clusterId];
      if (!c) return;
      const p = e.data.patch;
      d.s.clusters[e.data.clusterId] = {
        overcommit: p.memoryOvercommit ?? c.overcommit, overcommitRatio: p.memoryOvercommitRatio ?? c.overcommitRatio, seed: p.seed ?? c.seed,
      };
      return;
    }
    case 'HostAdded':
      d.s.hosts[e.data.hostId] = newMemHost(e.data.hostId, e.data.clusterId, e.data.spec);
      d.hosts?.add(e.data.hostId);
      return;
    case 'VmCreationRequested':
      d.s.vms[e.data.vmId] = newMemVm(e.data.vmId, e.data.spec, clusterPolicy(d.s, e.data.spec.clusterId).seed);
      d.vms?.add(e.data.vmId);
      return;
    case 'VmStateChanged': {
      const v = vm(d, e.data.vmId);
      if (!v) return;
      v.power = e.data.to;
      // a stopped or suspended guest keeps nothing resident: it touches its memory again when it runs (M4)
      if (!POWERED_ON.has(e.data.to)) { v.touchedMiB = 0; v.touchedAt = null; }
      return;
    }
    case 'VmDeleted':
    case 'VmCreationFailed':
      release(d, e.data.vmId);
      delete d.s.vms[e.data.vmId];
      return;
    case 'VmMemoryReserved': {
      const x = e.data;
      const v = release(d, x.vmId) ?? (d.s.vms[x.vmId] = { ...newMemVm(x.vmId, {
        name: x.vmId, clusterId: x.clusterId, vcpus: x.vcpus, memoryMiB: x.memoryMiB, guestOs: x.guestOs,
      } as VmSpec, clusterPolicy(d.s, x.clusterId).seed) });
      d.vms?.add(x.vmId);
      Object.assign(v, { clusterId: x.clusterId, vcpus: x.vcpus, memoryMiB: x.memoryMiB, reservationMiB: x.reservationMiB, guestOs: x.guestOs,
        toolsInstalled: x.toolsInstalled, wantsHugePages: x.wantsHugePages,
        pageProfile: pageContentProfile(x.vmId, x.guestOs, clusterPolicy(d.s, x.clusterId).seed) });
      place(d, v, x.hostId, x.numa, x.extents, x.hugeBacked, x.overheadMiB);
      return;
    }
    case 'VmMemoryReleased':
      release(d, e.data.vmId);
      return;
    case 'VmMemoryMoved': {
      const v = release(d, e.data.vmId);
      if (v) place(d, v, e.data.toHostId, e.data.numa, e.data.extents, e.data.hugeBacked, e.data.overheadMiB);
      return;
    }
    case 'VmMemoryResized': {
      const v = vm(d, e.data.vmId);
      if (!v) return;
      const h = v.hostId ? host(d, v.hostId) : undefined;
      if (h) detach(h, v);
      Object.assign(v, { memoryMiB: e.data.toMiB, overheadMiB: e.data.overheadMiB, extents: e.data.extents, numa: e.data.numa ?? v.numa });
      if (h) attach(h, v);
      return;
    }
    case 'HostMemoryStateChanged': {
      const h = host(d, e.data.hostId);
      if (h) h.freeState = e.data.to;
      return;
    }
    case 'PagesShared': { const v = vm(d, e.data.vmId); if (v) v.sharedMiB = e.data.sharedMiB; return; }
    case 'BalloonInflated':
    case 'BalloonDeflated': { const v = vm(d, e.data.vmId); if (v) v.balloonedMiB = e.data.balloonedMiB; return; }
    case 'MemorySwappedOut':
    case 'MemorySwappedIn': { const v = vm(d, e.data.vmId); if (v) v.swappedMiB = e.data.swappedMiB; return; }
    case 'GuestMemoryTouched': { const v = vm(d, e.data.vmId); if (v) { v.touchedMiB = e.data.touchedMiB; v.touchedAt = e.data.at; } return; }
    default:
      return;
  }
}

/** The host as if the VM were not on it (admission of a resize counts the VM's new size only once). */
export function hostWithoutVm(h: MemHost, v: MemVm): MemHost {
  const copy: MemHost = { ...h, nodes: h.nodes.map((n) => ({ ...n })), vmIds: [...h.vmIds] };
  detach(copy, v);
  return copy;
}
