// POST /api/v1/whatif (B5): fork the system as of a position into a throwaway installation, apply changes, run
// the same steps for some simulated time, compare with the baseline. `?wait=true` answers with the table;
// otherwise 202 with a job to poll at GET /api/v1/whatif/:id. The real log and state are not touched.
import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';
import { WhatIfRequest } from '../whatif/schema.js';
import { WhatIf } from '../whatif/whatif.service.js';

const WaitQuery = z.strictObject({ wait: z.enum(['true', 'false']).default('false') });

@ApiTags('simulation')
@Controller('whatif')
export class WhatIfController {
  constructor(private readonly whatif: WhatIf) {}

  @Post()
  @HttpCode(202)
  @Roles('admin', 'operator')
  @BodyDoc(WhatIfRequest)
  @QueryDoc(WaitQuery)
  async run(
    @Body(zodPipe(WhatIfRequest)) body: WhatIfRequest,
    @Query(zodPipe(WaitQuery, 'query')) q: z.infer<typeof WaitQuery>,
    @Res({ passthrough: true }) res: { status(code: number): unknown },
  ) {
    const { job, done } = await this.whatif.submit(body);
    if (q.wait === 'true') {
      await done;
      res.status(200);
    }
    return job;
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.whatif.job(id);
  }
}
