// What one clock tick decides, as a pure function of the state (no I/O): the shell appends the result, then
// hands automatic DRS moves and DPM evacuations to the migration service.
//   1. vCPU scheduling of every powered-on, available host of every cluster. Each VM's demand is CHARGED
//      (cpu/charged-overhead.ts, issue 15): workload at simTime + CPU-mode, translation, I/O-exit and remote-NUMA
//      overhead; the Dom0 back-end work of the host's VMs beyond Dom0's reservation comes off the VMs' capacity.
//      DRS and DPM read the same charged demand, plus each VM's Dom0 back-end MHz (counted once, as its load).
//      -> CpuSchedulingSampled / CpuHostSamplingStopped on `cpu-<clusterId>`, only on change
//   2. rule compliance every tick -> RuleComplianceChanged on `placement-<clusterId>` when a rule's changes
//      DRS every 300 simulated s (simTime a multiple of 300 or a tick crossing one) for clusters with drs.enabled
//      -> DrsRecommendationMade (or DrsRecommendationsSuperseded when a pass finds nothing but some were pending)
//   3. DPM every tick for clusters with dpm.enabled (CPU and memory demand) -> DpmBandChanged / DpmHost...Recommended on `placement-<c>`;
//      automatic mode: a power-on recommendation is carried out at once (HostPoweredOn on `cluster-<c>`)
// Cost: one pass over the VMs (O(1) each: workloadAt + an array push), scheduling O(VMs log VMs per host).
import type { CpuEvent, EventOf, PlacementDecisionEvent } from '@virtsim/contracts';
import { cpu, io, placement, workloadAt } from '@virtsim/domain';
import { migrationsOf, streams, type SchedulerState } from './state.js';

export const DRS_PERIOD_SECONDS = 300;

export interface TickRequest { tick: number; simTime: number; tickSeconds: number }

export interface AutoMove { clusterId: string; recommendationId: string; vmId: string; fromHostId: string; toHostId: string }
export interface TickPlan {
  appends: Map<string, EventOf[]>;
  /** automatic DRS: recommendations to hand to migration.start */
  moves: AutoMove[];
  /** automatic DPM: hosts to evacuate before power-off */
  evacuations: { clusterId: string; hostId: string }[];
  stats: { clusters: number; hosts: number; vms: number; cpuEvents: number; drsPasses: number; computeMs: number };
}

const ACTIVE = new Set<string>(placement.ACTIVE_VM_STATES);

export const drsDue = (simTime: number, tickSeconds: number): boolean =>
  simTime > 0 && (simTime % DRS_PERIOD_SECONDS === 0 || Math.floor((simTime - tickSeconds) / DRS_PERIOD_SECONDS) < Math.floor(simTime / DRS_PERIOD_SECONDS));

interface ClusterWork {
  hosts: ReturnType<typeof cpu.hostCpuSchedulingInput>[];
  scheduled: Set<string>;
  vms: (cpu.VmCpuDemand & { hostId: string })[];
  /** charged vCPU demand per VM (workload + virtualization overhead) */
  demandMhz: Record<string, number>;
  /** Dom0 back-end MHz per VM (its load for DRS / DPM, not its vCPU demand) */
  systemMhz: Record<string, number>;
  /** Dom0 back-end MHz per host, summed over its VMs */
  dom0ByHost: Record<string, number>;
  activeMemoryMiB: Record<string, number>;
  dirtyRateMiBps: Record<string, number>;
}

function add(appends: Map<string, EventOf[]>, streamId: string, events: readonly EventOf[]): void {
  if (events.length === 0) return;
  const list = appends.get(streamId);
  if (list) list.push(...events);
  else appends.set(streamId, [...events]);
}

/** Hosts that run VMs this tick (placement.runsVms): powered on and up, or isolated under leave-running. */
function clusterWork(state: SchedulerState): Map<string, ClusterWork> {
  const p = state.placement;
  const work = new Map<string, ClusterWork>();
  for (const clusterId of Object.keys(p.clusters).sort()) {
    const w: ClusterWork = { hosts: [], scheduled: new Set(), vms: [], demandMhz: {}, systemMhz: {}, dom0ByHost: {}, activeMemoryMiB: {}, dirtyRateMiBps: {} };
    for (const hostId of p.clusters[clusterId]!.hostIds) {
      const h = p.hosts[hostId]!;
      if (!placement.runsVms(h)) continue;
      w.hosts.push(cpu.hostCpuSchedulingInput(hostId, cpu.hostCpuCapacity(h.spec.cpu, h.spec.hypervisor)));
      w.scheduled.add(hostId);
    }
    work.set(clusterId, w);
  }
  return work;
}

