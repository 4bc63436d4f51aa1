// The ha-monitor's commands: fault injection, the per-tick decisions, admission control. Each decides with the
// pure HA domain against the cluster's state and appends HA's events on `ha-<clusterId>` plus, for the VMs they
// move, the lifecycle echo on `vm-<vmId>` (echo.ts), in one append.
import { Injectable } from '@nestjs/common';
import {
  notFound, protocol, VirtsimError, type CheckPowerOnRequest as AdmitRequest, type EventMetadata, type EventOf, type HaEvent, type HostFaultRequest,
  type HostRecoverRequest, type TickRequest, type VmFaultRequest,
} from '@virtsim/contracts';
import { ha } from '@virtsim/domain';
import type { AppendBatch } from '@virtsim/event-store';
import { ServiceContext, type Decision } from '@virtsim/service-kit';
import { InventoryEcho } from './echo.js';
import { capacityPlacer, grantPlacer, recordingPlacer, type ClusterRule, type Placement, type SelectHostsItem } from './placement.js';
import { streams, type HaMonitorState } from './state.js';

interface Trace { correlationId?: string; causationId?: string; idempotencyKey?: string }
interface Outcome<T> { clusterId: string; events: HaEvent[]; echo: InventoryEcho; simTime: number; answer: T }

export interface TickAnswer {
  events: number;
  restarts: number;
  clusters: number;
  placement: Record<string, Placement['source']>;
  repeated?: boolean;
}

/** An operator's fault or recovery refused for the state of the moment (already faulted, nothing to recover) is not
 *  recorded: it holds for no repeat, and a refused request writes nothing (the hostile-input rule). A success is
 *  still recorded under its key, so a repeat after a lost reply answers from the log. */
const FAULT_REFUSALS: ReadonlySet<string> = new Set(['ha.hostFault', 'ha.recover', 'ha.vmFault']);

@Injectable()
export class HaMonitor {
  constructor(readonly ctx: ServiceContext<HaMonitorState>) {}

  // ---- fault injection (POST /hosts/:id/faults, /hosts/:id/recover, /vms/:id/faults) ----

  hostFault(req: HostFaultRequest) {
    return this.command(req, (s) => {
      const { clusterId, cs } = this.clusterOfHost(s, req.hostId);
      const simTime = req.simTime ?? s.clock.simTime;
      const events = ha.decideHa({ type: 'InjectHostFault', hostId: req.hostId, kind: req.kind, simTime }, cs);
      const echo = new InventoryEcho(s, cs);
      if (!cs.policy.enabled) for (const e of events) echo.downWithoutHa(e);
      const down = events.find((e) => e.type === 'VmsDownOnHost');
      const vmsDown = down?.type === 'VmsDownOnHost' ? down.data.vmIds : [];
      return { clusterId, events, echo, simTime, answer: { hostId: req.hostId, clusterId, kind: req.kind, haEnabled: cs.policy.enabled, vmsDown } };
    });
  }

  hostRecover(req: HostRecoverRequest) {
    return this.command(req, (s) => {
      const { clusterId, cs } = this.clusterOfHost(s, req.hostId);
      const simTime = req.simTime ?? s.clock.simTime;
      const events = ha.decideHa({ type: 'RecoverHost', hostId: req.hostId, simTime }, cs);
      const kind = events[0]?.type === 'HostFaultCleared' ? events[0].data.kind : null;
      return { clusterId, events, echo: new InventoryEcho(s, cs), simTime, answer: { hostId: req.hostId, clusterId, cleared: kind } };
    });
  }

  vmFault(req: VmFaultRequest) {
    return this.command(req, (s) => {
      const clusterId = s.vmCluster[req.vmId];
      const cs = clusterId === undefined ? undefined : s.clusters[clusterId];
      if (!cs || !cs.vms[req.vmId]) throw notFound('vm', req.vmId);
      const simTime = req.simTime ?? s.clock.simTime;
      const events = ha.decideHa({ type: 'InjectVmFault', vmId: req.vmId, kind: req.kind, simTime }, cs);
      const e = events[0];
      const detectable = e?.type === 'VmFaultInjected' ? e.data.detectable : false;
      return { clusterId: clusterId!, events, echo: new InventoryEcho(s, cs), simTime, answer: { vmId: req.vmId, clusterId: clusterId!, kind: req.kind, detectable, haEnabled: cs.policy.enabled } };
    });
  }

