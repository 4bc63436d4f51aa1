// GET /api/v1/invariants: each invariant (B6) with its sentence, the features it protects, whether it holds,
// since when it is breached and its last evidence; `?at=<position>` answers as of a past position, from the
// InvariantViolated / InvariantRestored events recorded up to it.
import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { invariants } from '@virtsim/domain';
import { ServiceContext, zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { QueryDoc } from '../http/openapi.js';
import { InvariantWatcher } from '../invariants/watcher.js';
import { AtQuery } from './state.controller.js';

const PAGE = 5000;

@ApiTags('replay')
@Controller('invariants')
export class InvariantsController {
  constructor(private readonly ctx: ServiceContext, private readonly watcher: InvariantWatcher) {}

  @Get()
  @QueryDoc(AtQuery)
  async list(@Query(zodPipe(AtQuery, 'query')) q: z.infer<typeof AtQuery>) {
    await this.watcher.settle();
    const live = this.watcher.state.status;
    const status = q.at === undefined || q.at >= live.position ? live : await this.statusAt(q.at);
    const report = invariants.invariantReport(status);
    return { position: q.at ?? live.position, holds: report.every((r) => r.status === 'holds'), invariants: report };
  }

  private async statusAt(at: number): Promise<invariants.InvariantStatus> {
    const status = invariants.emptyStatus();
    for (let after = 0; ;) {
      const page = await this.ctx.store.readAll(after, PAGE, { types: ['InvariantViolated', 'InvariantRestored'] });
      for (const e of page) if (e.position <= at) invariants.evolveStatus(status, e);
      if (page.length < PAGE || page[page.length - 1]!.position >= at) break;
      after = page[page.length - 1]!.position;
    }
    status.position = at;
    return status;
  }
}
