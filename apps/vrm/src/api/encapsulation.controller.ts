import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Id, Name } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { packVm, unpackVm } from '../encapsulation.js';
import { Roles } from '../http/auth.js';
import { QueryDoc } from '../http/openapi.js';
import { Tasks } from '../tasks.js';
import { VmCreation } from '../vm-creation.js';
import { Vrm } from '../vrm.service.js';

export const ImportQuery = z.strictObject({ clusterId: Id, name: Name.optional(), wait: z.enum(['true', 'false']).optional() });

@ApiTags('vms')
@Controller()
export class EncapsulationController {
  constructor(private readonly vrm: Vrm, private readonly creation: VmCreation, private readonly tasks: Tasks) {}

  /** C3: a stopped or suspended VM as files (409 vm.state otherwise) */
  @Get('vms/:id/export')
  async export(@Param('id') id: string, @Res() res: Response) {
    const vm = inventory.requireVm(this.vrm.state.inventory, id);
    const tarball = await packVm(inventory.vmFileOf(vm));
    res.status(200).type('application/x-tar').setHeader('Content-Disposition', `attachment; filename="${inventory.vmFolderName(vm.spec.name)}.tar"`);
    res.send(tarball);
  }

  @Post('vms\\:import')
  @Roles('admin', 'operator')
  @HttpCode(202)
  @QueryDoc(ImportQuery)
  async import(@Body() body: Buffer, @Query(zodPipe(ImportQuery, 'query')) q: z.infer<typeof ImportQuery>) {
    const file = await unpackVm(body);
    const { taskId } = await this.creation.import(file, { clusterId: q.clusterId, ...(q.name !== undefined ? { name: q.name } : {}) });
    return q.wait === 'true' ? this.tasks.waitFor(taskId) : this.tasks.resource(taskId);
  }
}
