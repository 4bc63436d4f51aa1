// The joined facts every invariant reads: what the log says about hosts, VMs, rules, devices, migrations and
// tasks across all services, folded in place (O(1) per event but for a VM's host set), plus the evidence chain:
// for each VM and host the last positions that changed it. Built only from the events themselves (never from a
// service's decisions), so a crafted or corrupted log is judged as it is. Pure: no clock, no I/O.
import type { HostSpec, RecordedEvent, RuleSpec, VmState } from '@virtsim/contracts';
import { hostThreads } from '../placement/model.js';
import { newMemHost } from '../memory/evolve.js';

/** how many event positions each VM / host keeps as the evidence chain */
export const CHAIN = 8;

export interface ClusterFacts {
  memoryOvercommit: boolean;
  memoryOvercommitRatio: number;
  cpuOvercommitRatio: number;
  /** HA admission control: enforced when HA is on and at least one host failure is tolerated */
  haEnabled: boolean;
  hostFailuresTolerated: number;
  hosts: number;
  vms: number;
  /** configured size of its VMs that need failover capacity (starting or running) */
  demandMiB: number;
  demandVcpus: number;
}

export interface HostFacts {
  clusterId: string;
  name: string;
  power: 'on' | 'off' | 'standby';
  maintenance: boolean;
  /** a power-loss or hypervisor-crash fault is active: nothing runs there */
  crashed: boolean;
  /** HA declared it failed or isolated (until HostRecovered) */
  down: boolean;
  fenced: boolean;
  cpuMhz: number;
  /** hardware threads and physical memory, as HA admission control counts them */
  threads: number;
  memoryMiB: number;
  /** memory for VMs (physical - hypervisor - huge-page pool) and the huge-page pool, as the memory context derives them */
  capacityMiB: number;
  hugePoolMiB: number;
  reservedMhz: number;
  configuredMiB: number;
  overheadMiB: number;
  hugeUsedMiB: number;
  /** the vGPU profiles each PCI function offers (by index; empty: none) */
  gpuProfiles: string[][];
  /** swap space (M4) and what its VMs have swapped into it */
  swapMiB: number;
  swappedMiB: number;
  chain: number[];
}

export interface VmFacts {
  clusterId: string;
  name: string;
  state: VmState;
  cpuReservationMhz: number;
  vcpus: number;
  memoryMiB: number;
  /** hosts the placement events put it on (more than one is the breach) */
  hosts: string[];
  /** position of the event that put it on each of those hosts */
  placedAt: Record<string, number>;
  /** HA reported it down (VmsDownOnHost) and nothing has run it since */
  down: boolean;
  /** the memory context's reservation: where, how much, huge-page backed */
  memory: { hostId: string; memoryMiB: number; overheadMiB: number; hugeBacked: boolean } | null;
  /** MiB of it in its host's swap space */
  swappedMiB: number;
  chain: number[];
}

export interface DeviceHolder { vmId: string; mode: 'passthrough' | 'vgpu'; deviceId: string; profile: string | null }

export interface OpenTask { kind: string; target: string | null; createdAt: number; position: number }

export interface LiveMigration { vmId: string; targetHostId: string; position: number }

/** a migration's links (host NICs, datastores) with their concurrency limits, counted from MigrationStarted to its end */
export interface LinkUse { max: number; running: string[]; positions: number[] }

/** an event that broke an order rule when it happened; it stays a breach until `until` clears it */
export interface OrderBreach { subject: string; detail: string; positions: number[]; hostId: string }