function collectVms(state: SchedulerState, work: Map<string, ClusterWork>, simTime: number): number {
  const p = state.placement;
  let n = 0;
  for (const vmId in p.vms) {
    const vm = p.vms[vmId]!;
    if (vm.hostId === null || !ACTIVE.has(vm.state) || state.down[vmId] !== undefined) continue;
    const w = work.get(vm.clusterId);
    if (!w) continue;
    const spec = vm.spec;
    const sample = workloadAt(spec.workload, vmId, p.clusters[vm.clusterId]!.spec.seed ?? 1, simTime);
    const host = p.hosts[vm.hostId];
    const charged = host
      ? cpu.vmChargedDemand({
          vmId, spec, host: host.spec, sample, numaFactor: vm.numa ? placement.numaCostFactor(vm.numa) : 1, memorySlowdown: state.memorySlowdown[vmId] ?? 1,
        })
      : null;
    const demandMhz = charged?.demandMhz ?? sample.cpuDemandMhz;
    w.demandMhz[vmId] = demandMhz;
    if (charged && charged.dom0Mhz > 0) {
      w.systemMhz[vmId] = charged.dom0Mhz;
      w.dom0ByHost[vm.hostId] = (w.dom0ByHost[vm.hostId] ?? 0) + charged.dom0Mhz;
    }
    w.activeMemoryMiB[vmId] = sample.activeMemoryMiB;
    w.dirtyRateMiBps[vmId] = sample.dirtyRateMiBps;
    if (!w.scheduled.has(vm.hostId)) continue;
    w.vms.push({
      vmId, hostId: vm.hostId, vcpus: spec.vcpus, demandMhz, shares: spec.cpuShares ?? 1000,
      reservationMhz: spec.cpuReservationMhz ?? 0, ...(spec.cpuLimitMhz !== undefined ? { limitMhz: spec.cpuLimitMhz } : {}),
    });
    n++;
  }
  return n;
}

/** I3, Dom0 counted once: each host's capacity for VMs loses the Dom0 back-end work beyond the reservation
 *  hostCpuCapacity already took off (cpu/charged-overhead.ts hostDom0Charge). */
function chargeDom0(state: SchedulerState, w: ClusterWork): void {
  w.hosts = w.hosts.map((h) => {
    const backend = w.dom0ByHost[h.hostId] ?? 0;
    if (backend <= 0) return h;
    const spec = state.placement.hosts[h.hostId]!.spec;
    const capacity = cpu.hostCpuCapacity(spec.cpu, spec.hypervisor);
    const charge = cpu.hostDom0Charge(backend, {
      reservedMhz: capacity.hypervisorReservedMhz + capacity.hostOsReservedMhz, budgetMhz: io.DOM0_VCPUS * spec.cpu.mhz,
    });
    return { ...h, capacityMhz: Math.max(0, Math.round((h.capacityMhz - charge.beyondReservationMhz) * 10) / 10) };
  });
}

