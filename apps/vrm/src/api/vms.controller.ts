// VMs: creation (202 + task, saga), batch creation, reads joined with every service's view, power,
// online reconfiguration (F4), disks and NICs added / removed, migration, guest Tools, faults, deletion, history.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { conflict, DiskSpec, Id, MAX_VM_MEMORY_MIB, MAX_VM_VCPUS, NicSpec, notFound, protocol, VmSpec } from '@virtsim/contracts';
import { inventory, memory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';
import { PowerOn } from '../power-on.js';
import { Tasks } from '../tasks.js';
import { VmCreation } from '../vm-creation.js';
import { streams } from '../state.js';
import { askPersistently } from '../step-retry.js';
import { Vrm } from '../vrm.service.js';
import { ListQuery, LogPosition, page, vmResource } from './resources.js';
import { gatherViews } from './views.js';

export const WaitQuery = z.strictObject({ wait: z.enum(['true', 'false']).optional() });
export const BatchBody = z.strictObject({ vms: z.array(VmSpec).min(1).max(8000) });
export const ReconfigureBody = z.strictObject({ vcpus: z.number().int().min(1).max(MAX_VM_VCPUS).optional(), memoryMiB: z.number().int().min(16).max(MAX_VM_MEMORY_MIB).optional() })
  .refine((b) => b.vcpus !== undefined || b.memoryMiB !== undefined, { message: 'give vcpus and/or memoryMiB' });
export const PowerActionBody = z.strictObject({ action: z.enum(['start', 'stop', 'restart', 'suspend', 'resume']) });
/** live: absent = live for a running VM, cold for a stopped or suspended one (so `{targetClusterId}` alone moves
 *  a stopped VM out of its cluster, C4); targetClusterId: the VM leaves its cluster (F11 baseline checked for a
 *  running or suspended VM). */
export const MigrateBody = z.strictObject({ targetHostId: Id.optional(), targetClusterId: Id.optional(), live: z.boolean().optional() });
export const HistoryQuery = z.strictObject({ after: LogPosition.optional(), limit: z.coerce.number().int().min(1).max(5000).default(1000) });
export const VmFaultBody = z.strictObject({ kind: z.enum(['guest-os-crash', 'vmm-process-crash']) });
/** a guest virtual address: hex, canonical lower half (below 2^47) */
const Gva = z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, { message: 'a hex guest virtual address like 0x7f001000', abort: true })
  .refine((gva) => Number.parseInt(gva.slice(2), 16) < 2 ** 47, 'a canonical lower-half address, below 0x800000000000');
export const TranslateQuery = z.object({ gva: Gva });
export const TranslateBody = z.strictObject({
  gvas: z.array(Gva).min(1).max(4096),
  /** start the first address from an empty TLB */
  flushTlb: z.boolean().optional(),
});
/** addresses per memory-manager.translate request: its replies must fit one NATS message */
const TRANSLATE_CHUNK = 256;

/** a disk's or NIC's position in its list: 0..59 */
const DeviceIndex = z.string().regex(/^\d{1,2}$/, 'a device index 0..59').transform(Number);

/** `POST /vms:batch` sits beside /vms, not under it */
@ApiTags('vms')
@Controller()
export class VmBatchController {
  constructor(private readonly creation: VmCreation, private readonly tasks: Tasks) {}

  @Post('vms\\:batch')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @BodyDoc(BatchBody)
  @QueryDoc(WaitQuery)
  async batch(@Body(zodPipe(BatchBody, 'batch')) body: z.infer<typeof BatchBody>, @Query(zodPipe(WaitQuery, 'query')) q: z.infer<typeof WaitQuery>) {
    const { taskId } = await this.creation.createBatch(body.vms);
    return q.wait === 'true' ? this.tasks.waitFor(taskId, 3_600_000) : this.tasks.resource(taskId);
  }
}

@ApiTags('vms')
@Controller('vms')
export class VmsController {
  constructor(private readonly vrm: Vrm, private readonly creation: VmCreation, private readonly tasks: Tasks, private readonly powerOn: PowerOn) {}

  @Post()
  @Roles('admin', 'operator')
  @HttpCode(202)
  @BodyDoc(VmSpec)
  @QueryDoc(WaitQuery)
  async create(@Body(zodPipe(VmSpec, 'vm')) spec: VmSpec, @Query(zodPipe(WaitQuery, 'query')) q: z.infer<typeof WaitQuery>) {
    const { taskId } = await this.creation.create(spec);
    return q.wait === 'true' ? this.tasks.waitFor(taskId) : this.tasks.resource(taskId);
  }