export interface World {
  position: number;
  simTime: number;
  clusters: Record<string, ClusterFacts>;
  hosts: Record<string, HostFacts>;
  vms: Record<string, VmFacts>;
  rules: Record<string, { clusterId: string; spec: RuleSpec; position: number }>;
  /** `<hostId>/<pciIndex>` -> the VMs holding that host PCI function */
  devices: Record<string, DeviceHolder[]>;
  tasks: Record<string, OpenTask>;
  migrations: Record<string, LiveMigration>;
  /** hostId -> VMs whose copies may still run there (VmsDownOnHost staleCopies) until StaleVmCopyPoweredOff */
  staleCopies: Record<string, string[]>;
  /** HA restarts of a VM whose host was not fenced (restored when the host is fenced) */
  unfencedRestarts: Record<string, OrderBreach>;
  /** live migrations requested to a host in maintenance or standby (restored when the migration ends) */
  badTargets: Record<string, OrderBreach>;
  /** reclamation of a huge-page-backed VM (restored when the VM's memory is released or moved) */
  hugeReclaims: Record<string, OrderBreach>;
  /** every requested migration's links, and the links' running migrations */
  migrationLinks: Record<string, { linkId: string; maxConcurrent: number }[]>;
  links: Record<string, LinkUse>;
  /** power-ons under enforced HA admission control that left less than the failover reserve (all hosts up) */
  haReserve: Record<string, OrderBreach & { clusterId: string }>;
  /** positions that went backwards or repeated */
  disorder: number[];
  /** what changed since the last check: VM and host ids (a check clears them) */
  dirtyVms: Set<string>;
  dirtyHosts: Set<string>;
}

export const emptyWorld = (): World => ({
  position: 0, simTime: 0, clusters: {}, hosts: {}, vms: {}, rules: {}, devices: {}, tasks: {}, migrations: {},
  staleCopies: {}, unfencedRestarts: {}, badTargets: {}, hugeReclaims: {}, migrationLinks: {}, links: {}, haReserve: {}, disorder: [], dirtyVms: new Set(), dirtyHosts: new Set(),
});

type Data = Record<string, any>;

const pushChain = (chain: number[], position: number) => {
  if (chain[chain.length - 1] === position) return;
  chain.push(position);
  if (chain.length > CHAIN) chain.shift();
};

function newHost(hostId: string, clusterId: string, spec: HostSpec): HostFacts {
  const mem = newMemHost(hostId, clusterId, spec);
  return {
    clusterId, name: spec.name, power: 'on', maintenance: false, crashed: false, down: false, fenced: false,
    cpuMhz: hostThreads(spec) * spec.cpu.mhz, threads: hostThreads(spec), memoryMiB: spec.memoryMiB, capacityMiB: mem.capacityMiB, hugePoolMiB: mem.hugePoolMiB,
    reservedMhz: 0, configuredMiB: 0, overheadMiB: 0, hugeUsedMiB: 0, gpuProfiles: (spec.pciDevices ?? []).map((p) => p.vgpuProfiles ?? []), swapMiB: spec.swap?.sizeMiB ?? spec.memoryMiB, swappedMiB: 0, chain: [],
  };
}

const MIGRATION_ENDS = new Set(['MigrationCompleted', 'MigrationFailed', 'MigrationCancelled', 'MigrationRolledBack', 'MigrationAborted']);
/** events after which a VM HA reported down runs again, or is gone */
const VM_BACK = new Set(['VmRelocated', 'VmRestarted', 'VmRestartedInPlace', 'VmStateChanged', 'VmDeleted', 'VmCreationFailed', 'VmPlaced']);
const RECLAIMS = new Set(['BalloonInflated', 'MemorySwappedOut']);

/** Folds one recorded event into the world, in place. */
export function evolveWorld(w: World, e: Pick<RecordedEvent, 'position' | 'type' | 'data' | 'metadata'>): World {
  if (e.position <= w.position) w.disorder.push(e.position);
  w.position = Math.max(w.position, e.position);
  const sim = e.metadata?.simTime;
  if (typeof sim === 'number' && sim > w.simTime) w.simTime = sim;
  const d = e.data as Data;
  if (typeof d?.vmId === 'string' && w.vms[d.vmId]) touchVm(w, d.vmId, e.position, e.type);
  if (VM_BACK.has(e.type) && w.vms[d.vmId]) w.vms[d.vmId]!.down = false;
  inventory(w, e.type, d, e.position);
  placementAndMemory(w, e.type, d, e.position);
  haAndMigration(w, e.type, d, e.position);
  return w;
}

