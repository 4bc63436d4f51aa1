// The migration service's state: the domain's MigrationState (queued and running migrations, updated in place
// with applyMigrationEvent), plus what the shell needs around it: the inventory facts the preconditions read
// (clusters with their IMC baseline, hosts with power / maintenance / HA availability, VMs with state, host,
// size and the CPU features they were powered on with), the clock, finished migrations for status queries,
// the id counter and the last tick decided (the answers of idempotent commands are service-kit's). Plain JSON; O(1) per event
// (a terminal migration event costs O(queue) in the domain's queue splice).
import type {
  HostPowerState, MigrationEvent, MigrationKind, MigrationRound, NumaPlacement, RecordedEvent, VmState, WorkloadProfile,
} from '@virtsim/contracts';
import { migration } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }

export interface ClusterFacts { name: string; imcBaseline: migration.ImcBaselineSpec | null; seed: number }

export interface HostFacts {
  clusterId: string;
  name: string;
  power: HostPowerState;
  maintenance: boolean;
  /** failed / isolated / fenced as HA saw it, until HostRecovered */
  haDown: boolean;
  /** an injected host fault (power loss, hypervisor crash, isolation) cuts its migrations at once, before HA
   *  detects it (and when HA is off on the cluster, nothing ever detects it) */
  fault: boolean;
  gbps: 1 | 10;
  vendor: string;
  cpuFeatures: string[];
  /** in the spec's order: the first holds disks that name none (a cold move copies only what the target cannot see) */
  datastores: { name: string; kind: 'shared' | 'local' }[];
}

export interface VmFacts {
  clusterId: string;
  name: string;
  state: VmState;
  hostId: string | null;
  vcpus: number;
  memoryMiB: number;
  disksGiB: number[];
  /** each disk's datastore (null: the host's first) */
  diskDatastores: (string | null)[];
  workload: WorkloadProfile | null;
  /** passthrough / vGPU / SR-IOV devices of the spec (used when io-backend does not know the VM) */
  specPassthrough: string[];
  /** features the VM was powered on with (null while off) */
  cpuFeatures: string[] | null;
  /** the state it left for 'migrating' */
  stateBeforeMigration: VmState | null;
}

export type MigrationRunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type EndOutcome = 'converged' | 'auto-converged' | 'copied' | 'failed' | 'cancelled' | 'rolled-back' | 'aborted';

export interface MigrationResult {
  sourceHostId: string;
  targetHostId: string;
  rounds: MigrationRound[];
  totalSeconds: number;
  downtimeMs: number;
  sentMiB: number;
  outcome: EndOutcome;
  reason?: string;
}

export interface FinishedMigration {
  migrationId: string;
  vmId: string;
  kind: MigrationKind;
  clusterId: string;
  state: Exclude<MigrationRunState, 'queued' | 'running'>;
  progress: number;
  requestedAt: number;
  startedAt: number | null;
  endedAt: number;
  reason: string | null;
  requestedBy: string | null;
  result: MigrationResult;
  error: { code: string; message: string; details: Record<string, unknown> } | null;
}

export interface MigrationServiceState {
  m: migration.MigrationState;
  clock: Clock;
  clusters: Record<string, ClusterFacts>;
  hosts: Record<string, HostFacts>;
  vms: Record<string, VmFacts>;
  /** hostId -> VMs placed on it */
  hostVms: Record<string, Record<string, 1>>;
  /** highest N of the ids m<N> seen */
  counter: number;
  finished: Record<string, FinishedMigration>;
  /** vmId -> its last finished migration */
  lastByVm: Record<string, string>;
  /** highest tick number this service has appended decisions for (metadata.tick of its migration-* appends) */
  lastTick: number;
}

export const initialMigrationServiceState = (): MigrationServiceState => ({
  m: migration.initialMigrationState(), clock: { tick: 0, simTime: 0, tickSeconds: 10 },
  clusters: {}, hosts: {}, vms: {}, hostVms: {}, counter: 0, finished: {}, lastByVm: {}, lastTick: 0,
});

