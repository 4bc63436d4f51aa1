// The migration service's commands: start, evacuate, cancel and the tick. Each gathers what other services know
// (io-backend: passthrough devices; scheduler: a target with room), decides with the pure migration domain against
// the projection, and appends the domain's events on `migration-<clusterId>` plus the VM lifecycle echo on
// `vm-<vmId>` (echo.ts), in one append. The tick is planned in tick.ts.
import { Injectable } from '@nestjs/common';
import {
  conflict, notFound, protocol, VirtsimError, type CancelMigrationRequest as CancelRequest, type EvacuateRequest, type EventMetadata,
  type EvacuateAnswer, type EventOf, type MigrationEvent, type MigrationStartAnswer, type MigrationStartRequest as StartRequest, type NumaPlacement, type TickRequest,
} from '@virtsim/contracts';
import { migration } from '@virtsim/domain';
import type { AppendBatch } from '@virtsim/event-store';
import { ServiceContext, type Decision } from '@virtsim/service-kit';
import { VmEcho } from './echo.js';
import { hostFacts, requireVm, sourceOf, vmFacts } from './facts.js';
import { decideTick } from './tick.js';
import { streams, type MigrationServiceState, type VmFacts } from './state.js';

interface Trace { correlationId?: string; causationId?: string }

export interface Grant { hostId: string; numa?: NumaPlacement | null; brokenShouldRules?: string[] }
type SelectHostsGrant = Grant | { refused: string };

/** one move, its facts gathered and checked, ready for the decider */
interface Move {
  vmId: string;
  kind: 'live' | 'cold';
  vm: migration.MigrationVmFacts;
  source: migration.MigrationHostFacts;
  target: migration.MigrationHostFacts;
  capacity: migration.TargetCapacity;
  grant: Grant | null;
  /** set when the move leaves the VM's cluster (C4) */
  targetCluster?: migration.TargetClusterFacts;
  options?: StartRequest['options'];
  reason: string;
  requestedBy: string | null;
}

/** the protocol's answers (libs/contracts): one declaration links this service to its callers */
type StartAnswer = MigrationStartAnswer;

export interface TickAnswer {
  events: number;
  started: number;
  completed: number;
  failed: number;
  running: number;
  queued: number;
  computeMs: number;
  repeated?: boolean;
}

/** planEvacuation's order (largest memory first, then name, then id): the scheduler commits grants in it */
const MOVABLE_ORDER = (a: { memoryMiB: number; name: string; id: string }, b: { memoryMiB: number; name: string; id: string }): number =>
  b.memoryMiB - a.memoryMiB || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const MAX_EXCLUDE = 1024;
/** the longest one command asks io-backend / the scheduler again through faults (see peerDeadline) */
const PEER_CALLS_SECONDS = 30;

@Injectable()
export class Migrations {
  constructor(readonly ctx: ServiceContext<MigrationServiceState>) {}

  async caughtUp(): Promise<MigrationServiceState> {
    await this.ctx.projection.catchUp();
    return this.ctx.state;
  }

  // ---------------------------------------------------------------- migration.start

  start(req: StartRequest): Promise<StartAnswer & { position: number; repeated?: boolean }> {
    // one idempotent step (ctx.runSteps): the first answer, or refusal, under the key answers a repeat from the log
    return this.ctx.runSteps(async (s, steps): Promise<Decision<StartAnswer & { repeated?: boolean }>> => {
      const d = await steps.decision(req.idempotencyKey, async () => {
        const move = await this.prepareMove(s, req);
        const { appends, answers } = this.requestMoves(s, [move]);
        return { appends, result: answers[0]! };
      });
      return { appends: d.appends, result: d.result, metadata: this.metadata(req, s.clock.simTime, d.metadata) };
    }, { metadata: (s: MigrationServiceState) => this.metadata(req, s.clock.simTime) });
  }

