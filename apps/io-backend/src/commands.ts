// The io-backend's commands: the creation saga's attach / release steps, Tools install, the power-on check,
// migration / HA queries and the tick (planned in tick.ts). Each decides with the pure io domain against IoState and
// appends io's events on `io-<clusterId>`.
import { Injectable } from '@nestjs/common';
import {
  conflict, notFound, stepOutcome, type AttachDevicesRequest as AttachRequest, type CanMigrateRequest, type CheckPowerOnRequest,
  type EquivalentFreeRequest, type EventMetadata, type InstallToolsRequest, type IoDevice, type IoEvent, type ReleaseDevicesRequest as ReleaseRequest,
  type StepBatchRequest, type StepOutcome, type TickRequest,
} from '@virtsim/contracts';
import { io } from '@virtsim/domain';
import type { AppendBatch, NewEvent } from '@virtsim/event-store';
import { ServiceContext, type Decision, type StepEventOut } from '@virtsim/service-kit';
import { ioStream, type IoBackendState } from './state.js';
import { byId, emptyTick, listOf, planTick, type TickAnswer } from './tick.js';

export type { TickAnswer } from './tick.js';

interface Trace { correlationId?: string; causationId?: string; idempotencyKey?: string }

export interface AttachAnswer {
  vmId: string;
  hostId: string;
  domId: number;
  devices: { deviceId: string; kind: IoDevice['kind']; mode: IoDevice['mode']; guestName: string; hostModel: string | null; vgpuProfile: string | null }[];
}

type StepAnswer<T> = T & { events: number; repeated?: boolean };

/** refusals a repeat decides again: they depend on ordering (the placement or the attach not folded yet), not on
 *  the domain */
const ORDERING_RULES: ReadonlySet<string> = new Set(['io.notPlaced', 'io.notAttached']);

const attachAnswer = (vm: Pick<io.IoVmState, 'vmId' | 'hostId' | 'domId' | 'devices'>): AttachAnswer => ({
  vmId: vm.vmId, hostId: vm.hostId, domId: vm.domId,
  devices: vm.devices.map((d) => ({ deviceId: d.deviceId, kind: d.kind, mode: d.mode, guestName: d.guestName, hostModel: d.hostModel, vgpuProfile: d.vgpuProfile })),
});


@Injectable()
export class IoBackend {
  constructor(readonly ctx: ServiceContext<IoBackendState>) {}

  // ---- creation saga: attach-devices / release-devices ----

  attach(req: AttachRequest) {
    return this.command(req, (s) => this.decideAttach(s, req.vmId));
  }

  /** attach-devices for many VMs in one decision, each against the io state that holds the earlier ones' devices;
   *  idempotent per item as attach is (ctx.runSteps: the first answer rides in its first event's metadata) */
  attachMany(req: StepBatchRequest) {
    return this.ctx.runSteps((s, steps): Decision<{ outcomes: StepOutcome<StepAnswer<AttachAnswer>>[] }> => {
      // later items see the earlier ones' devices: one overlay for the batch (copy-on-write), not a copy per event
      const ov = io.overlay(s.io);
      const view: IoBackendState = { ...s, io: ov.state };
      const byCluster = new Map<string, NewEvent[]>();
      const outcomes = req.items.map((item) => stepOutcome(() => {
        let clusterId = '';
        const d = steps.step(item.idempotencyKey, () => {
          const o = this.decideAttach(view, item.vmId);
          clusterId = o.clusterId;
          return { events: o.events, result: o.answer };
        });
        if (d.events.length) {
          ov.apply(d.events);
          listOf(byCluster, clusterId).push(...d.events.map(plain));
        }
        return { ...d.result, events: d.events.length };
      }));
      const appends = [...byCluster].map(([clusterId, events]) => ({ streamId: ioStream(clusterId), expectedVersion: this.ctx.commands.expected(ioStream(clusterId)), events }));
      return { appends, result: { outcomes }, metadata: this.metadata(req, s.clock.simTime) };
    }, { transient: ORDERING_RULES, metadata: (s: IoBackendState) => this.metadata(req, s.clock.simTime) });
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
      if (req.tick > 0 && req.tick <= s.lastTick) return { appends: [], result: { ...emptyTick(), repeated: true } };
      const { perCluster, answer } = planTick(s, req);
      const appends = [...perCluster.keys()].sort(byId).map((clusterId) => this.batch(clusterId, perCluster.get(clusterId)!));
      answer.events = appends.reduce((n, b) => n + b.events.length, 0);
      return { appends, result: answer, metadata: this.metadata(req, req.simTime, { tick: req.tick }) };
    });
  }

  // ---- plumbing ----

  private clusterOfVm(s: IoBackendState, vmId: string): string {
    const vm = io.vmOf(s.io, vmId);
    return s.vms[vmId]?.clusterId ?? s.gone[vmId]?.clusterId ?? (vm ? s.hostCluster[vm.hostId] : undefined) ?? '';
  }

  /** a saga step / command of one cluster, idempotent by its idempotencyKey (ctx.runSteps: the first answer rides in
   *  its first event's metadata, a refusal in a StepRefused; a repeat is answered from the log) */
  private command<T extends object>(req: Trace, decide: (s: IoBackendState) => { clusterId: string; events: IoEvent[]; answer: T }) {
    return this.ctx.runSteps((s, steps): Decision<StepAnswer<T>> => {
      let clusterId = '';
      const d = steps.step(req.idempotencyKey, () => {
        const o = decide(s);
        clusterId = o.clusterId;
        return { events: o.events, result: o.answer };
      });
      const result = { ...d.result, events: d.events.length };
      return { appends: d.events.length ? [this.batch(clusterId, d.events)] : [], result, metadata: this.metadata(req, s.clock.simTime) };
    }, { transient: ORDERING_RULES, metadata: (s: IoBackendState) => this.metadata(req, s.clock.simTime) });
  }

  private batch(clusterId: string, events: StepEventOut<IoEvent>[]): AppendBatch {
    const streamId = ioStream(clusterId);
    return { streamId, expectedVersion: this.ctx.commands.expected(streamId), events: events.map(plain) };
  }

  private metadata(req: Trace, simTime: number, extra: EventMetadata = {}): EventMetadata {
    return {
      simTime, actor: 'io-backend', ...extra,
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      ...(req.causationId ? { causationId: req.causationId } : {}),
    };
  }
}

/** an event to append, with the step metadata its first one may carry */
const plain = (e: StepEventOut<IoEvent>): NewEvent => ({ type: e.type, data: e.data, ...(e.metadata ? { metadata: e.metadata } : {}) });
