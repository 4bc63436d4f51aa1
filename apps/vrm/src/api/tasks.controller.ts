import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { inventory } from '@virtsim/domain';
import { zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { QueryDoc } from '../http/openapi.js';
import { Tasks } from '../tasks.js';
import { ListQuery, page } from './resources.js';

const TaskQuery = z.strictObject({ wait: z.enum(['true', 'false']).optional() });

@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: Tasks) {}

  @Get()
  @QueryDoc(ListQuery)
  list(@Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const p = page(this.tasks.list().filter((t) => !q.state || t.state === q.state), q);
    return { items: p.items.map(inventory.toTaskResource), nextCursor: p.nextCursor };
  }

  @Get(':id')
  @QueryDoc(TaskQuery)
  get(@Param('id') id: string, @Query(zodPipe(TaskQuery, 'query')) q: z.infer<typeof TaskQuery>) {
    return q.wait === 'true' ? this.tasks.waitFor(id) : this.tasks.waitFor(id, 0);
  }
}