  /** Every check that can refuse without asking anyone first, then io-backend (passthrough), then the scheduler. */
  private async prepareMove(s: MigrationServiceState, req: StartRequest): Promise<Move> {
    const vm = requireVm(s, req.vmId);
    const kind = req.live ? 'live' : 'cold';
    const busy = s.m.byVm[req.vmId];
    if (busy) {
      throw conflict('migration.in-progress', `VM ${vm.name} (${req.vmId}) is already being migrated (migration ${busy}): wait for it or cancel it`, { vmId: req.vmId, migrationId: busy });
    }
    const source = sourceOf(s, req.vmId, vm);
    const named = req.targetHostId === undefined ? null : hostFacts(s, req.targetHostId);
    const clusterId = req.targetClusterId ?? named?.clusterId ?? vm.clusterId;
    if (named && named.clusterId !== clusterId) {
      throw conflict('migration.target-host', `host ${named.name} (${named.id}) is in cluster ${named.clusterId}, not in the target cluster ${clusterId}`, { vmId: req.vmId, hostId: named.id, targetClusterId: clusterId });
    }
    const targetCluster = clusterId === vm.clusterId ? undefined : clusterFacts(s, clusterId);
    if (targetCluster) nameFree(s, req.vmId, vm, targetCluster);
    const facts = vmFacts(s, req.vmId, vm, []);
    // state, source, same host, named target's power / maintenance / IMC, the target cluster's baseline: refused before any remote call
    const provisional = named ?? { id: '', name: '(any)', clusterId, up: true, maintenance: false, migrationNetworkGbps: 10 as const, cpuFeatures: facts.cpuFeatures };
    check(kind, { vm: facts, source, target: provisional, capacity: { fits: true }, targetCluster });
    if (kind === 'live') {
      facts.passthroughDevices = await this.passthrough(req.vmId, vm, req);
      check(kind, { vm: facts, source, target: provisional, capacity: { fits: true }, targetCluster });
    }
    const selected = await this.selectHost(s, req.vmId, vm, clusterId, source.id, req.targetHostId, req);
    const target = 'refusal' in selected ? named! : hostFacts(s, selected.hostId);
    const capacity: migration.TargetCapacity = 'refusal' in selected ? { fits: false, reason: selected.refusal } : { fits: true };
    return {
      vmId: req.vmId, kind, vm: facts, source, target, capacity, grant: 'refusal' in selected ? null : selected, targetCluster,
      options: req.options, reason: req.reason, requestedBy: req.requestedBy ?? null,
    };
  }

  /** How long one command asks io-backend / the scheduler again through faults (a restarting peer, a lost answer;
   *  the questions are idempotent): the step retry window, at most PEER_CALLS_SECONDS, since the command holds this
   *  service's command queue meanwhile. Past it the command answers 503 naming the peer (the vrm asks again). */
  private peerDeadline(): number {
    return performance.now() + Math.min(this.ctx.config.VIRTSIM_STEP_RETRY_SECONDS, PEER_CALLS_SECONDS) * 1000;
  }

  /** io-backend's passthrough / vGPU devices of the VM; the spec's when io does not know the VM; 503 when io is down */
  private async passthrough(vmId: string, vm: VmFacts, trace: Trace): Promise<string[]> {
    try {
      const r = await this.ctx.callPersistently(protocol['io-backend'].canMigrate, { vmId, ...traceOf(trace) }, { deadline: this.peerDeadline() });
      return (r?.blockingDevices ?? []).map((d) => `${d.guestName ?? d.deviceId ?? 'device'} (${[d.mode, d.hostModel].filter(Boolean).join(' ')})`);
    } catch (err) {
      const e = VirtsimError.from(err);
      if (e.code === 'not-found') return vm.specPassthrough;
      if (e.code === 'unavailable') {
        throw new VirtsimError('unavailable', `cannot check VM ${vm.name} (${vmId}) for passthrough devices: io-backend is unavailable (${e.message})`, { rule: 'migration.io-unavailable', vmId });
      }
      throw e;
    }
  }