/** progress and sample events: they mark a VM to check but are not evidence of where it is or how it runs */
const NOT_EVIDENCE = /^(GuestMemoryTouched|VmCreationStep|VmCreationCompensation|Task|Migration(Progressed|RoundCompleted|VmThrottled|StopAndCopy)|PagesShared|Balloon|MemorySwapped|IoStats|IoDevicesDiscovered|IoGuestTools|CpuScheduling)/;

function touchVm(w: World, vmId: string, position: number, type = ''): void {
  const vm = w.vms[vmId]!;
  if (!NOT_EVIDENCE.test(type)) pushChain(vm.chain, position);
  w.dirtyVms.add(vmId);
  for (const h of vm.hosts) w.dirtyHosts.add(h);
}

function touchHost(w: World, hostId: string, position: number): void {
  const h = w.hosts[hostId];
  if (!h) return;
  pushChain(h.chain, position);
  w.dirtyHosts.add(hostId);
}

function inventory(w: World, type: string, d: Data, position: number): void {
  switch (type) {
    case 'ClusterCreated':
      w.clusters[d.clusterId] = {
        memoryOvercommit: d.spec?.memoryOvercommit ?? false, memoryOvercommitRatio: d.spec?.memoryOvercommitRatio ?? 1.5,
        cpuOvercommitRatio: d.spec?.cpuOvercommitRatio ?? 4, haEnabled: d.spec?.ha?.enabled === true,
        hostFailuresTolerated: d.spec?.ha?.hostFailuresTolerated ?? 1, hosts: 0, vms: 0, demandMiB: 0, demandVcpus: 0,
      };
      return;
    case 'ClusterPolicyChanged': {
      const c = w.clusters[d.clusterId];
      if (c && d.patch?.memoryOvercommit !== undefined) c.memoryOvercommit = d.patch.memoryOvercommit;
      if (c && d.patch?.memoryOvercommitRatio !== undefined) c.memoryOvercommitRatio = d.patch.memoryOvercommitRatio;
      if (c && d.patch?.cpuOvercommitRatio !== undefined) c.cpuOvercommitRatio = d.patch.cpuOvercommitRatio;
      if (c && d.patch?.ha !== undefined) { c.haEnabled = d.patch.ha.enabled === true; c.hostFailuresTolerated = d.patch.ha.hostFailuresTolerated ?? 1; }
      for (const [id, h] of Object.entries(w.hosts)) if (h.clusterId === d.clusterId) w.dirtyHosts.add(id);
      return;
    }
    case 'HostAdded':
      w.hosts[d.hostId] = newHost(d.hostId, d.clusterId, d.spec);
      count(w, d.clusterId, 'hosts', 1);
      touchHost(w, d.hostId, position);
      return;
    case 'HostPoweredOn': hostSet(w, d.hostId, position, { power: 'on' }); clearLandingsOn(w, d.hostId); return;
    case 'HostPoweredOff': hostSet(w, d.hostId, position, { power: d.standby ? 'standby' : 'off' }); return;
    case 'HostMaintenanceEntered': hostSet(w, d.hostId, position, { maintenance: true }); return;
    case 'HostMaintenanceExited': hostSet(w, d.hostId, position, { maintenance: false }); clearLandingsOn(w, d.hostId); return;
    case 'VmCreationRequested':
      w.vms[d.vmId] = {
        clusterId: d.spec.clusterId, name: d.spec.name, state: 'creating', cpuReservationMhz: d.spec.cpuReservationMhz ?? 0,
        vcpus: d.spec.vcpus ?? 0, memoryMiB: d.spec.memoryMiB ?? 0, hosts: [], placedAt: {}, down: false, memory: null, swappedMiB: 0, chain: [],
      };
      count(w, d.spec.clusterId, 'vms', 1);
      touchVm(w, d.vmId, position);
      return;
    case 'VmStateChanged': {
      const vm = w.vms[d.vmId];
      if (!vm) return;
      demand(w, vm, -1);
      vm.state = d.to;
      demand(w, vm, 1);
      if (d.to === 'starting') checkHaReserve(w, d.vmId, position);
      else if (!HA_DEMAND.has(d.to)) delete w.haReserve[d.vmId];
      return;
    }
    case 'VmDeleted': case 'VmCreationFailed': dropVm(w, d.vmId); return;
    case 'RuleCreated': w.rules[d.ruleId] = { clusterId: d.clusterId, spec: d.spec, position }; for (const v of d.spec.vms ?? []) if (w.vms[v]) w.dirtyVms.add(v); return;
    case 'RuleDeleted': delete w.rules[d.ruleId]; return;
    case 'TaskCreated': w.tasks[d.taskId] = { kind: d.kind, target: d.target ?? null, createdAt: w.simTime, position }; return;
    case 'TaskSucceeded': case 'TaskFailed': delete w.tasks[d.taskId]; return;
    default:
  }
}