export const streams = {
  migration: (clusterId: string) => `migration-${clusterId}`,
  vm: (vmId: string) => `vm-${vmId}`,
};

export const isUp = (h: HostFacts | undefined): boolean => !!h && h.power === 'on' && !h.haDown && !h.fault;

/** Devices that tie a VM to its host by its spec: passthrough GPUs, vGPUs, SR-IOV NICs, passthrough disks. */
export function specPassthrough(spec: { gpus?: { mode: string; profile?: string }[]; nics?: { model: string }[]; disks?: { bus: string; device?: string; model?: string }[] }): string[] {
  const out: string[] = [];
  (spec.disks ?? []).forEach((d, i) => { if (d.bus === 'passthrough') out.push(`disk${i} (passthrough ${d.device ?? 'disk'}${d.model ? ` ${d.model}` : ''})`); });
  (spec.gpus ?? []).forEach((g, i) => { if (g.mode === 'passthrough' || g.mode === 'vgpu') out.push(`gpu${i} (${g.mode}${g.profile ? ` ${g.profile}` : ''})`); });
  (spec.nics ?? []).forEach((n, i) => { if (n.model === 'sriov') out.push(`nic${i} (sriov)`); });
  return out;
}

/** F11: under an IMC baseline a guest sees the baseline, otherwise its host's CPU. Never throws. */
export function featuresAtPowerOn(s: MigrationServiceState, clusterId: string, hostId: string | null): string[] {
  const host = hostId === null ? undefined : s.hosts[hostId];
  try {
    return migration.vmCpuFeaturesAtPowerOn(s.clusters[clusterId]?.imcBaseline ?? null, host?.cpuFeatures ?? []);
  } catch {
    return migration.normalizeFeatures(host?.cpuFeatures ?? []);
  }
}

type Data = Record<string, any>;

function setHost(s: MigrationServiceState, vmId: string, vm: VmFacts, hostId: string | null): void {
  if (vm.hostId === hostId) return;
  if (vm.hostId !== null) {
    const on = s.hostVms[vm.hostId];
    if (on) { delete on[vmId]; }
  }
  vm.hostId = hostId;
  if (hostId !== null) (s.hostVms[hostId] ??= {})[vmId] = 1;
}

function removeVm(s: MigrationServiceState, vmId: string): void {
  const vm = s.vms[vmId];
  if (!vm) return;
  setHost(s, vmId, vm, null);
  delete s.vms[vmId];
}

