// The whole-inventory projection: clusters, hosts, VMs, rules, with O(1) lookups and per-cluster counts.
// It is the state of every inventory decider and the vrm's read side (GET /clusters, /hosts, /vms, /state).
//
// API:
//   emptyInventory(): InventoryView
//   evolveInventory(view, event: InventoryEvent | PlacementEvent | VrmEvent): InventoryView
//   inventoryView: {initialState, evolve}         for fold(inventoryView, events)
//   hostThreads(spec): number                     sockets x cores x threads (P1)
//
// Performance: evolveInventory updates `view` IN PLACE and returns it, O(1) per event: with 8,000 VMs per
// cluster a copy per event would make a replay quadratic. It never mutates objects that came from events
// (specs are replaced, not edited), so the log stays intact. Deciders never mutate the view. Keep an old
// version with structuredClone(view). The view is JSON-able (Records, arrays, null; no Map/Set/undefined
// of its own), sets are Records of `true` so a canonical hash does not depend on insertion order.
import type {
  ClusterSpec, HaEvent, HaHostFaultKind, HostPowerState, HostSpec, InventoryEvent, IoEvent, NumaPlacement, PlacementDecisionEvent, PlacementEvent, RuleSpec, VmBios, VmSpec,
  VmState,
} from '@virtsim/contracts';
import { imcFeatures } from './imc.js';

export type IdSet = Record<string, true>;

export interface ClusterView {
  id: string;
  spec: ClusterSpec;
  hostIds: IdSet;
  vmIds: IdSet;
  ruleIds: IdSet;
  /** name -> id, for uniqueness within the cluster */
  hostNames: Record<string, string>;
  vmNames: Record<string, string>;
  ruleNames: Record<string, string>;
  hostCount: number;
  /** VMs in any state, creations in flight included (they hold a slot of the 8,000) */
  vmCount: number;
  ruleCount: number;
  vmsByState: Partial<Record<VmState, number>>;
  /** threads of the largest host (P1): no VM may have more vCPUs */
  maxHostThreads: number;
}

export interface HostView {
  id: string;
  clusterId: string;
  spec: HostSpec;
  power: HostPowerState;
  /** a lasting request: survives power cycles (HA.md 7) */
  maintenance: boolean;
  /** an injected host fault (HostFaultInjected) until HostFaultCleared: the host is down or cut off */
  fault: HaHostFaultKind | null;
  threads: number;
  vmIds: IdSet;
  vmCount: number;
}

export interface VmView {
  id: string;
  clusterId: string;
  /** current configuration: vcpus / memoryMiB follow VmReconfigured */
  spec: VmSpec;
  /** firmware, SMBIOS uuid, boot order (C3): fixed at creation, kept by export / import */
  bios: VmBios;
  state: VmState;
  hostId: string | null;
  numa: NumaPlacement | null;
  /** vCPU count waiting for the next restart (F4, Windows guests) */
  pendingVcpus: number | null;
  /** CPU features the running / suspended guest saw at power-on (F11): the IMC baseline, else its host's; a VM
   *  imported suspended has those of its saved state from the request on */
  cpuFeatures: string[] | null;
  /** where a migration returns to */
  stateBeforeMigration: VmState | null;
  brokenShouldRules: string[];
}

/** compliance as the scheduler last recorded it (RuleComplianceChanged); a new rule is compliant (must rules are
 *  refused when broken at creation), since = simTime of the last change, null before any */
export interface RuleCompliance { compliant: boolean; vmIds: string[]; reason: string | null; since: number | null }
export interface RuleView { id: string; clusterId: string; spec: RuleSpec; compliance: RuleCompliance }

export interface InventoryView {
  clusters: Record<string, ClusterView>;
  clusterNames: Record<string, string>;
  hosts: Record<string, HostView>;
  vms: Record<string, VmView>;
  rules: Record<string, RuleView>;
  /** the vrm's simulated clock, from ClockAdvanced */
  clock: { tick: number; simTime: number };
}

export const emptyInventory = (): InventoryView => ({ clusters: {}, clusterNames: {}, hosts: {}, vms: {}, rules: {}, clock: { tick: 0, simTime: 0 } });

export const hostThreads = (spec: HostSpec): number => spec.cpu.sockets * spec.cpu.coresPerSocket * spec.cpu.threadsPerCore;

type Handled = InventoryEvent | PlacementEvent | Extract<HaEvent, { type: 'HostFaultInjected' | 'HostFaultCleared' }>
  | Extract<PlacementDecisionEvent, { type: 'RuleComplianceChanged' }>
  | Extract<IoEvent, { type: 'IoGuestToolsInstalled' }>;

