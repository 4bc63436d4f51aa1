// The io-backend's commands: the creation saga's attach / release steps, Tools install, the power-on check,
// migration / HA queries and the per-tick decisions. Each decides with the pure io domain against IoState and
// appends io's events on `io-<clusterId>`.
import { Injectable } from '@nestjs/common';
import {
  conflict, notFound, stepOutcome, VirtsimError, type AttachDevicesRequest as AttachRequest, type CanMigrateRequest, type CheckPowerOnRequest,
  type EquivalentFreeRequest, type EventMetadata, type InstallToolsRequest, type IoDevice, type IoEvent, type ReleaseDevicesRequest as ReleaseRequest,
  type StepBatchRequest, type StepOutcome, type TickRequest,
} from '@virtsim/contracts';
import { io } from '@virtsim/domain';
import type { AppendBatch, NewEvent } from '@virtsim/event-store';
import { ServiceContext, type Decision } from '@virtsim/service-kit';
import { ScratchIo } from './scratch.js';
import { ioStream, POWERED, UNPOWERED, type IoBackendState } from './state.js';

interface Trace { correlationId?: string; causationId?: string; idempotencyKey?: string }

export interface AttachAnswer {
  vmId: string;
  hostId: string;
  domId: number;
  devices: { deviceId: string; kind: IoDevice['kind']; mode: IoDevice['mode']; guestName: string; hostModel: string | null; vgpuProfile: string | null }[];
}

export interface TickSkip { vmId: string; command: io.IoCommand['type']; code: string; rule: string | null; message: string }
export interface TickAnswer {
  events: number;
  discovered: number;
  closed: number;
  moved: number;
  detached: number;
  statsChanged: number;
  /** reconciliations the domain refused (retried next tick) */
  skipped: TickSkip[];
  repeated?: boolean;
}

type StepAnswer<T> = T & { events: number; repeated?: boolean };

/** One idempotent step: the first answer again when its key was answered before (in the log, or earlier in this
 *  decision: `answered`), else the step decided, its key and answer to go in its events' metadata. */
function idempotentStep<T extends object>(
  s: IoBackendState, key: string | undefined, answered: Record<string, unknown>, decide: () => { clusterId: string; events: IoEvent[]; answer: T },
): { result: StepAnswer<T>; decided?: { clusterId: string; events: IoEvent[] }; metadata?: EventMetadata } {
  if (key !== undefined && (key in answered || key in s.idempotency)) return { result: { ...((answered[key] ?? s.idempotency[key]) as T), events: 0, repeated: true } };
  const o = decide();
  if (key !== undefined) answered[key] = o.answer;
  return {
    result: { ...o.answer, events: o.events.length },
    decided: { clusterId: o.clusterId, events: o.events },
    metadata: key !== undefined ? { idempotencyKey: key, answer: o.answer } : {},
  };
}

const attachAnswer = (vm: Pick<io.IoVmState, 'vmId' | 'hostId' | 'domId' | 'devices'>): AttachAnswer => ({
  vmId: vm.vmId, hostId: vm.hostId, domId: vm.domId,
  devices: vm.devices.map((d) => ({ deviceId: d.deviceId, kind: d.kind, mode: d.mode, guestName: d.guestName, hostModel: d.hostModel, vgpuProfile: d.vgpuProfile })),
});

