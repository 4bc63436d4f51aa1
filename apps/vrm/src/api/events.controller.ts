// The log itself: GET /events in global order with filters, GET /events/stream (SSE, live),
// POST /events:import (admin) to rebuild an installation from an exported log.
import { Body, Controller, Get, HttpCode, Post, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { conflict, type RecordedEvent } from '@virtsim/contracts';
import { Subscription } from '@virtsim/event-store';
import { parse, ServiceContext, zodPipe } from '@virtsim/service-kit';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';

const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(100),
  type: csv.optional(),
  stream: z.string().min(1).optional(),
});

const ImportedEvent = z.strictObject({
  position: z.number().int().min(1).optional(),
  streamId: z.string().min(1),
  streamVersion: z.number().int().min(1),
  eventId: z.string().uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().min(1).optional(),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  recordedAt: z.string().optional(),
});
export const ImportBody = z.strictObject({ events: z.array(ImportedEvent).min(1).max(5000) });

@ApiTags('events')
@Controller()
export class EventsController {
  constructor(private readonly ctx: ServiceContext) {}

  @Get('events')
  @QueryDoc(EventsQuery)
  async list(@Query(zodPipe(EventsQuery, 'query')) q: z.infer<typeof EventsQuery>) {
    const after = q.cursor ?? q.after ?? 0;
    const items = await this.ctx.store.readAll(after, q.limit, { types: q.type, streamId: q.stream });
    return { items, nextCursor: items.length === q.limit ? String(items[items.length - 1].position) : null };
  }

  @Sse('events/stream')
  stream(@Query('after') after?: string): Observable<MessageEvent> {
    const from = after === undefined ? null : parse(z.coerce.number().int().min(0), after, 'after');
    return new Observable<MessageEvent>((subscriber) => {
      let sub: Subscription | null = null;
      void (async () => {
        const start = from ?? (await this.ctx.store.headPosition());
        sub = new Subscription(this.ctx.store, {
          from: start, pollMs: 1000,
          onEvents: (events: RecordedEvent[]) => { for (const e of events) subscriber.next({ data: e, id: String(e.position), type: e.type }); },
        });
      })();
      return () => { void sub?.stop(); };
    });
  }

  /** rebuilds history into an empty installation, or continues one from its last position; ids are kept,
   *  so importing the same file twice stores nothing twice */
  @Post(['events\\:import', 'events/import'])
  @HttpCode(200)
  @Roles('admin')
  @BodyDoc(ImportBody)
  async import(@Body(zodPipe(ImportBody)) body: z.infer<typeof ImportBody>) {
    const head = await this.ctx.store.headPosition();
    const first = body.events[0];
    if (first.position !== undefined && first.position <= head) {
      const [existing] = await this.ctx.store.readAll(first.position - 1, 1);
      if (!existing || existing.eventId !== first.eventId) {
        throw conflict('events.import', `the log already holds position ${head}; import into an empty installation or continue after it`, { head });
      }
    }
    let appended = 0;
    for (const group of groupByStreamRuns(body.events)) {
      const r = await this.ctx.store.append({
        streamId: group[0].streamId,
        expectedVersion: group[0].streamVersion - 1,
        events: group.map((e) => ({ type: e.type, data: e.data, eventId: e.eventId, metadata: e.metadata })),
      });
      appended += r.positions.length;
    }
    return { received: body.events.length, head: await this.ctx.store.headPosition(), appended };
  }
}

/** consecutive events of the same stream go in one append: same order, same versions */
function groupByStreamRuns<T extends { streamId: string }>(events: T[]): T[][] {
  const runs: T[][] = [];
  for (const e of events) {
    const last = runs[runs.length - 1];
    if (last && last[0].streamId === e.streamId) last.push(e);
    else runs.push([e]);
  }
  return runs;
}
