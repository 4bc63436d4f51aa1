// Initial placement and re-placement of one VM (P1, P4, F6, F11, F12).
//
//   placeVm(state, request) -> PlacementDecision           throws VirtsimError:
//     not-found 'cluster' | unprocessable 'placement.noHost' with details.filters [{filter, rejected}] (HTTP 422)
//   vmPlacedEvent(decision, reason) -> VmPlaced
//
// Hosts pass the filters of filters.ts; among survivors, hosts that break the fewest vm-host-should rules win
// (a should rule is broken only when nothing else fits), then preferHost if it survived, then the weigher:
//   'balance' (default): least loaded after placement, load = max(vCPU share of overcommit capacity,
//                        memory share of memory capacity, charged CPU share of the host's MHz: the VMs' nominal
//                        workload plus virtualization overhead and Dom0 back-end work, issue 15)
//   'pack':              most loaded after placement (consolidation, frees hosts for DPM)
// Ties by host name then id (HA.md 9). A VM that is already placed is being re-placed: its current host is
// excluded. Cost: O(hosts x (VM's rules + NUMA nodes + GPUs)), no scan of VMs.
import { notFound, unprocessable, type EventOf, type NumaPlacement, type PlacementEvent, type PlacementFilterName, type PlacementFilterRejection, type VmSpec } from '@virtsim/contracts';
import { checkHost, FILTER_REASONS, PLACEMENT_FILTERS, type FilterContext } from './filters.js';
import { clusterPolicy, memoryCapacityMiB, type ClusterPolicy, type GpuAssignment, type InFlightMigration, type PlacementHost, type PlacementState } from './model.js';
import { nominalChargedMhz } from './accounting.js';
import { numaPlacementFor } from './numa.js';
import { brokenShouldRules } from './rules.js';

export type PlacementWeigher = 'balance' | 'pack';

export interface PlaceVmRequest {
  vmId: string;
  spec: VmSpec;
  excludeHosts?: readonly string[];
  preferHost?: string;
  weigher?: PlacementWeigher;
  migrations?: readonly InFlightMigration[];
}

export interface PlacementDecision {
  vmId: string;
  clusterId: string;
  hostId: string;
  numa: NumaPlacement;
  gpus: GpuAssignment[];
  brokenShouldRules: string[];
  /** load of the chosen host after placement (0..1+) */
  loadAfter: number;
}

/** Host load once the VM is on it: the scarcest of vCPU, memory and charged CPU capacity. The charged term makes
 *  an emulated-I/O VM weigh more than the same VM with virtio (issue 15); give `chargedMhz` to use it. */
export function loadAfterPlacement(host: PlacementHost, spec: Pick<VmSpec, 'vcpus' | 'memoryMiB'>, policy: ClusterPolicy, chargedMhz = 0): number {
  const cpu = (host.alloc.vcpus + spec.vcpus) / (host.threads * policy.cpuOvercommitRatio);
  const memCap = memoryCapacityMiB(host, policy);
  const mem = memCap > 0 ? (host.alloc.memoryMiB + spec.memoryMiB) / memCap : 1;
  const charged = host.mhz > 0 ? ((host.alloc.chargedMhz ?? 0) + chargedMhz) / host.mhz : 0;
  return Math.max(cpu, mem, charged);
}

interface Candidate { host: PlacementHost; numa: NumaPlacement | null; gpus: GpuAssignment[]; broken: string[]; load: number }

const LOAD_EPSILON = 1e-9;

/** Fewest broken should rules, then preferHost, then the weigher; ties keep the earlier host (name, id order). */
function isBetter(c: Candidate, best: Candidate, request: PlaceVmRequest): boolean {
  if (c.broken.length !== best.broken.length) return c.broken.length < best.broken.length;
  if (request.preferHost !== undefined && (c.host.id === request.preferHost) !== (best.host.id === request.preferHost)) {
    return c.host.id === request.preferHost;
  }
  if (Math.abs(c.load - best.load) <= LOAD_EPSILON) return false;
  return request.weigher === 'pack' ? c.load > best.load : c.load < best.load;
}

export function placeVm(state: PlacementState, request: PlaceVmRequest): PlacementDecision {
  const { vmId, spec } = request;
  const cluster = state.clusters[spec.clusterId];
  if (!cluster) throw notFound('cluster', spec.clusterId);
  const policy = clusterPolicy(cluster);
  const excluded = new Set(request.excludeHosts ?? []);
  const current = state.vms[vmId]?.hostId;
  if (current) excluded.add(current);
  const ctx: FilterContext = { state, vmId, spec, policy, excluded, migrations: request.migrations ?? [] };
  const rejected = new Map<string, number>();
  const refusedHosts: { hostId: string; name: string; filter: PlacementFilterName }[] = [];
  let chosen: Candidate | null = null;
  for (const hostId of cluster.hostIds) {
    const host = state.hosts[hostId]!;
    const check = checkHost(ctx, host);
    if (!check.ok) {
      rejected.set(check.filter, (rejected.get(check.filter) ?? 0) + 1);
      if (refusedHosts.length < MAX_REFUSED_HOSTS_LISTED) refusedHosts.push({ hostId, name: host.spec.name, filter: check.filter });
      continue;
    }
    const c: Candidate = { host, numa: check.numa, gpus: check.gpus, broken: brokenShouldRules(state, vmId, hostId), load: loadAfterPlacement(host, spec, policy, nominalChargedMhz(host, spec, check.numa)) };
    if (!chosen || isBetter(c, chosen, request)) chosen = c;
  }
  if (!chosen) throw noHost(vmId, spec, cluster.hostIds.length, rejected, refusedHosts);
  return {
    vmId, clusterId: spec.clusterId, hostId: chosen.host.id, numa: chosen.numa ?? numaPlacementFor(chosen.host, spec)!, gpus: chosen.gpus,
    brokenShouldRules: chosen.broken, loadAfter: Math.round(chosen.load * 1e4) / 1e4,
  };
}

/** Each refused host with the filter that refused it, the first few in cluster order (the counts cover all). */
const MAX_REFUSED_HOSTS_LISTED = 10;

function noHost(vmId: string, spec: VmSpec, hosts: number, rejected: Map<string, number>, refusedHosts: { hostId: string; name: string; filter: PlacementFilterName }[]) {
  const filters: PlacementFilterRejection[] = PLACEMENT_FILTERS.filter((f) => rejected.has(f)).map((f) => ({ filter: f, rejected: rejected.get(f)! }));
  const summary = filters.map((f) => `${f.filter}: ${f.rejected}${FILTER_REASONS[f.filter] ? ` (${FILTER_REASONS[f.filter]})` : ''}`).join(', ') || 'the cluster has no hosts';
  return unprocessable('placement.noHost', `no host can take VM ${spec.name} (${vmId}) of ${hosts} hosts; rejected by ${summary}`, {
    vmId, clusterId: spec.clusterId, hosts, filters, refusedHosts,
  });
}

export function vmPlacedEvent(d: PlacementDecision, reason: string): Extract<PlacementEvent, EventOf<'VmPlaced', unknown>> {
  return { type: 'VmPlaced', data: { vmId: d.vmId, clusterId: d.clusterId, hostId: d.hostId, numa: d.numa, brokenShouldRules: d.brokenShouldRules, reason } };
}