  // ---- admission control at power-on: a check, no events ----

  async admit(req: AdmitRequest): Promise<{ ok: true; warnings: string[] }> {
    await this.ctx.projection.catchUp();
    const s = this.ctx.state;
    const clusterId = s.vmCluster[req.vmId];
    const cs = clusterId === undefined ? undefined : s.clusters[clusterId];
    const vm = cs?.vms[req.vmId];
    if (!cs || !vm) throw notFound('vm', req.vmId);
    if (!cs.policy.enabled) return { ok: true, warnings: [] };
    ha.admissionCheck(cs, { vmId: vm.vmId, name: vm.name, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, action: 'power-on' }, this.usageOf(clusterId!, cs));
    const warnings: string[] = [];
    const host = req.hostId ? cs.hosts[req.hostId] : undefined;
    if (host && host.status !== 'up') warnings.push(`host ${host.name} is ${host.status} for HA`);
    return { ok: true, warnings };
  }

  /** the cluster's HA usage at the projection's position: power-on checks of a batch arrive at the same position,
   *  and counting 8,000 VMs for each of them was a tenth of the CPU of a full-cluster creation */
  private usageOf(clusterId: string, cs: ha.HaState): ha.HaUsage {
    const position = this.ctx.projection.position;
    const cached = this.usage.get(clusterId);
    if (cached?.position === position) return cached.usage;
    const usage = ha.admissionUsage(cs);
    this.usage.set(clusterId, { position, usage });
    return usage;
  }

  private readonly usage = new Map<string, { position: number; usage: ha.HaUsage }>();

  // ---- the tick (phase ha-monitor of the vrm clock) ----

  tick(req: TickRequest): Promise<TickAnswer & { position: number }> {
    return this.ctx.commands.run(async (s): Promise<Decision<TickAnswer>> => {
      if (req.tick > 0 && req.tick <= s.lastTick) {
        return { appends: [], result: { events: 0, restarts: 0, clusters: 0, placement: {}, repeated: true } };
      }
      const perCluster: { clusterId: string; events: HaEvent[]; echo: InventoryEcho }[] = [];
      const placement: Record<string, Placement['source']> = {};
      let clusters = 0;
      for (const clusterId of Object.keys(s.clusters).sort()) {
        const cs = s.clusters[clusterId]!;
        if (!cs.policy.enabled) continue;
        clusters++;
        const r = await this.tickCluster(s, clusterId, cs, req);
        if (r.source) placement[clusterId] = r.source;
        if (r.events.length) perCluster.push({ clusterId, events: r.events, echo: r.echo });
      }
      const batches = perCluster.flatMap((c) => this.batches(c.clusterId, c.events, c.echo));
      const events = batches.reduce((n, b) => n + b.events.length, 0);
      const restarts = perCluster.reduce((n, c) => n + c.events.filter((e) => e.type === 'VmRestarted' || e.type === 'VmRestartedInPlace').length, 0);
      return {
        appends: batches,
        result: { events, restarts, clusters, placement },
        metadata: this.metadata(req, req.simTime, { tick: req.tick }),
      };
    });
  }

  private async tickCluster(s: HaMonitorState, clusterId: string, cs: ha.HaState, req: TickRequest) {
    const base = { simTime: req.simTime, tickSeconds: req.tickSeconds };
    const recorder = recordingPlacer();
    const dry = ha.haTick(cs, { ...base, place: recorder.place });
    const items = recorder.items();
    if (items.length === 0) return { events: dry.events, echo: this.echo(s, cs, dry.events), source: null };
    const recovered = dry.events.flatMap((e) => (e.type === 'HostRecovered' ? [e.data.hostId] : []));
    const placement = await this.placement(s, clusterId, cs, items, req, recovered);
    const real = ha.haTick(cs, { ...base, place: placement.place });
    return { events: real.events, echo: this.echo(s, cs, real.events, placement), source: placement.source };
  }