  /** The scheduler's target. With a named target every other host of the cluster is excluded, so the answer is
   *  either that host or the placement filters that refused it (named in the refusal). */
  private async selectHost(s: MigrationServiceState, vmId: string, vm: VmFacts, clusterId: string, sourceId: string, targetHostId: string | undefined, trace: Trace): Promise<Grant | { refusal: string }> {
    const excludeHosts = [sourceId];
    if (targetHostId !== undefined) {
      const others = Object.keys(s.hosts).filter((h) => h !== targetHostId && h !== sourceId && s.hosts[h]!.clusterId === clusterId).sort();
      if (others.length + 1 <= MAX_EXCLUDE) excludeHosts.push(...others);
    }
    let grant: Grant;
    try {
      grant = await this.ctx.callPersistently(protocol.scheduler.selectHost, {
        vmId, excludeHosts, ...(clusterId !== vm.clusterId ? { clusterId } : {}), ...(targetHostId !== undefined ? { preferHost: targetHostId } : {}), ...traceOf(trace),
      }, { deadline: this.peerDeadline() });
    } catch (err) {
      const e = VirtsimError.from(err);
      if (e.code === 'unavailable') {
        throw new VirtsimError('unavailable', `cannot find a target for VM ${vm.name} (${vmId}): the scheduler is unavailable (${e.message})`, { rule: 'migration.scheduler-unavailable', vmId });
      }
      if (targetHostId !== undefined && e.code === 'unprocessable') return { refusal: filterReason(e) };
      throw e;
    }
    if (!grant || typeof grant.hostId !== 'string') throw new VirtsimError('internal', `scheduler.select-host answered without a host for VM ${vmId}`);
    if (targetHostId !== undefined && grant.hostId !== targetHostId) {
      return { refusal: `the scheduler would place it on host ${s.hosts[grant.hostId]?.name ?? grant.hostId} instead` };
    }
    return grant;
  }

  /** MigrationRequested (+ Started when a slot is free) per move, folded one after the other, and each VM to 'migrating'. */
  private requestMoves(s: MigrationServiceState, moves: readonly Move[]): { appends: AppendBatch[]; answers: StartAnswer[] } {
    const work = migration.cloneMigrationState(s.m);
    const at = s.clock.simTime;
    const byCluster = new Map<string, MigrationEvent[]>();
    const echo = new VmEcho(s);
    const answers: StartAnswer[] = [];
    moves.forEach((mv, i) => {
      const migrationId = `m${s.counter + 1 + i}`;
      const command: migration.MigrationCommand = mv.kind === 'live'
        ? { type: 'RequestLiveMigration', migrationId, vm: mv.vm, source: mv.source, target: mv.target, capacity: mv.capacity, targetCluster: mv.targetCluster, options: stripUndefined(mv.options), at }
        : { type: 'RequestColdMigration', migrationId, vm: mv.vm, source: mv.source, target: mv.target, capacity: mv.capacity, targetCluster: mv.targetCluster, at };
      const events = migration.migrationDecider.decide(command, work);
      for (const e of events) {
        if (e.type === 'MigrationRequested') {
          Object.assign(e.data, { numa: mv.grant?.numa ?? null, brokenShouldRules: mv.grant?.brokenShouldRules ?? [], reason: mv.reason, requestedBy: mv.requestedBy });
        }
        migration.applyMigrationEvent(work, e);
      }
      const list = byCluster.get(mv.vm.clusterId) ?? [];
      list.push(...events);
      byCluster.set(mv.vm.clusterId, list);
      const started = events.some((e) => e.type === 'MigrationStarted');
      echo.hop(mv.vmId, mv.source.id, 'migrating', `${mv.kind} migration ${migrationId} to host ${mv.target.name} (${mv.reason})`, true);
      answers.push({ migrationId, vmId: mv.vmId, kind: mv.kind, sourceHostId: mv.source.id, targetHostId: mv.target.id, state: started ? 'running' : 'queued' });
    });
    return { appends: this.batches(byCluster, echo), answers };
  }

  // ---------------------------------------------------------------- migration.evacuate

