// The CPU chapter (P2, C5, C6) as a reference: GET /api/v1/cpu/instructions, the instruction catalogue of each
// architecture (rings, VMX operations, classes, the 19 sensitive-but-unprivileged x86 instructions, Popek &
// Goldberg). Running a mix on a host is POST /hosts/:id/cpu-modes (hosts.controller.ts).
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { cpu } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { QueryDoc } from '../http/openapi.js';

export const InstructionsQuery = z.strictObject({ arch: z.enum(['x86', 'powerpc']).optional() });

@ApiTags('cpu')
@Controller('cpu')
export class CpuController {
  @Get('instructions')
  @QueryDoc(InstructionsQuery)
  instructions(@Query(zodPipe(InstructionsQuery, 'query')) q: z.infer<typeof InstructionsQuery>) {
    const arches = q.arch ? [q.arch] : (['x86', 'powerpc'] as const);
    return { items: arches.map((a) => cpu.instructionCatalogueView(a)) };
  }
}
