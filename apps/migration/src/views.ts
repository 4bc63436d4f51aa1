// Read models: migration.status (the vrm's task follows it), migration.vm (GET /vms/:id), migration.host
// (GET /hosts/:id). Pure functions of the state; they append nothing.
import { notFound } from '@virtsim/contracts';
import { migration } from '@virtsim/domain';
import type { MigrationServiceState, MigrationResult, MigrationRunState } from './state.js';

export interface MigrationStatusView {
  migrationId: string;
  vmId: string;
  kind: string;
  state: MigrationRunState;
  /** 0..100 */
  progress: number;
  sourceHostId: string;
  targetHostId: string;
  requestedAt: number;
  startedAt: number | null;
  reason: string | null;
  /** running: current phase and round, the rounds completed so far */
  phase?: string;
  round?: number;
  rounds?: MigrationResult['rounds'];
  endedAt?: number;
  result?: MigrationResult;
  error?: { code: string; message: string; details: Record<string, unknown> };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function activeView(m: migration.ActiveMigration): MigrationStatusView {
  const r = m.request;
  return {
    migrationId: r.migrationId, vmId: r.vmId, kind: r.kind, state: m.status, progress: round1(migration.migrationProgressPercent(m)),
    sourceHostId: r.sourceHostId, targetHostId: r.targetHostId, requestedAt: r.requestedAt, startedAt: m.startedAt, reason: r.reason ?? null,
    phase: m.phase, round: m.round, rounds: m.rounds,
  };
}

export function findStatus(s: MigrationServiceState, migrationId: string): MigrationStatusView | null {
  const m = s.m.migrations[migrationId];
  if (m) return activeView(m);
  const f = s.finished[migrationId];
  if (!f) return null;
  return {
    migrationId: f.migrationId, vmId: f.vmId, kind: f.kind, state: f.state, progress: f.progress,
    sourceHostId: f.result.sourceHostId, targetHostId: f.result.targetHostId, requestedAt: f.requestedAt, startedAt: f.startedAt,
    reason: f.reason, endedAt: f.endedAt, result: f.result, ...(f.error ? { error: f.error } : {}),
  };
}

export function statusView(s: MigrationServiceState, migrationId: string): MigrationStatusView {
  const v = findStatus(s, migrationId);
  if (!v) throw notFound('migration', migrationId);
  return v;
}

export function vmView(s: MigrationServiceState, vmId: string) {
  const currentId = s.m.byVm[vmId];
  const lastId = s.lastByVm[vmId];
  const vm = s.vms[vmId];
  if (!vm && !currentId && !lastId) throw notFound('vm', vmId);
  return { vmId, current: currentId ? findStatus(s, currentId) : null, last: lastId ? findStatus(s, lastId) : null };
}

export function hostView(s: MigrationServiceState, hostId: string) {
  const host = s.hosts[hostId];
  if (!host) throw notFound('host', hostId);
  const link = migration.hostMigrationLink(hostId, host.gbps);
  const running: MigrationStatusView[] = [];
  const queued: MigrationStatusView[] = [];
  for (const id of Object.keys(s.m.migrations).sort()) {
    const m = s.m.migrations[id]!;
    if (m.request.sourceHostId !== hostId && m.request.targetHostId !== hostId) continue;
    (m.status === 'running' ? running : queued).push(activeView(m));
  }
  const inUse = s.m.linkUse[link.linkId] ?? 0;
  return {
    hostId,
    networkGbps: host.gbps,
    link: { linkId: link.linkId, capacityMiBps: migration.round6(link.capacityMiBps), running: inUse, maxConcurrent: link.maxConcurrent, free: Math.max(0, link.maxConcurrent - inUse) },
    limits: { maxConcurrent: link.maxConcurrent, perLinkSpeed: { '1': migration.HOST_MAX_CONCURRENT[1], '10': migration.HOST_MAX_CONCURRENT[10] } },
    running,
    queued,
  };
}
