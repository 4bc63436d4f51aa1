// The scheduler's state: the fold of the whole log, updated IN PLACE, O(1) per event (plain JSON).
//   placement  placement context (hosts, allocations, VMs, rules, DPM band timers) via evolvePlacement
//   cpu        last PUBLISHED CPU sample per cluster and host (the cpuSamplingDecider's state)
//   drs        per cluster: the recommendations of the last DRS pass and which are still pending
//   dpm        per cluster: hosts DPM recommended for power-off (automatic mode waits for them to empty)
//   migrations live / cold migrations in flight (anti-affinity counts both ends; DRS never moves them again)
//   down       VMs HA reported down (VmsDownOnHost) and not yet restarted: they use no CPU
//   memorySlowdown  M4: VMs whose working set is partly swapped or ballooned out (the `slowdown` that
//              MemorySwappedOut / In carry): their throughput is divided by it (cpu/charged-overhead.ts); absent = 1
//   clock      the last ClockAdvanced (metadata simTime)
import {
  isEventOf, type CpuEvent, type CpuSchedulingSampledData, type DrsMoveRationale, type HaEvent, type MigrationEvent, type PlacementDecisionEvent,
  type RecordedEvent,
} from '@virtsim/contracts';
import { placement } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }

export type DrsItemStatus = 'pending' | 'applied' | 'failed';
export interface DrsItem {
  id: string;
  vmId: string;
  fromHostId: string;
  toHostId: string;
  priority: number;
  rationale: DrsMoveRationale;
  status: DrsItemStatus;
  migrationId: string | null;
  reason: string | null;
}
/** passAt: simTime of the last pass that recorded anything (-1 = none) */
export interface DrsCluster { passAt: number; items: DrsItem[] }

export interface SchedulerState {
  placement: placement.PlacementState;
  cpu: Record<string, { hosts: Record<string, CpuSchedulingSampledData> }>;
  drs: Record<string, DrsCluster>;
  dpm: Record<string, { powerOff: string[] }>;
  migrations: Record<string, placement.InFlightMigration & { migrationId: string }>;
  down: Record<string, string>;
  memorySlowdown: Record<string, number>;
  clock: Clock;
}

export const initialSchedulerState = (): SchedulerState => ({
  placement: placement.initialPlacementState(),
  cpu: {},
  drs: {},
  dpm: {},
  migrations: {},
  down: {},
  memorySlowdown: {},
  clock: { tick: 0, simTime: 0, tickSeconds: 10 },
});

const isMigrationEnd = isEventOf(['MigrationCompleted', 'MigrationFailed', 'MigrationCancelled', 'MigrationRolledBack', 'MigrationAborted']);
/** events after which a VM reported down runs again (or is gone) */
const isVmBack = isEventOf(['VmRelocated', 'VmRestarted', 'VmRestartedInPlace', 'VmStateChanged', 'VmDeleted', 'VmCreationFailed', 'VmPlaced']);

const drsOf = (s: SchedulerState, clusterId: string): DrsCluster => (s.drs[clusterId] ??= { passAt: -1, items: [] });
const dpmOf = (s: SchedulerState, clusterId: string) => (s.dpm[clusterId] ??= { powerOff: [] });

function dropPowerOff(s: SchedulerState, clusterId: string, hostId: string): void {
  const d = s.dpm[clusterId];
  if (d && d.powerOff.includes(hostId)) d.powerOff = d.powerOff.filter((h) => h !== hostId);
}

function evolveDecision(s: SchedulerState, e: PlacementDecisionEvent): void {
  switch (e.type) {
    case 'DrsRecommendationMade': {
      const d = e.data;
      const drs = drsOf(s, d.clusterId);
      if (drs.passAt !== d.simTime) { drs.passAt = d.simTime; drs.items = []; }
      drs.items.push({
        id: d.recommendationId, vmId: d.vmId, fromHostId: d.fromHostId, toHostId: d.toHostId, priority: d.rationale.priority,
        rationale: d.rationale, status: 'pending', migrationId: null, reason: null,
      });
      break;
    }
    case 'DrsRecommendationApplied':
    case 'DrsRecommendationFailed': {
      const item = s.drs[e.data.clusterId]?.items.find((i) => i.id === e.data.recommendationId);
      if (!item) break;
      if (e.type === 'DrsRecommendationApplied') { item.status = 'applied'; item.migrationId = e.data.migrationId; } else { item.status = 'failed'; item.reason = e.data.reason; }
      break;
    }
    case 'DrsRecommendationsSuperseded': {
      const drs = drsOf(s, e.data.clusterId);
      drs.passAt = e.data.simTime;
      drs.items = [];
      break;
    }
    case 'DpmHostPowerOffRecommended': {
      const d = dpmOf(s, e.data.clusterId);
      if (!d.powerOff.includes(e.data.hostId)) d.powerOff = [...d.powerOff, e.data.hostId].sort();
      break;
    }
    case 'DpmHostPowerOffCancelled': dropPowerOff(s, e.data.clusterId, e.data.hostId); break;
    case 'DpmBandChanged': if (e.data.band !== 'below' && s.dpm[e.data.clusterId]) s.dpm[e.data.clusterId]!.powerOff = []; break;
    default: break;
  }
}