function listOf<K, V>(m: Map<K, V[]>, k: K): V[] {
  let xs = m.get(k);
  if (!xs) m.set(k, (xs = []));
  return xs;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

@Injectable()
export class IoBackend {
  constructor(readonly ctx: ServiceContext<IoBackendState>) {}

  // ---- creation saga: attach-devices / release-devices ----

  attach(req: AttachRequest) {
    return this.command(req, (s) => this.decideAttach(s, req.vmId));
  }

  /** attach-devices for many VMs in one decision, each against the io state that holds the earlier ones' devices;
   *  idempotent per item as attach is (the first answer rides in its events' metadata) */
  attachMany(req: StepBatchRequest) {
    return this.ctx.commands.run((s): Decision<{ outcomes: StepOutcome<StepAnswer<AttachAnswer>>[] }> => {
      let view: IoBackendState = s;
      const answered: Record<string, unknown> = {};
      const byCluster = new Map<string, NewEvent[]>();
      const outcomes = req.items.map((item) => stepOutcome(() => {
        const step = idempotentStep(s, item.idempotencyKey, answered, () => this.decideAttach(view, item.vmId));
        if (step.decided) {
          const { clusterId, events } = step.decided;
          view = { ...view, io: events.reduce((state, e) => io.evolveIo(state, e), view.io) };
          const metadata = this.metadata(req, s.clock.simTime, step.metadata);
          listOf(byCluster, clusterId).push(...events.map((e) => ({ type: e.type, data: e.data, metadata })));
        }
        return step.result;
      }));
      const appends = [...byCluster].map(([clusterId, events]) => ({ streamId: ioStream(clusterId), expectedVersion: this.ctx.commands.expected(ioStream(clusterId)), events }));
      return { appends, result: { outcomes }, metadata: this.metadata(req, s.clock.simTime) };
    });
  }

  private decideAttach(s: IoBackendState, vmId: string): { clusterId: string; events: IoEvent[]; answer: AttachAnswer } {
    const vm = s.vms[vmId];
    if (!vm) throw notFound('vm', vmId);
    if (!vm.hostId) throw conflict('io.notPlaced', `VM ${vmId} is not placed on a host yet (scheduler.place first)`, { vmId });
    const host = s.hostSpecs[vm.hostId];
    if (!host) throw notFound('host', vm.hostId);
    const events = io.decideIo({ type: 'AttachDevices', vmId, hostId: vm.hostId, spec: vm.spec, host }, s.io);
    const attached = events.find((e) => e.type === 'IoDevicesAttached');
    const current = attached?.type === 'IoDevicesAttached' ? attached.data : io.vmOf(s.io, vmId)!;
    return { clusterId: vm.clusterId, events, answer: attachAnswer(current) };
  }

  release(req: ReleaseRequest) {
    return this.command(req, (s) => {
      const attached = io.vmOf(s.io, req.vmId);
      const clusterId = s.vms[req.vmId]?.clusterId ?? s.gone[req.vmId]?.clusterId ?? (attached ? s.hostCluster[attached.hostId] : undefined);
      const events = io.decideIo({ type: 'DetachDevices', vmId: req.vmId, reason: req.reason ?? 'compensation' }, s.io);
      const released = events[0]?.type === 'IoDevicesDetached' ? events[0].data.releasedPci : [];
      return { clusterId: clusterId ?? '', events, answer: { vmId: req.vmId, detached: events.length > 0, releasedPci: released } };
    });
  }

  installTools(req: InstallToolsRequest) {
    return this.command(req, (s) => {
      const vm = io.vmOf(s.io, req.vmId);
      if (!vm) throw s.vms[req.vmId] ? conflict('io.notAttached', `VM ${req.vmId} has no devices attached`, { vmId: req.vmId }) : notFound('vm', req.vmId);
      const events = io.decideIo({ type: 'InstallGuestTools', vmId: req.vmId }, s.io);
      const reconnected = vm.powered ? vm.devices.filter((d) => d.frontend !== 'Connected').map((d) => d.guestName) : [];
      return { clusterId: this.clusterOfVm(s, req.vmId), events, answer: { vmId: req.vmId, toolsInstalled: true, alreadyInstalled: events.length === 0, reconnected } };
    });
  }

  // ---- checks and queries (no events) ----

  async checkPowerOn(req: CheckPowerOnRequest): Promise<{ ok: true; warnings: string[] }> {
    const s = await this.caughtUp();
    const vm = io.vmOf(s.io, req.vmId);
    if (!vm) {
      if (!s.vms[req.vmId]) throw notFound('vm', req.vmId);
      return { ok: true, warnings: [`VM ${req.vmId} has no devices attached by io-backend`] };
    }
    const events = io.decideIo({ type: 'DiscoverDevices', vmId: req.vmId }, s.io); // throws io.virtioDriverMissing
    const found = events[0]?.type === 'IoDevicesDiscovered' ? events[0].data : null;
    const warnings = (found?.unbound ?? []).map((u) => {
      const d = vm.devices.find((x) => x.deviceId === u.deviceId);
      return `${d?.model ?? 'virtio'} NIC ${u.guestName} has no driver: the guest boots without network (${u.reason})`;
    });
    return { ok: true, warnings };
  }

  async canMigrate(req: CanMigrateRequest) {
    const s = await this.caughtUp();
    if (!io.vmOf(s.io, req.vmId) && !s.vms[req.vmId]) throw notFound('vm', req.vmId);
    return io.canLiveMigrate(s.io, req.vmId);
  }

  async equivalentFree(req: EquivalentFreeRequest) {
    const s = await this.caughtUp();
    if (!io.vmOf(s.io, req.vmId) && !s.vms[req.vmId]) throw notFound('vm', req.vmId);
    return io.equivalentDeviceFree(s.io, req.hostId, io.vmDevices(s.io, req.vmId));
  }

  async caughtUp(): Promise<IoBackendState> {
    await this.ctx.projection.catchUp();
    return this.ctx.state;
  }

  // ---- the tick (phase io-backend of the vrm clock) ----

  tick(req: TickRequest): Promise<TickAnswer & { position: number }> {
    return this.ctx.commands.run((s): Decision<TickAnswer> => {
      const answer: TickAnswer = { events: 0, discovered: 0, closed: 0, moved: 0, detached: 0, statsChanged: 0, skipped: [] };
      if (req.tick > 0 && req.tick <= s.lastTick) return { appends: [], result: { ...answer, repeated: true } };
      const perCluster = new Map<string, IoEvent[]>();
      // decisions of this tick are folded into a copy-on-write scratch state: the live one is untouched
      const work = new ScratchIo(s.io);
      const scratch = work.state;
      const emit = (clusterId: string, command: io.IoCommand & { vmId: string }): boolean => {
        try {
          const events = io.decideIo(command, scratch);
          for (const e of events) work.apply(e);
          if (events.length) listOf(perCluster, clusterId).push(...events);
          return events.length > 0;
        } catch (err) {
          const e = VirtsimError.from(err);
          answer.skipped.push({ vmId: command.vmId, command: command.type, code: e.code, rule: typeof e.details?.rule === 'string' ? e.details.rule : null, message: e.message });
          return false;
        }
      };
      // 1. deleted VMs (and failed creations) give their devices back
      for (const vmId of Object.keys(s.gone).sort(byId)) if (emit(s.gone[vmId].clusterId, { type: 'DetachDevices', vmId, reason: s.gone[vmId].reason })) answer.detached++;
      // 2. power / host changes the inventory made since io last saw the VM
      for (const vmId of this.outOfSync(s)) {
        const vm = s.vms[vmId];
        const dev = io.vmOf(scratch, vmId)!;
        if (UNPOWERED.has(vm.power) && dev.powered && emit(vm.clusterId, { type: 'CloseDevices', vmId })) answer.closed++;
        if (vm.hostId && vm.hostId !== dev.hostId && s.hostSpecs[vm.hostId]) {
          if (emit(vm.clusterId, { type: 'MoveDevices', vmId, toHostId: vm.hostId, toHost: s.hostSpecs[vm.hostId], reason: vm.moveReason })) answer.moved++;
        }
        if (POWERED.has(vm.power) && !io.vmOf(scratch, vmId)!.powered && emit(vm.clusterId, { type: 'DiscoverDevices', vmId })) answer.discovered++;
      }
      // 3. the I/O sample of every host (one ioTick per distinct scenario seed)
      for (const e of this.sample(s, scratch, req)) {
        listOf(perCluster, s.hostCluster[(e.data as { hostId: string }).hostId] ?? '').push(e);
        answer.statsChanged++;
      }
      const appends = [...perCluster.keys()].sort(byId).map((clusterId) => this.batch(clusterId, perCluster.get(clusterId)!));
      answer.events = appends.reduce((n, b) => n + b.events.length, 0);
      return { appends, result: answer, metadata: this.metadata(req, req.simTime, { tick: req.tick }) };
    });
  }

  /** VMs whose devices io holds but whose power state or host the inventory changed, sorted by id. */
  private outOfSync(s: IoBackendState): string[] {
    const out: string[] = [];
    for (const key in s.io.vmBuckets) {
      const bucket = s.io.vmBuckets[key];
      for (const vmId in bucket) {
        const vm = s.vms[vmId];
        if (!vm) continue;
        const dev = bucket[vmId];
        if ((vm.hostId !== null && vm.hostId !== dev.hostId) || (dev.powered ? UNPOWERED.has(vm.power) : POWERED.has(vm.power))) out.push(vmId);
      }
    }
    return out.sort(byId);
  }

  private sample(s: IoBackendState, state: io.IoState, req: TickRequest): IoEvent[] {
    const bySeed = new Map<number, string[]>();
    for (const hostId in state.hosts) {
      const seed = s.clusterSeeds[s.hostCluster[hostId]] ?? 1;
      listOf(bySeed, seed).push(hostId);
    }
    const input = { simTime: req.simTime, tickSeconds: req.tickSeconds };
    if (bySeed.size <= 1) return io.decideIo({ type: 'SampleIo', ...input, scenarioSeed: [...bySeed.keys()][0] ?? 1 }, state);
    const events: IoEvent[] = [];
    for (const seed of [...bySeed.keys()].sort((a, b) => a - b)) {
      const hosts = Object.fromEntries(bySeed.get(seed)!.map((id) => [id, state.hosts[id]]));
      events.push(...io.decideIo({ type: 'SampleIo', ...input, scenarioSeed: seed }, { hosts, vmBuckets: state.vmBuckets }));
    }
    return events.sort((a, b) => byId((a.data as { hostId: string }).hostId, (b.data as { hostId: string }).hostId));
  }

  // ---- plumbing ----

  private clusterOfVm(s: IoBackendState, vmId: string): string {
    const vm = io.vmOf(s.io, vmId);
    return s.vms[vmId]?.clusterId ?? s.gone[vmId]?.clusterId ?? (vm ? s.hostCluster[vm.hostId] : undefined) ?? '';
  }

  /** a saga step / command: idempotent by idempotencyKey (the first answer is kept in the append's metadata) */
  private command<T extends object>(req: Trace, decide: (s: IoBackendState) => { clusterId: string; events: IoEvent[]; answer: T }) {
    return this.ctx.commands.run((s): Decision<StepAnswer<T>> => {
      const step = idempotentStep(s, req.idempotencyKey, {}, () => decide(s));
      if (!step.decided) return { appends: [], result: step.result };
      const { clusterId, events } = step.decided;
      return { appends: events.length ? [this.batch(clusterId, events)] : [], result: step.result, metadata: this.metadata(req, s.clock.simTime, step.metadata) };
    });
  }

  private batch(clusterId: string, events: IoEvent[]): AppendBatch {
    const streamId = ioStream(clusterId);
    return { streamId, expectedVersion: this.ctx.commands.expected(streamId), events: events.map((e) => ({ type: e.type, data: e.data })) };
  }

  private metadata(req: Trace, simTime: number, extra: EventMetadata = {}): EventMetadata {
    return {
      simTime, actor: 'io-backend', ...extra,
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      ...(req.causationId ? { causationId: req.causationId } : {}),
    };
  }
}