  evacuate(req: EvacuateRequest) {
    return this.ctx.runSteps(async (s, steps): Promise<Decision<EvacuateAnswer>> => {
      const d = await steps.decision(req.idempotencyKey, () => this.decideEvacuation(s, req));
      return { appends: d.appends, result: d.result, metadata: this.metadata(req, s.clock.simTime, d.metadata) };
    }, { metadata: (s: MigrationServiceState) => this.metadata(req, s.clock.simTime) });
  }

  /** the evacuation's moves (or its dry run), each VM's target from one scheduler.select-hosts */
  private async decideEvacuation(s: MigrationServiceState, req: EvacuateRequest): Promise<{ appends: AppendBatch[]; result: EvacuateAnswer }> {
    const host = s.hosts[req.hostId];
    if (!host) throw notFound('host', req.hostId);
    const onHost = Object.keys(s.hostVms[req.hostId] ?? {}).sort();
    const leaving = onHost.filter((id) => {
      const mid = s.m.byVm[id];
      return mid !== undefined && s.m.migrations[mid]?.request.sourceHostId === req.hostId;
    });
    const vms = onHost.filter((id) => !leaving.includes(id)).map((id) => ({ id, vm: s.vms[id]! }));
    // passthrough of the running ones (they would move live), asked in parallel
    const devices = new Map<string, string[]>();
    await Promise.all(vms.filter((v) => v.vm.state === 'running').map(async (v) => devices.set(v.id, await this.passthrough(v.id, v.vm, req))));
    const evVms: migration.EvacuationVm[] = vms.map(({ id, vm }) => ({ id, name: vm.name, state: vm.state, memoryMiB: vm.memoryMiB, passthroughDevices: devices.get(id) ?? [] }));
    const placeable = evVms.filter((v) => (v.state === 'running' && v.passthroughDevices.length === 0) || v.state === 'stopped' || v.state === 'suspended').sort(MOVABLE_ORDER);
    const grants = placeable.length ? await this.selectHosts(host.clusterId, req.hostId, placeable, req) : {};
    const moves = new Map<string, Move>();
    const plan = migration.planEvacuation({
      hostId: req.hostId, hostName: host.name, vms: evVms,
      place: (v) => {
        const g = grants[v.id];
        if (!g) return { refusal: 'the scheduler gave no target' };
        if ('refused' in g) return { refusal: `no host can take it: ${g.refused}` };
        if (g.hostId === req.hostId) return { targetHostId: g.hostId };
        const kind = v.state === 'running' ? 'live' : 'cold';
        const vm = s.vms[v.id]!;
        const move: Move = {
          vmId: v.id, kind, vm: vmFacts(s, v.id, vm, v.passthroughDevices), source: hostFacts(s, req.hostId), target: s.hosts[g.hostId] ? hostFacts(s, g.hostId) : unknownHost(g.hostId, vm.clusterId),
          capacity: { fits: true }, grant: g, reason: req.reason, requestedBy: `evacuation of host ${req.hostId}`,
        };
        try {
          check(kind, move);
        } catch (err) {
          return { refusal: `cannot move to host ${move.target.name}: ${VirtsimError.from(err).message}` };
        }
        moves.set(v.id, move);
        return { targetHostId: g.hostId };
      },
    });
    if (!plan.ok) {
      const list = plan.refusals.map((r) => `VM ${r.name} (${r.vmId}) ${r.reason}`).join('; ');
      throw conflict('migration.evacuation', `host ${host.name} (${req.hostId}) cannot be evacuated (${req.reason}): ${list}`, { hostId: req.hostId, refusals: plan.refusals });
    }
    if (req.dryRun) {
      return {
        appends: [],
        result: { hostId: req.hostId, dryRun: true, moves: plan.moves.map((m) => ({ vmId: m.vmId, targetHostId: m.targetHostId, live: m.kind === 'live' })), alreadyMoving: leaving },
      };
    }
    const { appends, answers } = this.requestMoves(s, plan.moves.map((m) => moves.get(m.vmId)!));
    const answer: EvacuateAnswer = {
      hostId: req.hostId, dryRun: false, alreadyMoving: leaving,
      moves: answers.map((a) => ({ vmId: a.vmId, migrationId: a.migrationId, targetHostId: a.targetHostId, live: a.kind === 'live', state: a.state })),
    };
    return { appends, result: answer };
  }

