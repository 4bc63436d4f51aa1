// Test fixtures for HA specs: given-events builders and a capacity-counting scheduler stand-in.
import { vmCreationRequestedData } from '@virtsim/contracts';
import type { ClusterSpec, HaEvent, HostSpec, InventoryEvent, PlacementEvent, VmSpec } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { foldHa, type HaInputEvent } from './evolve.js';
import type { HaPlacer } from './restart.js';
import type { HaState } from './state.js';
import { haTick } from './tick.js';
import { haDecider } from './decider.js';
import type { HaSignals } from './detection.js';

export const CLUSTER = 'c-1';
type HaSpec = NonNullable<ClusterSpec['ha']>;

export function clusterCreated(ha: Partial<HaSpec> = {}): InventoryEvent {
  const spec = {
    name: 'prod', cpuOvercommitRatio: 4, memoryOvercommit: false, memoryOvercommitRatio: 1.5, seed: 1,
    ha: { enabled: true, hostFailuresTolerated: 1, failureDetectionSeconds: 30, isolationResponse: 'power-off', ...ha },
  } as ClusterSpec;
  return { type: 'ClusterCreated', data: { clusterId: CLUSTER, spec } };
}

export interface HostOpts { memoryMiB?: number; cores?: number; localDatastore?: string }
export function hostAdded(hostId: string, opts: HostOpts = {}): InventoryEvent {
  const datastores = [{ name: 'shared-ds', kind: 'shared' as const, capacityGiB: 10240 }];
  if (opts.localDatastore) datastores.push({ name: opts.localDatastore, kind: 'local' as never, capacityGiB: 1024 });
  const spec = {
    name: hostId, memoryMiB: opts.memoryMiB ?? 262144, numaNodes: 1, hugePagesMiB: 0, pciDevices: [], datastores, migrationNetworkGbps: 10,
    cpu: { sockets: 1, coresPerSocket: opts.cores ?? 16, threadsPerCore: 1, mhz: 2600, vendor: 'intel', model: 'x', arch: 'x86', features: [] },
    hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
  } as HostSpec;
  return { type: 'HostAdded', data: { hostId, clusterId: CLUSTER, spec } };
}

export interface VmOpts { priority?: 'high' | 'medium' | 'low' | null; tools?: boolean; datastore?: string; vcpus?: number; memoryMiB?: number }
/** VmCreationRequested + VmPlaced + VmStateChanged(running). priority null = HA not enabled for the VM. */
export function runningVm(vmId: string, hostId: string, opts: VmOpts = {}): (InventoryEvent | PlacementEvent)[] {
  const priority = opts.priority === undefined ? 'medium' : opts.priority;
  const spec = {
    name: vmId, clusterId: CLUSTER, vcpus: opts.vcpus ?? 2, memoryMiB: opts.memoryMiB ?? 4096,
    guestOs: { family: 'linux', version: '9' }, toolsInstalled: opts.tools ?? false,
    disks: [{ sizeGiB: 40, bus: 'virtio', ...(opts.datastore ? { datastore: opts.datastore } : {}) }],
    ...(priority ? { ha: { enabled: true, priority } } : {}),
  } as VmSpec;
  const numa = { nodes: [0], memoryMiBPerNode: [spec.memoryMiB], vcpusPerNode: [spec.vcpus] };
  return [
    { type: 'VmCreationRequested', data: vmCreationRequestedData(vmId, spec) },
    { type: 'VmPlaced', data: { vmId, clusterId: CLUSTER, hostId, numa, brokenShouldRules: [], reason: 'test' } },
    { type: 'VmStateChanged', data: { vmId, clusterId: CLUSTER, hostId, from: 'starting', to: 'running', reason: 'test' } },
  ];
}

export function affinityRule(ruleId: string, vms: string[]): InventoryEvent {
  return { type: 'RuleCreated', data: { ruleId, clusterId: CLUSTER, spec: { name: ruleId, kind: 'vm-affinity', vms } } };
}

export const given = (events: readonly HaInputEvent[]): HaState => foldHa(events);

/** Scheduler stand-in: the non-excluded host with the most free memory that fits (ties by id), counting grants. */
export function capacityPlacer(state: HaState, calls: { excluded: readonly string[]; vmIds: string[] }[] = []): HaPlacer {
  const used = new Map<string, number>();
  for (const vm of Object.values(state.vms)) {
    if (vm.status === 'running' && vm.hostId) used.set(vm.hostId, (used.get(vm.hostId) ?? 0) + vm.memoryMiB);
  }
  const hosts = Object.values(state.hosts).sort((a, b) => (a.hostId < b.hostId ? -1 : 1));
  return (req, excluded) => {
    calls.push({ excluded, vmIds: req.vms.map((vm) => vm.vmId) });
    const skip = new Set(excluded);
    let best: { id: string; free: number } | null = null;
    for (const h of hosts) {
      if (skip.has(h.hostId)) continue;
      const free = h.memoryMiB - (used.get(h.hostId) ?? 0);
      if (free >= req.memoryMiB && (!best || free > best.free)) best = { id: h.hostId, free };
    }
    if (!best) return { refused: `no host has ${req.memoryMiB} MiB free` };
    used.set(best.id, (used.get(best.id) ?? 0) + req.memoryMiB);
    return { hostId: best.id };
  };
}

/** Runs ticks at from, from+10, ... to (inclusive), each with a fresh capacityPlacer; returns all events. */
export function runTicks(state: HaState, from: number, to: number, signals?: HaSignals): { state: HaState; events: HaEvent[] } {
  const events: HaEvent[] = [];
  for (let t = from; t <= to; t += 10) {
    const r = haTick(state, { simTime: t, tickSeconds: 10, place: capacityPlacer(state), ...(signals ? { signals } : {}) });
    events.push(...r.events);
    state = r.state;
  }
  return { state, events };
}

export const typesOf = (events: readonly { type: string }[]): string[] => events.map((e) => e.type);
export const ofType = <T extends HaEvent['type']>(events: readonly HaInputEvent[], type: T) =>
  events.filter((e): e is Extract<HaEvent, { type: T }> => e.type === type);

/** given / when / then over the HA decider (libs/testing/src/decider-spec.ts) */
export const ha = spec(haDecider);