function count(w: World, clusterId: string, what: 'hosts' | 'vms', delta: 1 | -1): void {
  const c = w.clusters[clusterId];
  if (c) c[what] += delta;
}

/** VM states that need failover capacity, as HA admission control counts them (configured size, not reservations) */
const HA_DEMAND = new Set(['starting', 'running']);

/** At a power-on with every host of the cluster up, the VMs that need capacity must fit in what is left after the
 *  N largest hosts fail (libs/domain/src/ha/admission.ts). A failure already in progress may eat the reserve. */
function demand(w: World, vm: VmFacts, sign: 1 | -1): void {
  const c = w.clusters[vm.clusterId];
  if (!c || !HA_DEMAND.has(vm.state)) return;
  c.demandMiB += sign * vm.memoryMiB;
  c.demandVcpus += sign * vm.vcpus;
}

function checkHaReserve(w: World, vmId: string, position: number): void {
  const vm = w.vms[vmId]!;
  const c = w.clusters[vm.clusterId];
  if (!c?.haEnabled || c.hostFailuresTolerated <= 0) return;
  const hosts = Object.values(w.hosts).filter((h) => h.clusterId === vm.clusterId);
  if (hosts.some((h) => h.down || h.crashed)) return;
  const targets = hosts.filter((h) => h.power === 'on' && !h.maintenance);
  const left = (perHost: number[]) => {
    const sorted = perHost.sort((a, b) => b - a);
    return sorted.slice(c.hostFailuresTolerated).reduce((s, x) => s + x, 0);
  };
  const memRatio = c.memoryOvercommit ? c.memoryOvercommitRatio : 1;
  const availableMiB = left(targets.map((h) => h.memoryMiB * memRatio));
  const availableVcpus = left(targets.map((h) => h.threads * c.cpuOvercommitRatio));
  const usedMiB = c.demandMiB;
  const usedVcpus = c.demandVcpus;
  const over = usedMiB > availableMiB ? `memory ${usedMiB} > ${availableMiB} MiB` : usedVcpus > availableVcpus ? `vCPUs ${usedVcpus} > ${availableVcpus}` : null;
  if (!over) return;
  w.haReserve[vmId] = {
    subject: vmId, hostId: '', clusterId: vm.clusterId, positions: [...vm.chain, position],
    detail: `power-on of VM ${vmId} left cluster ${vm.clusterId} short of its HA reserve (${c.hostFailuresTolerated} host failure(s) tolerated): ${over} available after the largest host(s) fail`,
  };
}

function hostSet(w: World, hostId: string, position: number, patch: Partial<HostFacts>): void {
  const h = w.hosts[hostId];
  if (!h) return;
  Object.assign(h, patch);
  touchHost(w, hostId, position);
}