export function evolveInventory(view: InventoryView, event: { type: string; data: unknown }): InventoryView {
  const handler = HANDLERS[event.type as Handled['type']] as ((v: InventoryView, d: unknown) => void) | undefined;
  handler?.(view, event.data);
  return view;
}

export const inventoryView = { initialState: emptyInventory, evolve: evolveInventory };

type Data<T extends Handled['type']> = Extract<Handled, { type: T }>['data'];
type Handlers = { [T in Handled['type']]?: (view: InventoryView, data: Data<T>) => void };

const HANDLERS: Handlers = {
  ClusterCreated: (v, d) => {
    v.clusters[d.clusterId] = {
      id: d.clusterId, spec: d.spec, hostIds: {}, vmIds: {}, ruleIds: {}, hostNames: {}, vmNames: {}, ruleNames: {},
      hostCount: 0, vmCount: 0, ruleCount: 0, vmsByState: {}, maxHostThreads: 0,
    };
    v.clusterNames[d.spec.name] = d.clusterId;
  },
  ClusterPolicyChanged: (v, d) => {
    const c = v.clusters[d.clusterId];
    if (!c) return;
    if (d.patch.name !== undefined && d.patch.name !== c.spec.name) {
      delete v.clusterNames[c.spec.name];
      v.clusterNames[d.patch.name] = c.id;
    }
    c.spec = { ...c.spec, ...withoutUndefined(d.patch) };
  },
  HostAdded: (v, d) => {
    const c = v.clusters[d.clusterId];
    const threads = hostThreads(d.spec);
    v.hosts[d.hostId] = { id: d.hostId, clusterId: d.clusterId, spec: d.spec, power: 'on', maintenance: false, fault: null, threads, vmIds: {}, vmCount: 0 };
    if (!c) return;
    c.hostIds[d.hostId] = true;
    c.hostNames[d.spec.name] = d.hostId;
    c.hostCount++;
    c.maxHostThreads = Math.max(c.maxHostThreads, threads);
  },
  HostPoweredOn: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.power = 'on'; },
  HostPoweredOff: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.power = d.standby ? 'standby' : 'off'; },
  HostMaintenanceEntered: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.maintenance = true; },
  HostMaintenanceExited: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.maintenance = false; },
  HostFaultInjected: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.fault = d.kind; },
  HostFaultCleared: (v, d) => { const h = v.hosts[d.hostId]; if (h) h.fault = null; },
  VmCreationRequested: (v, d) => {
    const c = v.clusters[d.spec.clusterId];
    v.vms[d.vmId] = {
      id: d.vmId, clusterId: d.spec.clusterId, spec: d.spec, bios: d.bios, state: 'creating', hostId: null, numa: null,
      pendingVcpus: d.saved?.cpu.pendingVcpus ?? null, cpuFeatures: d.saved?.cpu.features ?? null, stateBeforeMigration: null, brokenShouldRules: [],
    };
    if (!c) return;
    c.vmIds[d.vmId] = true;
    c.vmNames[d.spec.name] = d.vmId;
    c.vmCount++;
    bump(c, 'creating', 1);
  },
  VmCreated: (v, d) => { const vm = v.vms[d.vmId]; if (vm) attach(v, vm, d.hostId); },
  VmCreationFailed: (v, d) => removeVm(v, d.vmId),
  VmDeleted: (v, d) => removeVm(v, d.vmId),
  VmStateChanged: (v, d) => {
    const vm = v.vms[d.vmId];
    if (!vm) return;
    const c = v.clusters[vm.clusterId];
    if (c) { bump(c, vm.state, -1); bump(c, d.to, 1); }
    if (d.to === 'migrating') vm.stateBeforeMigration = vm.state;
    if (d.from === 'migrating') vm.stateBeforeMigration = null;
    if (d.to === 'starting') vm.cpuFeatures = exposedFeatures(v, vm);
    if (d.to === 'stopped' || d.to === 'failed') vm.cpuFeatures = null;
    vm.state = d.to;
  },
  VmReconfigured: (v, d) => {
    const vm = v.vms[d.vmId];
    if (!vm) return;
    vm.spec = { ...vm.spec, vcpus: d.vcpus, memoryMiB: d.memoryMiB };
    vm.pendingVcpus = d.pendingVcpus;
  },
  VmDevicesChanged: (v, d) => {
    const vm = v.vms[d.vmId];
    if (vm) vm.spec = { ...vm.spec, disks: d.disks, nics: d.nics };
  },
  // Tools installed on the running guest (guest-tools.ts): the spec says so from then on (F4 online CPU, export)
  IoGuestToolsInstalled: (v, d) => {
    const vm = v.vms[d.vmId];
    if (vm) vm.spec = { ...vm.spec, toolsInstalled: true };
  },
  RuleCreated: (v, d) => {
    v.rules[d.ruleId] = { id: d.ruleId, clusterId: d.clusterId, spec: d.spec, compliance: { compliant: true, vmIds: [], reason: null, since: null } };
    const c = v.clusters[d.clusterId];
    if (!c) return;
    c.ruleIds[d.ruleId] = true;
    c.ruleNames[d.spec.name] = d.ruleId;
    c.ruleCount++;
  },
  RuleDeleted: (v, d) => {
    const rule = v.rules[d.ruleId];
    if (!rule) return;
    delete v.rules[d.ruleId];
    const c = v.clusters[rule.clusterId];
    if (!c) return;
    delete c.ruleIds[d.ruleId];
    if (c.ruleNames[rule.spec.name] === d.ruleId) delete c.ruleNames[rule.spec.name];
    c.ruleCount--;
  },
  RuleComplianceChanged: (v, d) => {
    const rule = v.rules[d.ruleId];
    if (rule) rule.compliance = { compliant: d.compliant, vmIds: d.vmIds, reason: d.reason, since: d.simTime };
  },
  ClockAdvanced: (v, d) => { v.clock = { tick: d.tick, simTime: d.simTime }; },
  VmPlaced: (v, d) => {
    const vm = v.vms[d.vmId];
    if (!vm) return;
    attach(v, vm, d.hostId);
    vm.numa = d.numa;
    vm.brokenShouldRules = d.brokenShouldRules;
  },
  VmPlacementReleased: (v, d) => {
    const vm = v.vms[d.vmId];
    if (!vm) return;
    detach(v, vm);
    vm.numa = null;
    vm.brokenShouldRules = [];
  },
  VmRelocated: (v, d) => {
    const vm = v.vms[d.vmId];
    if (!vm) return;
    if (d.clusterId && d.clusterId !== vm.clusterId) changeCluster(v, vm, d.clusterId);
    attach(v, vm, d.toHostId);
    vm.numa = d.numa;
  },
};

