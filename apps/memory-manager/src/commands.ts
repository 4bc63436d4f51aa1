// The memory-manager's commands and queries. Commands go through ctx.commands.run (serialized, state caught up,
// appended with expected versions on `memory-<clusterId>`); queries read the caught-up projection and append nothing.
// The pure per-tick plan is tick.ts; the read models are views.ts.
import { Injectable } from '@nestjs/common';
import {
  conflict, notFound, protocol, stepOutcome, VirtsimError, type EventMetadata, type MemoryEvent, type PayloadOf,
} from '@virtsim/contracts';
import { memory } from '@virtsim/domain';
import type { AppendBatch, NewEvent } from '@virtsim/event-store';
import { onFirstEvent, ServiceContext, tickKey, type Decision, type StepDecisions, type StepEventOut } from '@virtsim/service-kit';
import { memoryStream, type MemoryManagerState } from './state.js';
import { clusterOf, fitNuma, planTick } from './tick.js';
import { requireMemVm, translationView } from './views.js';

type Trace = { correlationId?: string; causationId?: string };
type Mm = typeof protocol['memory-manager'];

/** a reserve refused for want of the placement is asked again (the vrm sends it after scheduler.place's outcome) */
const ORDERING_RULES: ReadonlySet<string> = new Set(['memory.notPlaced']);

@Injectable()
export class MemoryManager {
  /** per-VM TLB of the translate subject: in memory only (not projected), reset when the VM's backing changes */
  private readonly tlbs = new Map<string, { backing: string; tlb: memory.TlbState }>();
  /** tick refusals already logged (vmId:action:message), so a pending one does not log every tick */
  private readonly logged = new Set<string>();

  constructor(private readonly ctx: ServiceContext<MemoryManagerState>) {}

  // ---------------------------------------------------------------- saga steps

  reserve(req: PayloadOf<Mm['reserveMemory']>) {
    return this.run(req, (s, steps) => steps.step(req.idempotencyKey, () => this.decideReserve(s, req)));
  }

  /** reserve-memory for many VMs in one decision, each on an overlay that holds the earlier ones' reservations */
  reserveMany(req: PayloadOf<Mm['reserveMemory']['many']>) {
    return this.run(req, (s, steps) => {
      const ov = memory.overlay(s.memory);
      const view: MemoryManagerState = { ...s, memory: ov.state };
      const events: StepEventOut<MemoryEvent>[] = [];
      const outcomes = req.items.map((item) => stepOutcome(() => {
        const d = steps.step(item.idempotencyKey, () => this.decideReserve(view, item));
        ov.apply(d.events);
        events.push(...d.events);
        return d.result;
      }));
      return { events, result: { outcomes } };
    });
  }

  private decideReserve(s: MemoryManagerState, req: { vmId: string; idempotencyKey?: string }) {
    const v = requireMemVm(s, req.vmId);
    const p = s.placements[req.vmId];
    if (v.hostId && (!p || p.hostId === v.hostId)) return { events: [] as MemoryEvent[], result: { ...reservation(v), alreadyReserved: true } };
    if (!p) throw conflict('memory.notPlaced', `VM ${req.vmId} has no placement yet: reserve its memory after scheduler.place`, { vmId: req.vmId });
    const h = s.memory.hosts[p.hostId];
    if (!h) throw notFound('host', p.hostId);
    const events = memory.decideMemory({
      type: 'ReserveVmMemory', vmId: v.vmId, hostId: p.hostId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB,
      hugePages: v.wantsHugePages, numa: fitNuma(p.numa, v.memoryMiB, v.vcpus, h.nodes.length), reason: 'vm creation',
    }, s.memory);
    const e = events.find((x) => x.type === 'VmMemoryReserved');
    const result = e?.type === 'VmMemoryReserved'
      ? { vmId: e.data.vmId, hostId: e.data.hostId, clusterId: e.data.clusterId, memoryMiB: e.data.memoryMiB, reservationMiB: e.data.reservationMiB,
          overheadMiB: e.data.overheadMiB, hugeBacked: e.data.hugeBacked, numa: e.data.numa, backedMiB: backedMiB(e.data.extents) }
      : reservation(v);
    return { events, result: { ...result, alreadyReserved: events.length === 0 } };
  }

  release(req: PayloadOf<Mm['releaseMemory']>) {
    return this.run(req, (s, steps) => steps.step(req.idempotencyKey, () => {
      const v = s.memory.vms[req.vmId];
      const events = v ? memory.decideMemory({ type: 'ReleaseVmMemory', vmId: req.vmId, reason: req.reason ?? 'released' }, s.memory) : [];
      const e = events[0];
      return {
        events,
        result: e?.type === 'VmMemoryReleased'
          ? { vmId: req.vmId, released: true, hostId: e.data.hostId as string | null, freedMiB: e.data.freedMiB }
          : { vmId: req.vmId, released: false, hostId: null as string | null, freedMiB: 0 },
      };
    }));
  }

