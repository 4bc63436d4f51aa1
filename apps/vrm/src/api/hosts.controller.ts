// Hosts: state with every service's view of it, maintenance (evacuates first), power, faults.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { protocol, type EvacuateAnswer } from '@virtsim/contracts';
import { cpu, inventory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';
import { streams } from '../state.js';
import { Tasks } from '../tasks.js';
import { askPersistently } from '../step-retry.js';
import { Vrm } from '../vrm.service.js';
import { gatherViews } from './views.js';
import { hostResource, ListQuery, page } from './resources.js';

export const CpuModesQuery = z.strictObject({
  vmId: z.string().min(1).max(64).optional(),
  mode: z.enum(['native', 'trap-and-emulate', 'full', 'paravirtual', 'hardware-assisted']).optional(),
});
const Counts = z.record(z.string().min(1).max(32), z.number().int().min(0).max(1e12))
  .refine((o) => Object.keys(o).length <= 64, { message: 'at most 64 instructions per context' });
/** an instruction mix (mnemonics of the host's architecture or class names) run under every mode */
export const CpuMixBody = z.strictObject({
  mix: z.strictObject({
    kernel: Counts,
    user: Counts.optional(),
    timerInterrupts: z.number().int().min(0).max(1e9).optional().describe('timer ticks delivered while the mix runs (one per time slice)'),
    vcpuStart: z.boolean().default(true).describe('the mix starts the vCPU: under VT-x its first entry is a VMLAUNCH'),
  }),
  guestFamily: z.enum(['linux', 'windows']).default('linux'),
});
export const MaintenanceBody = z.strictObject({ enter: z.boolean() });
export const PowerBody = z.strictObject({ on: z.boolean(), standby: z.boolean().default(false) });
export const HostFaultBody = z.strictObject({ kind: z.enum(['power-loss', 'network-isolation', 'hypervisor-crash']) });

@ApiTags('hosts')
@Controller('hosts')
export class HostsController {
  constructor(private readonly vrm: Vrm, private readonly tasks: Tasks) {}

  @Get()
  @QueryDoc(ListQuery)
  list(@Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const all = Object.values(this.vrm.state.inventory.hosts).filter((h) => !q.clusterId || h.clusterId === q.clusterId);
    const p = page(all, q);
    return { items: p.items.map(hostResource), nextCursor: p.nextCursor };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const host = inventory.requireHost(this.vrm.state.inventory, id);
    return { ...hostResource(host), ...(await gatherViews(this.vrm, 'host', { hostId: id })) };
  }

  /** the CPU virtualization model of this host: an instruction mix run in each mode (P2, C5, C6) */
  @Get(':id/cpu-modes')
  @QueryDoc(CpuModesQuery)
  async cpuModes(@Param('id') id: string, @Query(zodPipe(CpuModesQuery, 'query')) q: z.infer<typeof CpuModesQuery>) {
    inventory.requireHost(this.vrm.state.inventory, id);
    return this.vrm.ctx.call(protocol.scheduler.cpuModes, { hostId: id, ...(q.vmId ? { vmId: q.vmId } : {}), ...(q.mode ? { mode: q.mode } : {}) });
  }

  /** the given instruction mix under every mode on this host (P2, C5): refusals (e.g. paravirtual Windows) in place */
  @Post(':id/cpu-modes')
  @HttpCode(200)
  @BodyDoc(CpuMixBody)
  runMix(@Param('id') id: string, @Body(zodPipe(CpuMixBody)) body: z.infer<typeof CpuMixBody>) {
    const host = inventory.requireHost(this.vrm.state.inventory, id);
    const spec = host.spec;
    const profile = { hostId: id, cpu: { arch: spec.cpu.arch ?? 'x86', features: spec.cpu.features ?? [] }, hypervisor: spec.hypervisor };
    const modes = cpu.compareCpuModes({ host: profile, guest: { family: body.guestFamily }, mix: body.mix });
    return { hostId: id, hostMode: spec.hypervisor.mode, hypervisorType: spec.hypervisor.type, guestFamily: body.guestFamily, modes };
  }

  @Post(':id/maintenance')
  @Roles('admin', 'operator')
  @BodyDoc(MaintenanceBody)
  async maintenance(@Param('id') id: string, @Body(zodPipe(MaintenanceBody)) body: z.infer<typeof MaintenanceBody>) {
    const host = inventory.requireHost(this.vrm.state.inventory, id);
    if (!body.enter) {
      await this.decide(id, { type: 'ExitHostMaintenance', hostId: id });
      // a maintenance task still following the evacuation fails now: the host left maintenance first
      await this.tasks.syncMaintenanceOf(id);
      return this.get(id);
    }
    // one entry per cluster at a time: two hosts planned at once could each count on the other as a target
    const evacuation = await this.inTurn(host.clusterId, () => this.enterMaintenance(id));
    // while VMs leave, the host is entering maintenance and a task follows them (progress: the share gone)
    const moving = evacuation ? evacuation.moves.length + evacuation.alreadyMoving.length : 0;
    const task = moving > 0 ? this.tasks.resource((await this.tasks.startMaintenance(id, moving)).taskId) : null;
    return { ...(await this.get(id)), evacuation, task };
  }

  private async enterMaintenance(id: string): Promise<EvacuateAnswer | null> {
    const host = inventory.requireHost(this.vrm.state.inventory, id);
    // a host that is down is refused as such (HA.md 7), before any evacuation plan is asked for; nothing written
    inventory.hostDecider.decide({ type: 'EnterHostMaintenance', hostId: id }, this.vrm.state.inventory);
    if (host.vmCount === 0) {
      await this.decide(id, { type: 'EnterHostMaintenance', hostId: id });
      return null;
    }
    // refuses (naming each VM that cannot move) before anything is written
    await askPersistently(this.vrm, protocol.migration.evacuate, { hostId: id, reason: 'maintenance', dryRun: true }, { hostId: id });
    const wasIn = host.maintenance;
    await this.decide(id, { type: 'EnterHostMaintenance', hostId: id });
    try {
      // one key for every attempt: an evacuation that was done but whose answer was lost is answered again, not redone
      return await askPersistently(this.vrm, protocol.migration.evacuate, { hostId: id, reason: 'maintenance', dryRun: false, idempotencyKey: `maintenance:${id}:${randomUUID()}` }, { hostId: id });
    } catch (err) {
      // the cluster changed between the plan and the moves: the host leaves maintenance again, then the refusal
      if (!wasIn) await this.decide(id, { type: 'ExitHostMaintenance', hostId: id });
      throw err;
    }
  }

  private readonly turns = new Map<string, Promise<unknown>>();

  private inTurn<T>(clusterId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.turns.get(clusterId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.turns.set(clusterId, run);
    void run.catch(() => undefined).finally(() => { if (this.turns.get(clusterId) === run) this.turns.delete(clusterId); });
    return run;
  }

  @Post(':id/power')
  @Roles('admin', 'operator')
  @BodyDoc(PowerBody)
  async power(@Param('id') id: string, @Body(zodPipe(PowerBody)) body: z.infer<typeof PowerBody>) {
    await this.decide(id, body.on ? { type: 'PowerOnHost', hostId: id, reason: 'operator' } : { type: 'PowerOffHost', hostId: id, standby: body.standby, reason: 'operator' });
    return this.get(id);
  }

  @Post(':id/faults')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @BodyDoc(HostFaultBody)
  async fault(@Param('id') id: string, @Body(zodPipe(HostFaultBody)) body: z.infer<typeof HostFaultBody>) {
    inventory.requireHost(this.vrm.state.inventory, id);
    return askPersistently(this.vrm, protocol['ha-monitor'].hostFault, { hostId: id, kind: body.kind, simTime: this.vrm.state.clock.simTime, idempotencyKey: `fault:${id}:${randomUUID()}` }, { hostId: id });
  }

  @Post(':id/recover')
  @Roles('admin', 'operator')
  @HttpCode(202)
  async recover(@Param('id') id: string) {
    inventory.requireHost(this.vrm.state.inventory, id);
    return askPersistently(this.vrm, protocol['ha-monitor'].hostRecover, { hostId: id, simTime: this.vrm.state.clock.simTime, idempotencyKey: `recover:${id}:${randomUUID()}` }, { hostId: id });
  }

  private decide(hostId: string, command: inventory.HostCommand) {
    return this.vrm.run((s) => {
      const host = inventory.requireHost(s.inventory, hostId);
      const events = inventory.hostDecider.decide(command, s.inventory);
      return { appends: [{ streamId: streams.cluster(host.clusterId), events }], result: {} };
    });
  }
}
