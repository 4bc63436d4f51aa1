// The ha-monitor's state: one HaState per cluster (the pure domain's, updated in place), plus what the shell
// needs around it: which cluster a host / VM belongs to, the inventory state of each VM (to emit lawful
// VmStateChanged hops), the rules its fallback placement honours, a short restart log per VM, the clock,
// the last tick it decided (the answers of idempotent commands are service-kit's). Plain JSON; O(1) per event.
import { isEventOf, type RecordedEvent, type RuleSpec, type VmState } from '@virtsim/contracts';
import { ha } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }

export interface RestartEntry {
  simTime: number;
  kind: 'restart' | 'restart-in-place' | 'needs-operator';
  fromHostId: string;
  toHostId: string;
  cause: string;
}

export interface VmRestartLog {
  restarts: number;
  inPlace: number;
  relocated: number;
  /** the last RESTART_LOG_SIZE entries, oldest first */
  last: RestartEntry[];
}

export const RESTART_LOG_SIZE = 10;

export interface HaMonitorState {
  clusters: Record<string, ha.HaState>;
  hostCluster: Record<string, string>;
  vmCluster: Record<string, string>;
  /** inventory state of each VM, as the VmStateChanged events left it */
  vmStates: Record<string, VmState>;
  /** rules of every cluster, for the fallback placer (must / must-not / anti-affinity / should) */
  rules: Record<string, { clusterId: string; spec: RuleSpec }>;
  restarts: Record<string, VmRestartLog>;
  /** live / cold migrations in flight (MigrationRequested until it ends): the fallback placer's anti-affinity
   *  counts both ends as taken, as placement does (HA.md 5) */
  migrations: Record<string, { vmId: string; clusterId: string; sourceHostId: string; targetHostId: string }>;
  clock: Clock;
  /** highest tick number this service has appended decisions for (metadata.tick of its ha-* appends) */
  lastTick: number;
}

export const initialHaMonitorState = (): HaMonitorState => ({
  clusters: {}, hostCluster: {}, vmCluster: {}, vmStates: {}, rules: {}, restarts: {}, migrations: {},
  clock: { tick: 0, simTime: 0, tickSeconds: 10 }, lastTick: 0,
});

export const streams = {
  ha: (clusterId: string) => `ha-${clusterId}`,
  vm: (vmId: string) => `vm-${vmId}`,
};

/** Inventory and placement events the HA domain folds (besides its own HA_EVENT_TYPES). */
const isInventoryInput = isEventOf<ha.HaInputEvent['type']>([
  'ClusterCreated', 'ClusterPolicyChanged', 'HostAdded', 'HostPoweredOn', 'HostPoweredOff', 'HostMaintenanceEntered',
  'HostMaintenanceExited', 'VmCreationRequested', 'VmCreated', 'VmCreationFailed', 'VmDeleted', 'VmStateChanged',
  'VmReconfigured', 'RuleCreated', 'RuleDeleted', 'VmPlaced', 'VmRelocated', 'VmPlacementReleased',
]);

type Data = Record<string, any>;

const isMigrationEnd = isEventOf(['MigrationCompleted', 'MigrationFailed', 'MigrationCancelled', 'MigrationRolledBack', 'MigrationAborted']);

function trackMigration(s: HaMonitorState, e: RecordedEvent, d: Data): void {
  if (e.type === 'MigrationRequested') {
    if (d.kind !== 'storage' && d.sourceHostId !== d.targetHostId) {
      s.migrations[d.migrationId] = { vmId: d.vmId, clusterId: d.clusterId, sourceHostId: d.sourceHostId, targetHostId: d.targetHostId };
    }
  } else if (isMigrationEnd(e)) delete s.migrations[d.migrationId];
}

function logOf(s: HaMonitorState, vmId: string): VmRestartLog {
  return (s.restarts[vmId] ??= { restarts: 0, inPlace: 0, relocated: 0, last: [] });
}

function record(s: HaMonitorState, vmId: string, entry: RestartEntry): void {
  const log = logOf(s, vmId);
  log.last.push(entry);
  if (log.last.length > RESTART_LOG_SIZE) log.last.shift();
}