function evolveInventory(s: MigrationServiceState, e: RecordedEvent, d: Data): void {
  switch (e.type) {
    case 'ClockAdvanced': s.clock = { tick: d.tick, simTime: d.simTime, tickSeconds: d.tickSeconds }; return;
    case 'ClusterCreated':
      s.clusters[d.clusterId] = { name: d.spec?.name ?? d.clusterId, imcBaseline: d.spec?.imcBaseline ?? null, seed: d.spec?.seed ?? 1 };
      return;
    case 'ClusterPolicyChanged': {
      const c = s.clusters[d.clusterId];
      if (!c || !d.patch) return;
      if (d.patch.name !== undefined) c.name = d.patch.name;
      if (d.patch.seed !== undefined) c.seed = d.patch.seed;
      if ('imcBaseline' in d.patch) c.imcBaseline = d.patch.imcBaseline ?? null;
      return;
    }
    case 'HostAdded':
      s.hosts[d.hostId] = {
        clusterId: d.clusterId, name: d.spec?.name ?? d.hostId, power: 'on', maintenance: false, haDown: false, fault: false,
        gbps: d.spec?.migrationNetworkGbps === 1 ? 1 : 10, vendor: d.spec?.cpu?.vendor ?? 'other', cpuFeatures: d.spec?.cpu?.features ?? [],
        datastores: (d.spec?.datastores ?? []).map((x: { name: string; kind?: 'shared' | 'local' }) => ({ name: x.name, kind: x.kind ?? 'shared' })),
      };
      return;
    case 'HostPoweredOn': { const h = s.hosts[d.hostId]; if (h) h.power = 'on'; return; }
    case 'HostPoweredOff': { const h = s.hosts[d.hostId]; if (h) h.power = d.standby ? 'standby' : 'off'; return; }
    case 'HostMaintenanceEntered': { const h = s.hosts[d.hostId]; if (h) h.maintenance = true; return; }
    case 'HostMaintenanceExited': { const h = s.hosts[d.hostId]; if (h) h.maintenance = false; return; }
    case 'HostFailureDetected':
    case 'HostIsolationDetected':
    case 'HostFenced': { const h = s.hosts[d.hostId]; if (h) h.haDown = true; return; }
    case 'HostRecovered': { const h = s.hosts[d.hostId]; if (h) { h.haDown = false; h.fault = false; } return; }
    case 'HostFaultInjected': { const h = s.hosts[d.hostId]; if (h) h.fault = true; return; }
    case 'HostFaultCleared': { const h = s.hosts[d.hostId]; if (h) h.fault = false; return; }
    case 'VmCreationRequested': {
      const spec = d.spec ?? {};
      s.vms[d.vmId] = {
        clusterId: spec.clusterId, name: spec.name ?? d.vmId, state: 'creating', hostId: null, vcpus: spec.vcpus ?? 1,
        memoryMiB: spec.memoryMiB ?? 0, disksGiB: (spec.disks ?? []).map((x: { sizeGiB: number }) => x.sizeGiB),
        diskDatastores: (spec.disks ?? []).map((x: { datastore?: string }) => x.datastore ?? null),
        workload: spec.workload ?? null, specPassthrough: specPassthrough(spec),
        // a VM imported suspended (C3) keeps the features it was powered on with
        cpuFeatures: d.saved?.cpu?.features ?? null, stateBeforeMigration: null,
      };
      return;
    }
    case 'VmCreated':
    case 'VmPlaced': { const vm = s.vms[d.vmId]; if (vm) setHost(s, d.vmId, vm, d.hostId); return; }
    case 'VmRelocated': {
      const vm = s.vms[d.vmId];
      if (!vm) return;
      if (d.clusterId) vm.clusterId = d.clusterId; // C4: it may have left its cluster
      setHost(s, d.vmId, vm, d.toHostId);
      return;
    }
    case 'VmPlacementReleased': { const vm = s.vms[d.vmId]; if (vm && vm.hostId === d.hostId) setHost(s, d.vmId, vm, null); return; }
    case 'VmStateChanged': {
      const vm = s.vms[d.vmId];
      if (!vm) return;
      if (d.to === 'deleted') return removeVm(s, d.vmId);
      if (d.to === 'migrating') vm.stateBeforeMigration = d.from;
      else if (d.from === 'migrating') vm.stateBeforeMigration = null;
      if (d.to === 'starting') vm.cpuFeatures = featuresAtPowerOn(s, vm.clusterId, vm.hostId);
      if (d.to === 'stopped' || d.to === 'failed') vm.cpuFeatures = null;
      vm.state = d.to;
      return;
    }
    case 'VmReconfigured': { const vm = s.vms[d.vmId]; if (vm) { vm.vcpus = d.vcpus; vm.memoryMiB = d.memoryMiB; } return; }
    case 'VmDeleted':
    case 'VmCreationFailed': return removeVm(s, d.vmId);
    default:
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The record kept once a migration has ended, from the active migration as it was just before its end. */
function finishedRecord(m: migration.ActiveMigration, e: MigrationEvent): FinishedMigration {
  const r = m.request;
  const base = {
    migrationId: r.migrationId, vmId: r.vmId, kind: r.kind, clusterId: r.clusterId, requestedAt: r.requestedAt,
    startedAt: m.startedAt, reason: r.reason ?? null, requestedBy: r.requestedBy ?? null,
  };
  const partial = (at: number, outcome: EndOutcome, reason: string): MigrationResult => ({
    sourceHostId: r.sourceHostId, targetHostId: r.targetHostId, rounds: m.rounds,
    totalSeconds: migration.round6(m.startedAt === null ? 0 : Math.max(0, at - m.startedAt)),
    downtimeMs: migration.round6(m.pausedSeconds * 1000), sentMiB: migration.round6(m.sentMiB + m.phaseSentMiB), outcome, reason,
  });
  const progress = round1(migration.migrationProgressPercent(m));
  switch (e.type) {
    case 'MigrationCompleted': {
      const c = e.data;
      return {
        ...base, state: 'succeeded', progress: 100, endedAt: c.completedAt, error: null,
        result: { sourceHostId: c.sourceHostId, targetHostId: c.targetHostId, rounds: c.rounds, totalSeconds: c.totalSeconds, downtimeMs: c.downtimeMs, sentMiB: c.sentMiB, outcome: c.outcome },
      };
    }
    case 'MigrationFailed': {
      const f = e.data;
      return {
        ...base, state: 'failed', progress, endedAt: f.at, result: { ...partial(f.at, 'failed', f.reason), rounds: f.rounds, sentMiB: f.sentMiB },
        error: { code: 'unprocessable', message: f.reason, details: { rule: 'migration.failed', migrationId: f.migrationId, vmId: f.vmId } },
      };
    }
    case 'MigrationCancelled': {
      const c = e.data;
      return {
        ...base, state: 'cancelled', progress, endedAt: c.at, result: partial(c.at, 'cancelled', c.reason),
        error: { code: 'conflict', message: c.reason, details: { rule: 'migration.cancelled', migrationId: c.migrationId, vmId: c.vmId, rolledBack: c.rolledBack } },
      };
    }
    case 'MigrationRolledBack':
    case 'MigrationAborted': {
      const x = e.data;
      const outcome = e.type === 'MigrationRolledBack' ? 'rolled-back' : 'aborted';
      return {
        ...base, state: 'failed', progress, endedAt: x.at, result: partial(x.at, outcome, x.reason),
        error: { code: 'conflict', message: x.reason, details: { rule: `migration.${outcome}`, migrationId: x.migrationId, vmId: x.vmId } },
      };
    }
    default: throw new Error(`not terminal: ${e.type}`);
  }
}

function evolveOwn(s: MigrationServiceState, e: RecordedEvent): void {
  const event = { type: e.type, data: e.data } as MigrationEvent;
  const id = (event.data as { migrationId: string }).migrationId;
  if (event.type === 'MigrationRequested') {
    const n = /^m(\d+)$/.exec(id);
    if (n) s.counter = Math.max(s.counter, Number(n[1]));
  } else if (migration.isTerminal(event)) {
    const m = s.m.migrations[id];
    if (m) {
      s.finished[id] = finishedRecord(m, event);
      s.lastByVm[m.request.vmId] = id;
    }
  }
  migration.applyMigrationEvent(s.m, event);
}

export function evolveMigrationService(s: MigrationServiceState, e: RecordedEvent): MigrationServiceState {
  if (e.type.startsWith('Migration')) {
    if (e.streamId.startsWith('migration-')) {
      const meta = e.metadata ?? {};
      if (typeof meta.tick === 'number' && meta.tick > s.lastTick) s.lastTick = meta.tick;
    }
    evolveOwn(s, e);
    return s;
  }
  evolveInventory(s, e, (e.data ?? {}) as Data);
  return s;
}

export const migrationProjection: ProjectionDef<MigrationServiceState> = {
  name: 'migration',
  /** 2: the step answers left the state (service-kit's StepOutcomes keeps them); 3: host and disk datastores
   *  (a cold move on shared storage copies no disks, issue 16) */
  version: 3,
  initialState: initialMigrationServiceState,
  evolve: evolveMigrationService,
};

export type { NumaPlacement };