  /** one scheduler.select-hosts for the whole host: each grant counts as committed capacity for the next */
  private async selectHosts(clusterId: string, hostId: string, vms: readonly migration.EvacuationVm[], trace: Trace): Promise<Record<string, SelectHostsGrant>> {
    const s = this.ctx.state;
    const requests = vms.map((v) => ({ key: v.id, vmIds: [v.id], vcpus: s.vms[v.id]?.vcpus ?? 1, memoryMiB: v.memoryMiB, excludeHosts: [hostId] }));
    try {
      const r = await this.ctx.callPersistently(protocol.scheduler.selectHosts, { clusterId, requests, ...traceOf(trace) }, { deadline: this.peerDeadline() });
      return r?.grants ?? {};
    } catch (err) {
      const e = VirtsimError.from(err);
      if (e.code === 'unavailable') {
        throw new VirtsimError('unavailable', `cannot plan the evacuation of host ${hostId}: the scheduler is unavailable (${e.message})`, { rule: 'migration.scheduler-unavailable', hostId });
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- migration.cancel

  cancel(req: CancelRequest) {
    return this.ctx.commands.run((s) => {
      const m = s.m.migrations[req.migrationId];
      if (!m) {
        const f = s.finished[req.migrationId];
        if (f) throw conflict('migration.finished', `migration ${req.migrationId} has already ended (${f.state})`, { migrationId: req.migrationId, state: f.state });
        throw notFound('migration', req.migrationId);
      }
      const at = s.clock.simTime;
      const events = migration.cancelMigration(s.m, req.migrationId, at, req.reason ?? 'cancelled by the operator');
      const echo = new VmEcho(s);
      for (const e of events) if (migration.isTerminal(e)) echo.ended(e, s.m.migrations[e.data.migrationId]!.request);
      const cancelled = events.find((e) => e.type === 'MigrationCancelled');
      const rolledBack = cancelled?.type === 'MigrationCancelled' ? cancelled.data.rolledBack : false;
      return {
        appends: this.batches(new Map([[m.request.clusterId, events]]), echo),
        result: { migrationId: req.migrationId, vmId: m.request.vmId, state: 'cancelled' as const, rolledBack },
        metadata: this.metadata(req, at),
      };
    });
  }

  // ---------------------------------------------------------------- migration.tick

  /** Host failures first (target failed: rolled back; source failed: aborted, HA owns the VM), then every
   *  migration advanced through [simTime - tickSeconds, simTime]; each end echoed on its VM's stream. */
  tick(req: TickRequest): Promise<TickAnswer & { position: number }> {
    return this.ctx.commands.run((s): Decision<TickAnswer> => {
      const empty = { events: 0, started: 0, completed: 0, failed: 0, running: 0, queued: 0, computeMs: 0 };
      if (req.tick > 0 && req.tick <= s.lastTick) return { appends: [], result: { ...empty, repeated: true } };
      const t0 = performance.now();
      const { events, work } = decideTick(s, req);
      const echo = new VmEcho(s);
      const byCluster = new Map<string, MigrationEvent[]>();
      const counts = { started: 0, completed: 0, failed: 0 };
      for (const e of events) {
        const r = s.m.migrations[e.data.migrationId]?.request;
        if (!r) continue;
        const list = byCluster.get(r.clusterId);
        if (list) list.push(e); else byCluster.set(r.clusterId, [e]);
        if (e.type === 'MigrationStarted') counts.started++;
        else if (e.type === 'MigrationCompleted') counts.completed++;
        else if (migration.isTerminal(e)) counts.failed++;
        if (migration.isTerminal(e)) echo.ended(e, r);
      }
      let running = 0;
      for (const id in work.migrations) if (work.migrations[id]!.status === 'running') running++;
      const appends = this.batches(byCluster, echo);
      const n = appends.reduce((sum, b) => sum + b.events.length, 0);
      const computeMs = Math.round((performance.now() - t0) * 100) / 100;
      if (computeMs > 50) this.ctx.log.warn({ tick: req.tick, computeMs, running }, 'migration tick compute above 50 ms');
      return {
        appends,
        result: { events: n, ...counts, running, queued: work.queue.length, computeMs },
        metadata: this.metadata(req, req.simTime, { tick: req.tick }),
      };
    });
  }

  // ---------------------------------------------------------------- plumbing

  private batches(byCluster: Map<string, MigrationEvent[]>, echo: VmEcho): AppendBatch[] {
    const out: AppendBatch[] = [];
    for (const clusterId of [...byCluster.keys()].sort()) {
      const events = byCluster.get(clusterId)!;
      if (!events.length) continue;
      const streamId = streams.migration(clusterId);
      out.push({ streamId, expectedVersion: this.ctx.commands.expected(streamId), events: events.map(plain) });
    }
    for (const { vmId, events } of echo.appends()) {
      const streamId = streams.vm(vmId);
      out.push({ streamId, expectedVersion: this.ctx.commands.expected(streamId), events: events.map(plain) });
    }
    return out;
  }

  private metadata(trace: Trace, simTime: number, extra: EventMetadata = {}): EventMetadata {
    return { simTime, actor: 'migration', ...extra, ...traceOf(trace) };
  }
}

function check(kind: 'live' | 'cold', facts: migration.MoveFacts): void {
  if (kind === 'live') migration.checkLiveMigration(facts);
  else migration.checkColdMigration(facts);
}

/** the target cluster of a move that leaves the VM's cluster, with its IMC baseline's features (C4, F11) */
function clusterFacts(s: MigrationServiceState, clusterId: string): migration.TargetClusterFacts {
  const c = s.clusters[clusterId];
  if (!c) throw notFound('cluster', clusterId);
  return { id: clusterId, name: c.name, baselineFeatures: c.imcBaseline ? migration.imcBaselineFeatures(c.imcBaseline) : null };
}

/** a VM's name is unique in its cluster (inventory rule vm.name): one that leaves may not take a name already there */
function nameFree(s: MigrationServiceState, vmId: string, vm: VmFacts, cluster: migration.TargetClusterFacts): void {
  for (const id in s.vms) {
    const other = s.vms[id]!;
    if (id !== vmId && other.clusterId === cluster.id && other.name === vm.name) {
      throw conflict('vm.name', `VM ${vm.name} (${vmId}) cannot move to cluster ${cluster.name} (${cluster.id}): it already has a VM named '${vm.name}' (${id})`, { vmId, name: vm.name, clusterId: cluster.id, owner: id });
    }
  }
}

function unknownHost(hostId: string, clusterId: string): migration.MigrationHostFacts {
  return { id: hostId, name: hostId, clusterId, up: false, maintenance: false, migrationNetworkGbps: 10, cpuFeatures: [] };
}

/** the scheduler's 422 reduced to the filters that refused the named host (the others were excluded on purpose) */
function filterReason(e: VirtsimError): string {
  const filters = Array.isArray(e.details.filters) ? (e.details.filters as { filter: string; rejected: number }[]) : [];
  const names = filters.map((f) => f.filter).filter((f) => f !== 'excluded');
  return names.length ? `rejected by the placement filter${names.length > 1 ? 's' : ''} ${names.join(', ')}` : e.message;
}

function traceOf(t: Trace): Trace {
  return { ...(t.correlationId ? { correlationId: t.correlationId } : {}), ...(t.causationId ? { causationId: t.causationId } : {}) };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> | undefined {
  if (!o) return undefined;
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const plain = (e: EventOf) => ({ type: e.type, data: e.data });
