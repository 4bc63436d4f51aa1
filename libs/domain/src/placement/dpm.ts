// DPM (F10): power hosts off when the cluster is idle, on when it is busy. Call once per simulated tick.
//
//   evaluateDpm(state, options) -> { utilizationPercent, memoryPercent, band, events }
//     events: DpmBandChanged when utilization crosses into another band (the state keeps band + since),
//             DpmHostPowerOffRecommended after `belowSeconds` (default 2,400 s = 40 min) below lowPercent,
//             DpmHostPowerOnRecommended after `aboveSeconds` (default 300 s = 5 min) above highPercent.
//     Feed the events back through evolvePlacement: a recommendation restarts the band timer (hysteresis).
//
// DPM weighs CPU AND memory, as vSphere DPM does (issue 15 item 7). vSphere's published defaults: target
// utilization DemandCapacityRatioTarget 63 % +/- DemandCapacityRatioToleranceHost 18 % = the 45..81 % band, the
// same for CPU and memory; memory demand = active memory + PercentIdleMBInMemDemand 25 % of the idle consumed
// memory (vSphere 6.5+). Here all configured memory is consumed (memory-manager), so a VM's memory demand is
//   active + 0.25 x (configured - active)        e.g. 4,096 MiB with 256 active: 256 + 0.25 x 3,840 = 1,216 MiB.
//   CPU %    = entitled CPU MHz of active VMs / MHz of usable hosts;
//   memory % = memory demand of active VMs / memory for VMs (usableMemoryMiB) of usable hosts.
// Band: 'above' when CPU OR memory is over highPercent, 'below' when CPU AND memory are under lowPercent.
// Power-off candidate = usable host with fewest VMs, then least demand, then name, id; it is chosen only if
// every VM on it can be placed elsewhere (placement filters, must rules kept, no passthrough VM), the rest stays
// at or under highPercent in CPU and memory, and HA admission control still holds: with the hostFailuresTolerated
// largest remaining hosts gone, the others still hold the CPU demand and the configured memory.
// Power-on candidate = the smallest standby host that brings CPU and memory back under highPercent, else the
// largest. Hosts in maintenance are never chosen (HA.md 7).
// Why not (issue 19): idle long enough but no host may go: DpmHostPowerOffHeld names the host DPM would prefer and
// what holds it (HA admission control before the rest: the reason a user is least likely to guess), once per window.
import type { DpmBand, DpmEvacuation, DpmHeldWhy, PlacementDecisionEvent } from '@virtsim/contracts';
import { attachVm, scratchCopy } from './accounting.js';
import { DEFAULT_WORKLOAD } from '../shared/workload.js';
import { ACTIVE_VM_STATES, clusterLoad } from './drs-load.js';
import { byNameThenId, clusterPolicy, memoryCapacityMiB, type InFlightMigration, type PlacementHost, type PlacementState, type PlacementVm } from './model.js';
import { placeVm } from './place.js';

export interface DpmOptions {
  clusterId: string;
  simTime: number;
  demandMhz?: Readonly<Record<string, number>>;
  /** vmId -> Dom0 back-end MHz spent on the VM's I/O (cpu/charged-overhead.ts), counted once in the CPU demand */
  systemMhz?: Readonly<Record<string, number>>;
  /** active memory per VM at simTime (workloadAt); default: the VM's workload profile */
  activeMemoryMiB?: Readonly<Record<string, number>>;
  migrations?: readonly InFlightMigration[];
  lowPercent?: number;
  highPercent?: number;
  belowSeconds?: number;
  aboveSeconds?: number;
  hostFailuresTolerated?: number;
}

export interface DpmResult { utilizationPercent: number; memoryPercent: number; band: DpmBand; events: PlacementDecisionEvent[] }

/** vSphere DPM's PercentIdleMBInMemDemand default: the share of idle consumed memory counted as demand */
export const DPM_IDLE_MEMORY_SHARE = 0.25;

/** A VM's memory demand for DPM: active + 25 % of the rest of its (consumed) configured memory. */
export function dpmMemoryDemandMiB(configuredMiB: number, activeMiB: number): number {
  const active = Math.min(Math.max(0, activeMiB), configuredMiB);
  return active + DPM_IDLE_MEMORY_SHARE * (configuredMiB - active);
}

export const DPM_BELOW_SECONDS = 40 * 60;
export const DPM_ABOVE_SECONDS = 5 * 60;

interface ClusterDemand {
  demandMhz: number;
  memoryMiB: number;
  usable: PlacementHost[];
  mhzByHost: Record<string, number>;
}