  private echo(s: HaMonitorState, cs: ha.HaState, events: HaEvent[], placement?: Placement): InventoryEcho {
    const echo = new InventoryEcho(s, cs, placement?.numaOf);
    for (const e of events) echo.apply(e);
    return echo;
  }

  /** (a) one scheduler.select-hosts for the tick's restarts; (b) HA's own capacity model when it cannot answer */
  private async placement(s: HaMonitorState, clusterId: string, cs: ha.HaState, requests: SelectHostsItem[], req: TickRequest, recoveredHosts: string[]): Promise<Placement> {
    try {
      const answer = await this.ctx.call(protocol.scheduler.selectHosts, {
        clusterId, requests, ...(recoveredHosts.length ? { recoveredHosts } : {}), ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      });
      if (answer && typeof answer.grants === 'object' && answer.grants !== null) return grantPlacer(answer);
      this.ctx.log.warn({ clusterId }, 'scheduler.select-hosts answered without grants: HA capacity model used');
    } catch (err) {
      const e = VirtsimError.from(err);
      if (e.code !== 'unavailable') this.ctx.log.warn({ clusterId, err: e.toJSON() }, 'scheduler.select-hosts failed: HA capacity model used');
    }
    const rules: ClusterRule[] = Object.keys(s.rules).sort()
      .filter((ruleId) => s.rules[ruleId]!.clusterId === clusterId)
      .map((ruleId) => ({ ruleId, spec: s.rules[ruleId]!.spec }));
    const migrations = Object.keys(s.migrations).sort().map((id) => s.migrations[id]!).filter((m) => m.clusterId === clusterId);
    return capacityPlacer(cs, rules, { migrations, recoveredHosts });
  }

  // ---- plumbing ----

  private clusterOfHost(s: HaMonitorState, hostId: string): { clusterId: string; cs: ha.HaState } {
    const clusterId = s.hostCluster[hostId];
    const cs = clusterId === undefined ? undefined : s.clusters[clusterId];
    if (clusterId === undefined || !cs || !cs.hosts[hostId]) throw notFound('host', hostId);
    return { clusterId, cs };
  }

  /** a fault command: one idempotent step (ctx.runSteps): the first answer, or refusal, under its idempotencyKey
   *  is recorded in the log and answers a repeat */
  private command<T extends object>(req: Trace & { simTime?: number }, decide: (s: HaMonitorState) => Outcome<T>) {
    return this.ctx.runSteps(async (s, steps): Promise<Decision<T & { events: number; repeated?: true }>> => {
      let simTime = s.clock.simTime;
      const d = await steps.decision(req.idempotencyKey, () => {
        const o = decide(s);
        simTime = o.simTime;
        return { appends: this.batches(o.clusterId, o.events, o.echo), result: o.answer };
      });
      const events = d.appends.reduce((n, b) => n + b.events.length, 0);
      return { appends: d.appends, result: { ...d.result, events }, metadata: this.metadata(req, simTime, d.metadata) };
    }, { transient: FAULT_REFUSALS, metadata: (s: HaMonitorState) => this.metadata(req, req.simTime ?? s.clock.simTime) });
  }

  private batches(clusterId: string, events: HaEvent[], echo: InventoryEcho): AppendBatch[] {
    if (events.length === 0) return [];
    const haStream = streams.ha(clusterId);
    const out: AppendBatch[] = [{ streamId: haStream, expectedVersion: this.ctx.commands.expected(haStream), events: events.map(plain) }];
    for (const { vmId, events: vmEvents } of echo.appends()) {
      const streamId = streams.vm(vmId);
      out.push({ streamId, expectedVersion: this.ctx.commands.expected(streamId), events: vmEvents.map(plain) });
    }
    return out;
  }

  private metadata(req: Trace, simTime: number, extra: EventMetadata = {}): EventMetadata {
    return {
      simTime, actor: 'ha-monitor', ...extra,
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      ...(req.causationId ? { causationId: req.causationId } : {}),
    };
  }
}

const plain = (e: EventOf) => ({ type: e.type, data: e.data });