export function planTick(state: SchedulerState, req: TickRequest): TickPlan {
  const started = performance.now();
  const { simTime, tickSeconds } = req;
  const p = state.placement;
  const appends = new Map<string, EventOf[]>();
  const moves: AutoMove[] = [];
  const evacuations: TickPlan['evacuations'] = [];
  const work = clusterWork(state);
  const vms = collectVms(state, work, simTime);
  for (const w of work.values()) chargeDom0(state, w);
  let cpuEvents = 0;
  let drsPasses = 0;
  let hosts = 0;
  const runDrs = drsDue(simTime, tickSeconds);
  for (const [clusterId, w] of work) {
    hosts += w.hosts.length;
    // 1. vCPU scheduling -> samples on change
    const schedules = cpu.scheduleClusterCpu(w.hosts, w.vms, { tickSeconds });
    const samples: CpuEvent[] = cpu.cpuSamplingDecider.decide(
      { type: 'SampleCpuScheduling', clusterId, simTime, schedules }, state.cpu[clusterId] ?? { hosts: {} },
    );
    cpuEvents += samples.length;
    add(appends, streams.cpu(clusterId), samples);

    // 2a. rule compliance (F12): recorded when it changes, before DRS proposes the repairs
    add(appends, streams.placement(clusterId), placement.ruleComplianceEvents(p, clusterId, simTime));
    const spec = p.clusters[clusterId]!.spec;
    const migrations = migrationsOf(state, clusterId);
    const pendingOff = new Set(state.dpm[clusterId]?.powerOff ?? []);
    // 2. DRS
    const drs = state.drs[clusterId];
    if (spec.drs?.enabled && runDrs && (drs?.passAt ?? -1) < simTime) {
      drsPasses++;
      const recs = placement.recommendDrs(p, { clusterId, simTime, demandMhz: w.demandMhz, systemMhz: w.systemMhz, dirtyRateMiBps: w.dirtyRateMiBps, migrations })
        .filter((r) => !pendingOff.has(r.toHostId));
      const events = placement.drsRecommendationEvents(recs, clusterId, simTime);
      const pending = (drs?.items ?? []).filter((i) => i.status === 'pending').map((i) => i.id);
      if (events.length === 0 && pending.length > 0) {
        add(appends, streams.placement(clusterId), [{ type: 'DrsRecommendationsSuperseded', data: { clusterId, recommendationIds: pending, simTime } }]);
      }
      add(appends, streams.placement(clusterId), events);
      add(appends, streams.placement(clusterId), placement.drsAwaitingOperator(events, clusterId, simTime, spec.drs.automation ?? 'manual'));
      if ((spec.drs.automation ?? 'manual') === 'automatic') {
        for (const e of events) moves.push({ clusterId, recommendationId: e.data.recommendationId, vmId: e.data.vmId, fromHostId: e.data.fromHostId, toHostId: e.data.toHostId });
      }
    }
    // 3. DPM
    if (spec.dpm?.enabled) {
      const events: PlacementDecisionEvent[] = placement.evaluateDpm(p, { clusterId, simTime, demandMhz: w.demandMhz, systemMhz: w.systemMhz, activeMemoryMiB: w.activeMemoryMiB, migrations }).events;
      add(appends, streams.placement(clusterId), events);
      if ((spec.dpm.automation ?? 'manual') === 'automatic') {
        for (const e of events) {
          if (e.type === 'DpmHostPowerOffRecommended') evacuations.push({ clusterId, hostId: e.data.hostId });
          if (e.type === 'DpmHostPowerOnRecommended' && p.hosts[e.data.hostId]?.power !== 'on') {
            add(appends, streams.cluster(clusterId), [{ type: 'HostPoweredOn', data: { hostId: e.data.hostId, clusterId, reason: 'dpm' } }]);
          }
        }
      }
    }
  }
  return {
    appends, moves, evacuations,
    stats: { clusters: work.size, hosts, vms, cpuEvents, drsPasses, computeMs: Math.round((performance.now() - started) * 10) / 10 },
  };
}

/** Automatic DPM: hosts recommended for power-off that are now empty (no VM, no migration touching them). */
export function hostsReadyToPowerOff(state: SchedulerState): { clusterId: string; hostId: string }[] {
  const p = state.placement;
  const busy = new Set<string>();
  for (const id in state.migrations) { busy.add(state.migrations[id]!.sourceHostId); busy.add(state.migrations[id]!.targetHostId); }
  const out: { clusterId: string; hostId: string }[] = [];
  for (const clusterId of Object.keys(state.dpm).sort()) {
    const spec = p.clusters[clusterId]?.spec;
    if (!spec?.dpm?.enabled || spec.dpm.automation !== 'automatic') continue;
    for (const hostId of state.dpm[clusterId]!.powerOff) {
      const h = p.hosts[hostId];
      if (h && h.power === 'on' && h.alloc.vmCount === 0 && !busy.has(hostId)) out.push({ clusterId, hostId });
    }
  }
  return out;
}