  @Get()
  @QueryDoc(ListQuery)
  list(@Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const all = Object.values(this.vrm.state.inventory.vms)
      .filter((v) => (!q.clusterId || v.clusterId === q.clusterId) && (!q.hostId || v.hostId === q.hostId) && (!q.state || v.state === q.state));
    const p = page(all, q);
    return { items: p.items.map(vmResource), nextCursor: p.nextCursor };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    return { ...vmResource(vm), ...(await gatherViews(this.vrm, 'vm', { vmId: id })) };
  }

  @Get(':id/history')
  @QueryDoc(HistoryQuery)
  async history(@Param('id') id: string, @Query(zodPipe(HistoryQuery, 'query')) q: z.infer<typeof HistoryQuery>) {
    // a deleted or never-created VM still has a history: only an id the log never saw is unknown
    const items = await this.vrm.ctx.store.readAll(q.after ?? 0, q.limit, { vmId: id });
    if (items.length === 0 && !Object.hasOwn(this.vrm.state.inventory.vms, id) && q.after === undefined) throw notFound('vm', id);
    return { items, nextCursor: items.length ? String(items[items.length - 1].position) : null };
  }

  @Get(':id/memory/translate')
  @QueryDoc(TranslateQuery)
  async translate(@Param('id') id: string, @Query(zodPipe(TranslateQuery, 'query')) q: z.infer<typeof TranslateQuery>) {
    inventory.requireVm(this.vrm.state.inventory, id);
    return this.vrm.ctx.call(protocol['memory-manager'].translate, { vmId: id, gva: q.gva });
  }

  /** Many addresses in one call, in order: `{ items }`, each walk as GET answers it, the TLB carried from one to
   *  the next. Longer lists go to the memory-manager in chunks, one after the other (translations of this VM by
   *  other requests in between touch the same TLB, as single GETs do). Reading roles may call it, as they may GET. */
  @Post(':id/memory/translate')
  @Roles('admin', 'operator', 'auditor')
  @HttpCode(200)
  @Header('content-type', 'application/json; charset=utf-8')
  @BodyDoc(TranslateBody, 'guest virtual addresses (1 to 4,096) to translate in order')
  async translateMany(@Param('id') id: string, @Body(zodPipe(TranslateBody, 'translation')) body: z.infer<typeof TranslateBody>): Promise<string> {
    inventory.requireVm(this.vrm.state.inventory, id);
    // each chunk's views are made and serialized at once: thousands of objects per request die young then
    const chunks: string[] = [];
    for (let at = 0; at < body.gvas.length; at += TRANSLATE_CHUNK) {
      const flushTlb = at === 0 && body.flushTlb === true;
      const packed = await this.vrm.ctx.call(protocol['memory-manager'].translate, { vmId: id, gvas: body.gvas.slice(at, at + TRANSLATE_CHUNK), flushTlb }) as memory.PackedTranslations;
      chunks.push(JSON.stringify(memory.unpackTranslations(packed)).slice(1, -1));
    }
    return `{"items":[${chunks.join(',')}]}`;
  }