  /** Check only, no events: can the VM's memory be honoured on that host at power-on? */
  async checkPowerOn(req: PayloadOf<Mm['checkPowerOn']>) {
    const s = await this.caughtUp();
    const v = requireMemVm(s, req.vmId);
    const h = s.memory.hosts[req.hostId];
    if (!h) throw notFound('host', req.hostId);
    const warnings: string[] = [];
    if (v.hostId === req.hostId) {
      // held there already: admitted at reservation; huge pages must still be honoured (a forced move may have left normal pages)
      if (v.wantsHugePages && !v.hugeBacked) {
        throw new VirtsimError('unprocessable', `VM ${v.vmId} needs huge pages but its memory on host ${h.hostId} is not backed by the huge-page pool`,
          { rule: 'memory.hugePagesShort', vmId: v.vmId, hostId: h.hostId, poolMiB: h.hugePoolMiB, freeMiB: h.hugePoolMiB - h.hugeUsedMiB });
      }
    } else {
      // admission as if the memory came (or moved) there now; throws the refusal
      const p = s.placements[v.vmId];
      const numa = fitNuma(p?.hostId === h.hostId ? p.numa : undefined, v.memoryMiB, v.vcpus, h.nodes.length);
      memory.decideMemory(v.hostId
        ? { type: 'MoveVmMemory', vmId: v.vmId, toHostId: h.hostId, numa }
        : { type: 'ReserveVmMemory', vmId: v.vmId, hostId: h.hostId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB, hugePages: v.wantsHugePages, numa }, s.memory);
      warnings.push(v.hostId
        ? `memory of VM ${v.vmId} is held on host ${v.hostId}; it follows the VM to ${h.hostId} on the next tick`
        : `VM ${v.vmId} holds no memory reservation; host ${h.hostId} can take it`);
    }
    if (h.freeState !== 'high') {
      warnings.push(`host ${h.hostId} memory is in ${h.freeState} state: the VM may be ${h.freeState === 'soft' ? 'ballooned' : 'ballooned and swapped'}`);
    }
    if (!v.hugeBacked && h.hugePoolMiB === 0 && !memory.hasBalloonDriver(v.guestOs.family, v.toolsInstalled) && memory.clusterPolicy(s.memory, h.clusterId).overcommit) {
      warnings.push(`VM ${v.vmId} has no balloon driver (Windows without Tools): under memory pressure the host swaps it instead`);
    }
    return { ok: true, vmId: v.vmId, hostId: h.hostId, warnings };
  }

  /** Online memory add (F4, M5): the vrm calls it before appending VmReconfigured. */
  grow(req: PayloadOf<Mm['grow']>) {
    return this.run(req, (s, steps) => steps.step(req.idempotencyKey, () => {
      const v = requireMemVm(s, req.vmId);
      const events = memory.decideMemory({ type: 'GrowVmMemory', vmId: req.vmId, memoryMiB: req.memoryMiB }, s.memory);
      const e = events[0];
      return {
        events,
        result: e?.type === 'VmMemoryResized'
          ? { ok: true, vmId: req.vmId, hostId: e.data.hostId, fromMiB: e.data.fromMiB, toMiB: e.data.toMiB, online: e.data.online, changed: true }
          : { ok: true, vmId: req.vmId, hostId: v.hostId, fromMiB: v.memoryMiB, toMiB: v.memoryMiB, online: memory.POWERED_ON.has(v.power), changed: false },
      };
    }));
  }

  // ---------------------------------------------------------------- tick