function evolveCpu(s: SchedulerState, e: CpuEvent): void {
  if (e.type === 'CpuSchedulingSampled') (s.cpu[e.data.clusterId] ??= { hosts: {} }).hosts[e.data.hostId] = e.data;
  else delete s.cpu[e.data.clusterId]?.hosts[e.data.hostId];
}

function evolveMigration(s: SchedulerState, e: MigrationEvent): void {
  if (e.type === 'MigrationRequested') {
    const d = e.data;
    if (d.kind !== 'storage' && d.sourceHostId !== d.targetHostId) {
      s.migrations[d.migrationId] = { migrationId: d.migrationId, vmId: d.vmId, sourceHostId: d.sourceHostId, targetHostId: d.targetHostId };
    }
  } else if (isMigrationEnd(e)) {
    delete s.migrations[e.data.migrationId];
  }
}

function evolveHa(s: SchedulerState, e: HaEvent): void {
  placement.applyHaVerdict(s.placement, e);
  if (e.type === 'VmsDownOnHost') for (const vmId of e.data.vmIds) s.down[vmId] = e.data.hostId;
}

export function evolveScheduler(s: SchedulerState, event: RecordedEvent): SchedulerState {
  const e = { type: event.type, data: event.data } as never;
  placement.evolvePlacement(s.placement, e);
  const type = event.type;
  if (type === 'ClockAdvanced') s.clock = { ...(event.data as Clock) };
  else if (type.startsWith('Drs') || type.startsWith('Dpm')) evolveDecision(s, e);
  else if (type === 'CpuSchedulingSampled' || type === 'CpuHostSamplingStopped') evolveCpu(s, e);
  else if (type.startsWith('Migration')) evolveMigration(s, e);
  else if (type === 'MemorySwappedOut' || type === 'MemorySwappedIn') {
    const d = event.data as { vmId: string; slowdown: number };
    if (d.slowdown > 1) s.memorySlowdown[d.vmId] = d.slowdown;
    else delete s.memorySlowdown[d.vmId];
  } else if (type === 'IoGuestToolsInstalled') placement.applyGuestToolsInstalled(s.placement, (event.data as { vmId: string }).vmId);
  else evolveHa(s, e);
  if (type === 'VmDeleted') delete s.memorySlowdown[(event.data as { vmId: string }).vmId];
  if (isVmBack(event)) {
    const vmId = (event.data as { vmId?: string }).vmId;
    if (vmId && s.down[vmId] !== undefined) delete s.down[vmId];
  }
  if (type === 'HostPoweredOff' || type === 'HostPoweredOn' || type === 'HostMaintenanceEntered') {
    const d = event.data as { hostId: string; clusterId?: string };
    const clusterId = d.clusterId ?? s.placement.hosts[d.hostId]?.clusterId;
    if (clusterId) dropPowerOff(s, clusterId, d.hostId);
  }
  return s;
}

export const schedulerProjection: ProjectionDef<SchedulerState> = {
  name: 'scheduler',
  // 2: the state gained memorySlowdown (issue 15: swapping is charged to the VM's throughput)
  // 3: host allocations gained chargedMhz (issue 15: initial placement weighs the charged CPU)
  version: 3,
  initialState: initialSchedulerState,
  evolve: evolveScheduler,
};

export const streams = {
  placement: (clusterId: string) => `placement-${clusterId}`,
  cpu: (clusterId: string) => `cpu-${clusterId}`,
  cluster: (clusterId: string) => `cluster-${clusterId}`,
};

/** In-flight migrations of a cluster, for the placement filters (anti-affinity) and DRS. */
export function migrationsOf(s: SchedulerState, clusterId?: string): placement.InFlightMigration[] {
  const out: placement.InFlightMigration[] = [];
  for (const id in s.migrations) {
    const m = s.migrations[id]!;
    if (clusterId === undefined || s.placement.vms[m.vmId]?.clusterId === clusterId) out.push({ vmId: m.vmId, sourceHostId: m.sourceHostId, targetHostId: m.targetHostId });
  }
  return out;
}