function bump(c: ClusterView, state: VmState, by: number): void {
  const n = (c.vmsByState[state] ?? 0) + by;
  if (n === 0) delete c.vmsByState[state];
  else c.vmsByState[state] = n;
}

function attach(v: InventoryView, vm: VmView, hostId: string): void {
  if (vm.hostId === hostId) return;
  detach(v, vm);
  const host = v.hosts[hostId];
  vm.hostId = hostId;
  if (!host) return;
  host.vmIds[vm.id] = true;
  host.vmCount++;
}

function detach(v: InventoryView, vm: VmView): void {
  const host = vm.hostId === null ? undefined : v.hosts[vm.hostId];
  if (host && host.vmIds[vm.id]) {
    delete host.vmIds[vm.id];
    host.vmCount--;
  }
  vm.hostId = null;
}

/** C4: a VM that left its cluster (a cross-cluster migration) counts in the target cluster from now on; its spec
 *  names the new cluster, so later decisions (IMC at power-on, rules, limits) read the right one. */
function changeCluster(v: InventoryView, vm: VmView, clusterId: string): void {
  const from = v.clusters[vm.clusterId];
  if (from) {
    delete from.vmIds[vm.id];
    if (from.vmNames[vm.spec.name] === vm.id) delete from.vmNames[vm.spec.name];
    from.vmCount--;
    bump(from, vm.state, -1);
  }
  vm.clusterId = clusterId;
  vm.spec = { ...vm.spec, clusterId };
  const to = v.clusters[clusterId];
  if (!to) return;
  to.vmIds[vm.id] = true;
  to.vmNames[vm.spec.name] = vm.id;
  to.vmCount++;
  bump(to, vm.state, 1);
}

function removeVm(v: InventoryView, vmId: string): void {
  const vm = v.vms[vmId];
  if (!vm) return;
  detach(v, vm);
  delete v.vms[vmId];
  const c = v.clusters[vm.clusterId];
  if (!c) return;
  delete c.vmIds[vmId];
  if (c.vmNames[vm.spec.name] === vmId) delete c.vmNames[vm.spec.name];
  c.vmCount--;
  bump(c, vm.state, -1);
}

/** F11: under an IMC baseline a guest sees the baseline, otherwise everything its host's CPU has. */
function exposedFeatures(v: InventoryView, vm: VmView): string[] | null {
  const baseline = v.clusters[vm.clusterId]?.spec.imcBaseline;
  if (baseline) return imcFeatures(baseline);
  const host = vm.hostId === null ? undefined : v.hosts[vm.hostId];
  return host ? host.spec.cpu.features : null;
}

function withoutUndefined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