  @Patch(':id')
  @Roles('admin', 'operator')
  @BodyDoc(ReconfigureBody)
  async reconfigure(@Param('id') id: string, @Body(zodPipe(ReconfigureBody, 'vm patch')) body: z.infer<typeof ReconfigureBody>) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    // the guest rules (F4) first, then the host's memory (M5): nothing is written unless both agree
    inventory.vmDecider.decide({ type: 'ReconfigureVm', vmId: id, ...body }, this.vrm.state.inventory);
    const online = vm.state === 'running' || vm.state === 'suspended';
    if (online && body.memoryMiB !== undefined && body.memoryMiB !== vm.spec.memoryMiB) {
      // not idempotent: asked again only while no memory-manager received it
      await askPersistently(this.vrm, protocol['memory-manager'].grow, { vmId: id, memoryMiB: body.memoryMiB }, { vmId: id });
    }
    await this.decide(id, { type: 'ReconfigureVm', vmId: id, ...body });
    return this.get(id);
  }

  @Post(':id/power')
  @Roles('admin', 'operator')
  @BodyDoc(PowerActionBody)
  async power(@Param('id') id: string, @Body(zodPipe(PowerActionBody)) body: z.infer<typeof PowerActionBody>) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    const booting = body.action === 'start' || body.action === 'restart';
    const warnings = booting && vm.hostId ? await this.powerOn.check(id, vm.hostId) : [];
    await this.decide(id, { type: 'PowerVm', vmId: id, action: body.action, reason: warnings.length ? `${body.action}: ${warnings.join('; ')}` : body.action });
    return { ...(await this.get(id)), ...(warnings.length ? { warnings } : {}) };
  }

  @Post(':id/migrate')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @BodyDoc(MigrateBody)
  async migrate(@Param('id') id: string, @Body(zodPipe(MigrateBody)) body: z.infer<typeof MigrateBody>, @Query(zodPipe(WaitQuery, 'query')) q: z.infer<typeof WaitQuery>) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    const { taskId } = await this.tasks.startMigration(id, { ...body, live: body.live ?? vm.state === 'running' });
    return q.wait === 'true' ? this.tasks.waitFor(taskId) : this.tasks.resource(taskId);
  }

  /** Guest Tools (F1, I3): the PV drivers they carry make a Windows virtio NIC work. 202 with the task, which
   *  has ended (succeeded, io's answer as result: which devices were reconnected); `?wait` is accepted alike. */
  @Post(':id/tools\\:install')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @QueryDoc(WaitQuery)
  async installTools(@Param('id') id: string, @Query(zodPipe(WaitQuery, 'query')) _q: z.infer<typeof WaitQuery>) {
    inventory.requireVm(this.vrm.state.inventory, id);
    const { taskId } = await this.tasks.installTools(id);
    return this.tasks.resource(taskId);
  }

  /** Devices on an existing VM (vm-devices.ts): hot-plugged into a running VM where the bus and the guest allow
   *  it, else only on a stopped VM (409 vm.hotPlug / vm.state). Answers the VM with its guest device names. */
  @Post(':id/disks')
  @Roles('admin', 'operator')
  @HttpCode(200)
  @BodyDoc(DiskSpec)
  async addDisk(@Param('id') id: string, @Body(zodPipe(DiskSpec, 'disk')) disk: DiskSpec) {
    await this.decide(id, { type: 'AddVmDisk', vmId: id, disk });
    return this.get(id);
  }

  @Delete(':id/disks/:n')
  @Roles('admin', 'operator')
  async removeDisk(@Param('id') id: string, @Param('n', zodPipe(DeviceIndex, 'disk index')) n: number) {
    await this.decide(id, { type: 'RemoveVmDisk', vmId: id, index: n });
    return this.get(id);
  }

  @Post(':id/nics')
  @Roles('admin', 'operator')
  @HttpCode(200)
  @BodyDoc(NicSpec)
  async addNic(@Param('id') id: string, @Body(zodPipe(NicSpec, 'nic')) nic: NicSpec) {
    await this.decide(id, { type: 'AddVmNic', vmId: id, nic });
    return this.get(id);
  }

  @Delete(':id/nics/:n')
  @Roles('admin', 'operator')
  async removeNic(@Param('id') id: string, @Param('n', zodPipe(DeviceIndex, 'NIC index')) n: number) {
    await this.decide(id, { type: 'RemoveVmNic', vmId: id, index: n });
    return this.get(id);
  }

  @Post(':id/faults')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @BodyDoc(VmFaultBody)
  async fault(@Param('id') id: string, @Body(zodPipe(VmFaultBody)) body: z.infer<typeof VmFaultBody>) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    if (vm.state !== 'running') throw conflict('vm.state', `VM ${vm.spec.name} is ${vm.state}; only a running VM can crash`, { vmId: id, state: vm.state });
    return askPersistently(this.vrm, protocol['ha-monitor'].vmFault, { vmId: id, kind: body.kind, simTime: this.vrm.state.clock.simTime, idempotencyKey: `fault:${id}:${randomUUID()}` }, { vmId: id });
  }

  @Delete(':id')
  @Roles('admin', 'operator')
  @HttpCode(204)
  async delete(@Param('id') id: string) {
    await this.decide(id, { type: 'DeleteVm', vmId: id });
  }

  private decide(vmId: string, command: inventory.VmCommand) {
    return this.vrm.run((s) => ({ appends: [{ streamId: streams.vm(vmId), events: inventory.vmDecider.decide(command, s.inventory) }], result: {} }));
  }
}