  /** One tick, an idempotent step under the tick's key: a repeat (the vrm asks again when the answer was lost) is
   *  answered from the log with the first answer and decides nothing. A tick that decided no event records
   *  nothing: a repeat decides again, and finds nothing to do again unless something else changed meanwhile. */
  async tick(req: PayloadOf<Mm['tick']>) {
    const r = await this.ctx.runSteps(async (s, steps): Promise<Decision<Omit<ReturnType<typeof planTick>, 'appends'> & { repeated?: true }>> => {
      const d = await steps.decision(tickKey(req), () => {
        const { appends, ...result } = planTick(s, req);
        return { appends: this.batches(appends), result };
      });
      return { appends: onFirstEvent(d.appends, d.metadata), result: d.result, metadata: this.metadata(req.simTime, req) };
    });
    if (r.repeated) return { events: r.events, moved: r.moved, resized: r.resized, refused: r.refused, stats: r.stats, position: r.position, repeated: true as const };
    for (const f of r.refused) {
      const k = `${f.vmId}:${f.action}:${f.message}`;
      if (this.logged.has(k)) continue;
      this.logged.add(k);
      this.ctx.log.warn({ vmId: f.vmId, action: f.action, rule: f.rule, tick: req.tick }, `memory tick: ${f.action} refused: ${f.message}`);
    }
    for (const mv of r.moved.filter((x) => x.overLimit)) this.ctx.log.warn({ ...mv, tick: req.tick }, 'memory followed a relocation over the target host\'s limits');
    if (r.stats.computeMs > 50) this.ctx.log.warn({ stats: r.stats, tick: req.tick }, 'memory tick compute above 50 ms');
    return { events: r.events, moved: r.moved, resized: r.resized, refused: r.refused, stats: r.stats, position: r.position };
  }

  // ---------------------------------------------------------------- address translation (its TLB lives here, in memory)

  async translate(req: PayloadOf<Mm['translate']>) {
    const s = await this.caughtUp();
    const v = requireMemVm(s, req.vmId);
    if (!v.hostId) throw conflict('memory.notReserved', `VM ${v.vmId} holds no host memory: nothing to translate`, { vmId: v.vmId });
    const h = s.memory.hosts[v.hostId]!;
    // the TLB is valid for one backing of the VM: a move or resize flushes it
    const backing = `${h.hostId}:${v.memoryMiB}:${v.hugeBacked}:${v.extents.length}:${v.extents[0]?.[1] ?? -1}`;
    const held = this.tlbs.get(v.vmId);
    const tlb = !req.flushTlb && held?.backing === backing ? held.tlb : memory.emptyTlb();
    // a list (gvas) is walked in order in this one call, so no other request touches the TLB between its addresses
    const address = (gva: string) => Number.parseInt(gva.slice(2), 16);
    const walks = memory.translateAll(v, h, req.gvas ? req.gvas.map(address) : [address(req.gva!)], tlb);
    this.tlbs.set(v.vmId, { backing, tlb: walks[walks.length - 1]!.tlbState });
    // a list answers its walks packed as numbers (a quarter of their views' JSON); the vrm shows them
    return req.gvas ? memory.packTranslations(walks) : translationView(walks[0]!);
  }



  // ---------------------------------------------------------------- plumbing

  async caughtUp(): Promise<MemoryManagerState> {
    await this.ctx.projection.catchUp();
    return this.ctx.state;
  }

  private metadata(simTime: number, trace: Trace): EventMetadata {
    const metadata: EventMetadata = { simTime, actor: 'memory-manager' };
    if (trace.correlationId) metadata.correlationId = trace.correlationId;
    if (trace.causationId) metadata.causationId = trace.causationId;
    return metadata;
  }

  private batches(appends: Map<string, NewEvent[]>): AppendBatch[] {
    return [...appends].filter(([, events]) => events.length > 0).map(([streamId, events]) => ({
      streamId, expectedVersion: this.ctx.commands.expected(streamId), events,
    }));
  }

  /** A command of idempotent steps (ctx.runSteps) whose events all go to their clusters' memory streams; a step's
   *  first event carries its answer's metadata, its refusals go to `steps-memory-manager` in the same append. */
  private run<T extends object>(trace: Trace, decide: (s: MemoryManagerState, steps: StepDecisions) => { events: StepEventOut<MemoryEvent>[]; result: T }): Promise<T & { position: number }> {
    return this.ctx.runSteps((s, steps): Decision<T> => {
      const d = decide(s, steps);
      const appends = new Map<string, NewEvent[]>();
      for (const e of d.events) {
        const streamId = memoryStream(clusterOf(s.memory, e));
        appends.set(streamId, [...(appends.get(streamId) ?? []), { type: e.type, data: e.data, ...(e.metadata ? { metadata: e.metadata } : {}) }]);
      }
      return { appends: this.batches(appends), result: d.result, metadata: this.metadata(s.clock.simTime, trace) };
    }, { transient: ORDERING_RULES, metadata: (s: MemoryManagerState) => this.metadata(s.clock.simTime, trace) });
  }
}

const backedMiB = (extents: readonly [number, number, number][]): number => extents.reduce((a, [, , n]) => a + n, 0) * memory.CHUNK_MIB;

function reservation(v: memory.MemVm) {
  return {
    vmId: v.vmId, hostId: v.hostId, clusterId: v.clusterId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB, overheadMiB: v.overheadMiB,
    hugeBacked: v.hugeBacked, numa: v.numa, backedMiB: backedMiB(v.extents),
  };
}