function shellBookkeeping(s: HaMonitorState, e: RecordedEvent, d: Data): void {
  switch (e.type) {
    case 'ClusterCreated': s.clusters[d.clusterId] = ha.haInitialState(); return;
    case 'HostAdded': s.hostCluster[d.hostId] = d.clusterId; return;
    case 'VmCreationRequested':
      s.vmCluster[d.vmId] = d.spec.clusterId;
      s.vmStates[d.vmId] = 'creating';
      return;
    case 'VmStateChanged':
      if (d.to === 'deleted') return forget(s, d.vmId);
      if (s.vmCluster[d.vmId] !== undefined) s.vmStates[d.vmId] = d.to;
      return;
    case 'VmCreationFailed':
    case 'VmDeleted': return forget(s, d.vmId);
    case 'RuleCreated': s.rules[d.ruleId] = { clusterId: d.clusterId, spec: d.spec }; return;
    case 'RuleDeleted': delete s.rules[d.ruleId]; return;
    case 'VmRestarted': {
      const log = logOf(s, d.vmId);
      log.restarts++;
      if (d.hostId !== d.fromHostId) log.relocated++;
      return record(s, d.vmId, { simTime: d.simTime, kind: 'restart', fromHostId: d.fromHostId, toHostId: d.hostId, cause: d.cause });
    }
    case 'VmRestartedInPlace': {
      const log = logOf(s, d.vmId);
      log.restarts++;
      log.inPlace++;
      return record(s, d.vmId, { simTime: d.simTime, kind: 'restart-in-place', fromHostId: d.hostId, toHostId: d.hostId, cause: d.cause });
    }
    case 'VmFailedNeedsOperator':
      return record(s, d.vmId, { simTime: d.simTime, kind: 'needs-operator', fromHostId: d.hostId, toHostId: d.hostId, cause: d.reason });
    default:
  }
}

/** C4: a VM relocated into another cluster moves to that cluster's HA state (before the event is folded there). */
function leaveCluster(s: HaMonitorState, d: Data): void {
  const from = s.vmCluster[d.vmId];
  if (from === undefined || typeof d.clusterId !== 'string' || d.clusterId === from) return;
  const src = s.clusters[from];
  const dst = s.clusters[d.clusterId];
  if (src && dst) ha.transferHaVm(src, dst, d.vmId, d.toHostId);
  s.vmCluster[d.vmId] = d.clusterId;
}

function forget(s: HaMonitorState, vmId: string): void {
  delete s.vmCluster[vmId];
  delete s.vmStates[vmId];
  delete s.restarts[vmId];
}

function clusterOf(s: HaMonitorState, e: RecordedEvent, d: Data): string | null {
  if (e.type === 'VmCreationRequested') return d.spec?.clusterId ?? null;
  if (typeof d.clusterId === 'string') return d.clusterId;
  if (typeof d.vmId === 'string') return s.vmCluster[d.vmId] ?? null;
  if (typeof d.hostId === 'string') return s.hostCluster[d.hostId] ?? null;
  return null;
}

export function evolveHaMonitor(s: HaMonitorState, e: RecordedEvent): HaMonitorState {
  const d = (e.data ?? {}) as Data;
  if (e.type === 'ClockAdvanced') {
    s.clock = { tick: d.tick, simTime: d.simTime, tickSeconds: d.tickSeconds };
    return s;
  }
  const meta = e.metadata ?? {};
  if (typeof meta.tick === 'number' && e.streamId.startsWith('ha-') && meta.tick > s.lastTick) s.lastTick = meta.tick;
  if (e.type.startsWith('Migration')) return (trackMigration(s, e, d), s);
  const isHa = ha.HA_EVENT_TYPES.has(e.type);
  if (!isHa && !isInventoryInput(e)) return s;
  const clusterId = clusterOf(s, e, d);
  if (e.type === 'VmRelocated') leaveCluster(s, d);
  shellBookkeeping(s, e, d);
  const cs = clusterId === null ? undefined : s.clusters[clusterId];
  if (cs) ha.evolveHaInPlace(cs, e as unknown as ha.HaInputEvent);
  return s;
}

export const haMonitorProjection: ProjectionDef<HaMonitorState> = {
  name: 'ha-monitor',
  // 2: HaVm.restartsInPlaceAt and the policy's restart window (issue 15)
  // 3: in-flight migrations for the fallback placer's anti-affinity (issue 15 item 7)
  // 4: the step answers left the state (service-kit's StepOutcomes keeps them)
  // 5: HaState.unprotectedVms, the count HaUnprotectedVmsChanged last recorded (issue 19)
  version: 5,
  initialState: initialHaMonitorState,
  evolve: evolveHaMonitor,
};