function clusterDemand(state: PlacementState, options: DpmOptions): ClusterDemand {
  const load = clusterLoad(state, options.clusterId, options.demandMhz, options.systemMhz);
  const demandMhz = Object.values(load.mhz).reduce((a, b) => a + b, 0);
  let memoryMiB = 0;
  for (const vmId in state.vms) {
    const vm = state.vms[vmId]!;
    if (vm.clusterId !== options.clusterId || vm.hostId === null || !ACTIVE_VM_STATES.includes(vm.state)) continue;
    const active = options.activeMemoryMiB?.[vmId] ?? vm.spec.workload?.activeMemoryMiB ?? DEFAULT_WORKLOAD.activeMemoryMiB;
    memoryMiB += dpmMemoryDemandMiB(vm.spec.memoryMiB, active);
  }
  return { demandMhz, memoryMiB, usable: load.hostIds.map((id) => state.hosts[id]!), mhzByHost: load.mhz };
}

const mhzOf = (hosts: readonly PlacementHost[]) => hosts.reduce((a, h) => a + h.mhz, 0);
const memOf = (hosts: readonly PlacementHost[]) => hosts.reduce((a, h) => a + h.usableMemoryMiB, 0);

const percent = (demand: number, capacity: number) => (capacity > 0 ? Math.round((demand / capacity) * 10000) / 100 : 100);

/** HA admission control (slot-free "host failures tolerated"): capacity left after losing the F largest hosts. */
function admissionHolds(state: PlacementState, hosts: PlacementHost[], demandMhz: number, failures: number): boolean {
  if (hosts.length <= failures) return false;
  const policy = clusterPolicy(state.clusters[hosts[0]!.clusterId]!);
  const withoutLargest = (values: number[]) => values.sort((a, b) => b - a).slice(failures).reduce((a, b) => a + b, 0);
  const cpu = withoutLargest(hosts.map((h) => h.mhz));
  const memory = withoutLargest(hosts.map((h) => memoryCapacityMiB(h, policy)));
  const configured = hosts.reduce((a, h) => a + h.alloc.memoryMiB, 0);
  return cpu >= demandMhz && memory >= configured;
}

/** Where each VM of the host would go, or null when one of them fits nowhere else. */
function planEvacuation(state: PlacementState, host: PlacementHost, vms: PlacementVm[], migrations: readonly InFlightMigration[]): { evacuations: DpmEvacuation[]; after: PlacementState } | null {
  const scratch = scratchCopy(state);
  scratch.hosts[host.id] = { ...scratch.hosts[host.id]!, maintenance: true };
  const evacuations: DpmEvacuation[] = [];
  for (const vm of vms) {
    if (vm.gpus.some((g) => g.mode === 'passthrough')) return null;
    try {
      const d = placeVm(scratch, { vmId: vm.id, spec: vm.spec, migrations });
      attachVm(scratch, vm.id, d.hostId, d.numa, d.gpus);
      evacuations.push({ vmId: vm.id, toHostId: d.hostId });
    } catch {
      return null;
    }
  }
  return { evacuations, after: scratch };
}

/** Every placed VM (any power state: a host cannot power off under a registered VM), largest memory first. */
function placedVmsByHost(state: PlacementState, clusterId: string): Record<string, PlacementVm[]> {
  const out: Record<string, PlacementVm[]> = {};
  for (const vmId in state.vms) {
    const vm = state.vms[vmId]!;
    if (vm.clusterId === clusterId && vm.hostId !== null) (out[vm.hostId] ??= []).push(vm);
  }
  for (const list of Object.values(out)) list.sort((a, b) => b.spec.memoryMiB - a.spec.memoryMiB || (a.id < b.id ? -1 : 1));
  return out;
}

interface Held { why: DpmHeldWhy; host: PlacementHost | null }
const HELD_RANK: Record<DpmHeldWhy, number> = { 'ha-reserve': 0, evacuation: 1, capacity: 2 };

function powerOffCandidate(state: PlacementState, options: DpmOptions, cd: ClusterDemand, high: number, failures: number): { host: PlacementHost; evacuations: DpmEvacuation[] } | { held: Held } {
  const order = [...cd.usable].sort((a, b) => a.alloc.vmCount - b.alloc.vmCount || cd.mhzByHost[a.id]! - cd.mhzByHost[b.id]! || byNameThenId(a, b));
  const capacity = mhzOf(cd.usable);
  const memory = memOf(cd.usable);
  const placed = placedVmsByHost(state, options.clusterId);
  let held: Held = { why: 'capacity', host: order[0] ?? null };
  const hold = (why: DpmHeldWhy, host: PlacementHost) => { if (HELD_RANK[why] < HELD_RANK[held.why]) held = { why, host }; };
  for (const host of order) {
    const rest = capacity - host.mhz;
    if (rest <= 0 || percent(cd.demandMhz, rest) > high || percent(cd.memoryMiB, memory - host.usableMemoryMiB) > high) continue;
    const plan = planEvacuation(state, host, placed[host.id] ?? [], options.migrations ?? []);
    if (!plan) {
      hold('evacuation', host);
      continue;
    }
    const remaining = cd.usable.filter((h) => h.id !== host.id).map((h) => plan.after.hosts[h.id]!);
    if (!admissionHolds(state, remaining, cd.demandMhz, failures)) {
      hold('ha-reserve', host);
      continue;
    }
    return { host, evacuations: plan.evacuations };
  }
  return { held };
}