function dropVm(w: World, vmId: string): void {
  const vm = w.vms[vmId];
  if (!vm) return;
  for (const h of [...vm.hosts]) unplace(w, vmId, h);
  releaseMemory(w, vmId);
  for (const [key, holders] of Object.entries(w.devices)) dropHolder(w, key, holders, vmId);
  count(w, vm.clusterId, 'vms', -1);
  demand(w, vm, -1);
  delete w.haReserve[vmId];
  delete w.vms[vmId];
  w.dirtyVms.add(vmId);
}

function place(w: World, vmId: string, hostId: string, position: number): void {
  const vm = w.vms[vmId];
  if (!vm || vm.hosts.includes(hostId)) return;
  vm.hosts.push(hostId);
  vm.placedAt[hostId] = position;
  const h = w.hosts[hostId];
  if (h) h.reservedMhz += vm.cpuReservationMhz;
  w.dirtyHosts.add(hostId);
}

function unplace(w: World, vmId: string, hostId: string): void {
  const vm = w.vms[vmId];
  if (!vm || !vm.hosts.includes(hostId)) return;
  vm.hosts = vm.hosts.filter((x) => x !== hostId);
  delete vm.placedAt[hostId];
  const h = w.hosts[hostId];
  if (h) h.reservedMhz -= vm.cpuReservationMhz;
  w.dirtyHosts.add(hostId);
}

function reserveMemory(w: World, vmId: string, m: NonNullable<VmFacts['memory']>): void {
  const vm = w.vms[vmId];
  if (!vm) return;
  releaseMemory(w, vmId);
  vm.memory = m;
  memoryOnHost(w, m, 1, vm.swappedMiB);
}

function releaseMemory(w: World, vmId: string): void {
  const vm = w.vms[vmId];
  if (!vm?.memory) return;
  memoryOnHost(w, vm.memory, -1, vm.swappedMiB);
  vm.memory = null;
  delete w.hugeReclaims[vmId];
}

function memoryOnHost(w: World, m: NonNullable<VmFacts['memory']>, sign: 1 | -1, swappedMiB = 0): void {
  const h = w.hosts[m.hostId];
  if (!h) return;
  h.swappedMiB += sign * swappedMiB;
  h.overheadMiB += sign * m.overheadMiB;
  if (m.hugeBacked) h.hugeUsedMiB += sign * Math.ceil(m.memoryMiB / 2) * 2;
  else h.configuredMiB += sign * m.memoryMiB;
  w.dirtyHosts.add(m.hostId);
}

