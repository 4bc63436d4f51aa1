import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { protocol } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { packVm, unpackVm, vmConfig } from '../encapsulation.js';
import { Roles } from '../http/auth.js';
import { QueryDoc } from '../http/openapi.js';
import { Tasks } from '../tasks.js';
import { VmCreation } from '../vm-creation.js';
import { Vrm } from '../vrm.service.js';

export const ImportQuery = z.strictObject({ clusterId: z.string().min(1).max(64), name: z.string().min(1).max(80).optional(), wait: z.enum(['true', 'false']).optional() });

@ApiTags('vms')
@Controller()
export class EncapsulationController {
  constructor(private readonly vrm: Vrm, private readonly creation: VmCreation, private readonly tasks: Tasks) {}

  @Get('vms/:id/export')
  async export(@Param('id') id: string, @Res() res: Response) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    const memory = await this.vrm.ctx.call(protocol['memory-manager'].vm, { vmId: id }, 5000).catch(() => null);
    const cpu = await this.vrm.ctx.call(protocol.scheduler.vm, { vmId: id }, 5000).catch(() => null);
    const tarball = await packVm(vmConfig(vm, { memory, cpu }));
    res.status(200).type('application/x-tar').setHeader('Content-Disposition', `attachment; filename="${vm.spec.name}.tar"`);
    res.send(tarball);
  }

  @Post('vms\\:import')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @QueryDoc(ImportQuery)
  async import(@Body() body: Buffer, @Query(zodPipe(ImportQuery, 'query')) q: z.infer<typeof ImportQuery>) {
    const spec = await unpackVm(body, q.clusterId, q.name);
    const { taskId } = await this.creation.create(spec);
    return q.wait === 'true' ? this.tasks.waitFor(taskId) : this.tasks.resource(taskId);
  }
}