function heldReason(held: Held, figures: string, low: number, high: number, elapsed: number, failures: number): string {
  const idle = `${figures}: both < ${low}% for ${elapsed} s, but no host goes to standby`;
  if (!held.host) return `${idle}: the cluster has no host DPM may power off`;
  switch (held.why) {
    case 'ha-reserve': return `${idle}: without ${held.host.name} HA admission control would not hold (${failures} host failure${failures === 1 ? '' : 's'} tolerated)`;
    case 'evacuation': return `${idle}: the VMs of ${held.host.name} cannot all move elsewhere (placement rules, passthrough devices or room)`;
    default: return `${idle}: without ${held.host.name} the other hosts would be over ${high}%`;
  }
}

function powerOnCandidate(state: PlacementState, clusterId: string, cd: ClusterDemand, high: number): PlacementHost | null {
  const standby = state.clusters[clusterId]!.hostIds.map((id) => state.hosts[id]!)
    .filter((h) => h.power === 'standby' && !h.maintenance && h.available)
    .sort((a, b) => a.mhz - b.mhz || byNameThenId(a, b));
  if (standby.length === 0) return null;
  const capacity = mhzOf(cd.usable);
  const memory = memOf(cd.usable);
  return standby.find((h) => percent(cd.demandMhz, capacity + h.mhz) <= high && percent(cd.memoryMiB, memory + h.usableMemoryMiB) <= high)
    ?? [...standby].sort((a, b) => b.mhz - a.mhz || byNameThenId(a, b))[0]!;
}

export function evaluateDpm(state: PlacementState, options: DpmOptions): DpmResult {
  const cluster = state.clusters[options.clusterId];
  if (!cluster) return { utilizationPercent: 0, memoryPercent: 0, band: 'within', events: [] };
  const policy = clusterPolicy(cluster);
  const low = options.lowPercent ?? policy.dpmLowPercent;
  const high = options.highPercent ?? policy.dpmHighPercent;
  const cd = clusterDemand(state, options);
  const utilizationPercent = percent(cd.demandMhz, mhzOf(cd.usable));
  const memoryPercent = percent(cd.memoryMiB, memOf(cd.usable));
  const band: DpmBand = utilizationPercent > high || memoryPercent > high ? 'above'
    : utilizationPercent < low && memoryPercent < low ? 'below' : 'within';
  const { clusterId, simTime } = options;
  const load = { utilizationPercent, memoryPercent };
  if (band !== cluster.dpm.band) {
    return { ...load, band, events: [{ type: 'DpmBandChanged', data: { clusterId, band, since: simTime, ...load } }] };
  }
  const elapsed = simTime - cluster.dpm.since;
  const events: PlacementDecisionEvent[] = [];
  const figures = `cluster CPU at ${utilizationPercent}%, memory at ${memoryPercent}%`;
  if (band === 'below' && elapsed >= (options.belowSeconds ?? DPM_BELOW_SECONDS)) {
    const failures = options.hostFailuresTolerated ?? policy.hostFailuresTolerated;
    const c = powerOffCandidate(state, options, cd, high, failures);
    if ('host' in c) {
      const reason = `${figures}: both < ${low}% for ${elapsed} s: ${c.host.name} can be evacuated`;
      events.push({ type: 'DpmHostPowerOffRecommended', data: { clusterId, hostId: c.host.id, simTime, ...load, evacuations: c.evacuations, reason } });
    } else if (cluster.dpm.held !== `${c.held.why}:${c.held.host?.id ?? ''}`) {
      const reason = heldReason(c.held, figures, low, high, elapsed, failures);
      events.push({ type: 'DpmHostPowerOffHeld', data: { clusterId, hostId: c.held.host?.id ?? null, simTime, ...load, why: c.held.why, reason } });
    }
  }
  if (band === 'above' && elapsed >= (options.aboveSeconds ?? DPM_ABOVE_SECONDS)) {
    const h = powerOnCandidate(state, clusterId, cd, high);
    if (h) {
      const over = [utilizationPercent > high ? 'CPU' : null, memoryPercent > high ? 'memory' : null].filter(Boolean).join(' and ');
      const reason = `${figures}: ${over} > ${high}% for ${elapsed} s`;
      events.push({ type: 'DpmHostPowerOnRecommended', data: { clusterId, hostId: h.id, simTime, ...load, reason } });
    }
  }
  return { ...load, band, events };
}