function placementAndMemory(w: World, type: string, d: Data, position: number): void {
  switch (type) {
    case 'VmPlaced': place(w, d.vmId, d.hostId, position); return;
    case 'VmRelocated': unplace(w, d.vmId, d.fromHostId); place(w, d.vmId, d.toHostId, position); clearLandingsOn(w, d.fromHostId); return;
    case 'VmPlacementReleased': unplace(w, d.vmId, d.hostId); return;
    case 'VmMemoryReserved':
      reserveMemory(w, d.vmId, { hostId: d.hostId, memoryMiB: d.memoryMiB, overheadMiB: d.overheadMiB ?? 0, hugeBacked: d.hugeBacked === true });
      return;
    case 'VmMemoryReleased': releaseMemory(w, d.vmId); return;
    case 'VmMemoryMoved': {
      const m = w.vms[d.vmId]?.memory;
      if (m) reserveMemory(w, d.vmId, { ...m, hostId: d.toHostId, overheadMiB: d.overheadMiB ?? m.overheadMiB, hugeBacked: d.hugeBacked === true });
      return;
    }
    case 'VmMemoryResized': {
      const m = w.vms[d.vmId]?.memory;
      if (m) reserveMemory(w, d.vmId, { ...m, memoryMiB: d.toMiB, overheadMiB: d.overheadMiB ?? m.overheadMiB });
      return;
    }
    case 'IoDevicesAttached': case 'IoDevicesMoved': {
      for (const [key, holders] of Object.entries(w.devices)) dropHolder(w, key, holders, d.vmId);
      const hostId = type === 'IoDevicesAttached' ? d.hostId : d.toHostId;
      for (const dev of (d.devices ?? []) as { deviceId: string; mode: string; pciIndex: number | null; vgpuProfile?: string | null }[]) {
        if (dev.pciIndex === null || (dev.mode !== 'passthrough' && dev.mode !== 'vgpu')) continue;
        (w.devices[`${hostId}/${dev.pciIndex}`] ??= []).push({ vmId: d.vmId, mode: dev.mode, deviceId: dev.deviceId, profile: dev.vgpuProfile ?? null });
      }
      w.dirtyHosts.add(hostId);
      return;
    }
    case 'MemorySwappedOut': case 'MemorySwappedIn': {
      const vm = w.vms[d.vmId];
      if (!vm) return;
      const h = vm.memory ? w.hosts[vm.memory.hostId] : undefined;
      if (h) { h.swappedMiB += (d.swappedMiB ?? 0) - vm.swappedMiB; w.dirtyHosts.add(vm.memory!.hostId); }
      vm.swappedMiB = d.swappedMiB ?? 0;
      if (type === 'MemorySwappedOut') hugeReclaim(w, type, d, position);
      return;
    }
    case 'IoDevicesDetached':
      for (const [key, holders] of Object.entries(w.devices)) dropHolder(w, key, holders, d.vmId);
      return;
    default:
      hugeReclaim(w, type, d, position);
  }
}

function hugeReclaim(w: World, type: string, d: Data, position: number): void {
  if (RECLAIMS.has(type) && w.vms[d.vmId]?.memory?.hugeBacked && (d.deltaMiB ?? 1) > 0) {
    w.hugeReclaims[d.vmId] = { subject: d.vmId, hostId: d.hostId, positions: [position], detail: `${type} took ${d.deltaMiB} MiB from huge-page-backed VM ${d.vmId} on host ${d.hostId}` };
  }
}

function dropHolder(w: World, key: string, holders: DeviceHolder[], vmId: string): void {
  if (!holders.some((h) => h.vmId === vmId)) return;
  const left = holders.filter((h) => h.vmId !== vmId);
  if (left.length) w.devices[key] = left;
  else delete w.devices[key];
  w.dirtyHosts.add(key.slice(0, key.indexOf('/')));
}

const FENCE_NEEDED = new Set(['host-failure', 'host-isolation']);

function haAndMigration(w: World, type: string, d: Data, position: number): void {
  switch (type) {
    case 'HostFaultInjected':
      if (d.kind !== 'network-isolation') hostSet(w, d.hostId, position, { crashed: true });
      return;
    case 'HostFaultCleared': hostSet(w, d.hostId, position, { crashed: false }); return;
    case 'HostFailureDetected': case 'HostIsolationDetected': hostSet(w, d.hostId, position, { down: true }); return;
    case 'HostFenced':
      hostSet(w, d.hostId, position, { fenced: true });
      for (const [vmId, b] of Object.entries(w.unfencedRestarts)) if (b.hostId === d.hostId) delete w.unfencedRestarts[vmId];
      return;
    case 'HostRecovered': hostSet(w, d.hostId, position, { down: false, fenced: false, crashed: false }); return;
    case 'VmsDownOnHost':
      for (const vmId of d.vmIds ?? []) {
        const vm = w.vms[vmId];
        if (!vm) continue;
        vm.down = true;
        touchVm(w, vmId, position);
      }
      if (d.staleCopies) w.staleCopies[d.hostId] = [...new Set([...(w.staleCopies[d.hostId] ?? []), ...d.vmIds])].sort();
      touchHost(w, d.hostId, position);
      return;
    case 'StaleVmCopyPoweredOff': {
      const left = (w.staleCopies[d.hostId] ?? []).filter((v) => v !== d.vmId);
      if (left.length) w.staleCopies[d.hostId] = left;
      else delete w.staleCopies[d.hostId];
      touchHost(w, d.hostId, position);
      return;
    }
    case 'VmRestarted': {
      const from = w.hosts[d.fromHostId];
      // a VM may restart on its own host once that host is back; elsewhere only after the host is fenced
      if (FENCE_NEEDED.has(d.cause) && from && (from.down || from.crashed) && !from.fenced && d.hostId !== d.fromHostId) {
        w.unfencedRestarts[d.vmId] = {
          subject: d.vmId, hostId: d.fromHostId, positions: [...from.chain, position],
          detail: `VM ${d.vmId} restarted on ${d.hostId} (${d.cause}) while its host ${d.fromHostId} was not fenced`,
        };
      }
      return;
    }
    case 'MigrationStarted': startOnLinks(w, d.migrationId, position); return;
    case 'MigrationRequested': {
      if (Array.isArray(d.links)) w.migrationLinks[d.migrationId] = d.links.map((l: Data) => ({ linkId: String(l.linkId), maxConcurrent: Number(l.maxConcurrent) }));
      if (d.kind !== 'live') return;
      w.migrations[d.migrationId] = { vmId: d.vmId, targetHostId: d.targetHostId, position };
      const t = w.hosts[d.targetHostId];
      if (t && (t.maintenance || t.power !== 'on')) {
        w.badTargets[d.migrationId] = {
          subject: d.migrationId, hostId: d.targetHostId, positions: [...t.chain, position],
          detail: `live migration ${d.migrationId} of VM ${d.vmId} targets host ${d.targetHostId}, which is ${t.maintenance ? 'in maintenance' : `powered ${t.power}`}`,
        };
      }
      return;
    }
    case 'MigrationCompleted': {
      // a move already on its way must not land on a host that entered maintenance or standby meanwhile
      const m = w.migrations[d.migrationId];
      const t = m ? w.hosts[m.targetHostId] : undefined;
      if (m && t && (t.maintenance || t.power !== 'on')) {
        w.badTargets[`${d.migrationId}@landed`] = {
          subject: d.migrationId, hostId: m.targetHostId, positions: [...t.chain, position],
          detail: `live migration ${d.migrationId} of VM ${m.vmId} landed on host ${m.targetHostId}, which is ${t.maintenance ? 'in maintenance' : `powered ${t.power}`}`,
        };
      }
      endMigration(w, d.migrationId);
      return;
    }
    default:
      if (MIGRATION_ENDS.has(type)) endMigration(w, d.migrationId);
  }
}

function endMigration(w: World, migrationId: string): void {
  endOnLinks(w, migrationId);
  delete w.migrations[migrationId];
  delete w.badTargets[migrationId];
}

function clearLandingsOn(w: World, hostId: string): void {
  for (const [key, b] of Object.entries(w.badTargets)) if (key.endsWith('@landed') && b.hostId === hostId) delete w.badTargets[key];
}


function startOnLinks(w: World, migrationId: string, position: number): void {
  for (const l of w.migrationLinks[migrationId] ?? []) {
    const use = (w.links[l.linkId] ??= { max: l.maxConcurrent, running: [], positions: [] });
    use.max = l.maxConcurrent;
    if (!use.running.includes(migrationId)) use.running.push(migrationId);
    use.positions.push(position);
    if (use.positions.length > CHAIN) use.positions.shift();
  }
}

function endOnLinks(w: World, migrationId: string): void {
  for (const l of w.migrationLinks[migrationId] ?? []) {
    const use = w.links[l.linkId];
    if (!use) continue;
    use.running = use.running.filter((m) => m !== migrationId);
    if (use.running.length === 0) delete w.links[l.linkId];
  }
  delete w.migrationLinks[migrationId];
}
