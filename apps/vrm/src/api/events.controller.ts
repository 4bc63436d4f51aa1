// The log itself: GET /events in global order with filters, GET /events/stream (SSE, live),
// POST /events:import (admin) to rebuild an installation from an exported log.
import { Body, Controller, Get, HttpCode, Post, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_TYPES, isPrototypeKey, type RecordedEvent } from '@virtsim/contracts';
import { Subscription } from '@virtsim/event-store';
import { parse, ServiceContext, zodPipe } from '@virtsim/service-kit';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';
import { importPlan } from './event-import.js';
import { LogPosition } from './resources.js';

const csv = z.string().max(4096).transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
export const EventsQuery = z.strictObject({
  after: LogPosition.optional(),
  cursor: LogPosition.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(100),
  type: csv.optional(),
  stream: z.string().min(1).max(200).optional(),
});

/** data fields that name an object: an importer must not slip a "constructor" into a projection's records */
const ID_FIELD = /[a-z](Id|Ids)$|^(vms|hosts)$/;
const EventData = z.record(z.string(), z.unknown()).superRefine((data, ctx) => {
  for (const [k, v] of Object.entries(data)) {
    if (!ID_FIELD.test(k)) continue;
    (Array.isArray(v) ? v : [v]).forEach((id, i) => {
      if (typeof id === 'string' && isPrototypeKey(id)) ctx.addIssue({ code: 'custom', path: Array.isArray(v) ? [k, i] : [k], message: 'not an id' });
    });
  }
});
const ImportedEvent = z.strictObject({
  position: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  streamId: z.string().min(1).max(200),
  streamVersion: z.number().int().min(1).max(2 ** 31 - 1),
  eventId: z.uuid(),
  type: z.string().min(1).max(100).refine((t) => EVENT_TYPES.has(t), 'not an event type of this version'),
  schemaVersion: z.number().int().min(1).max(1000).optional(),
  data: EventData,
  metadata: z.record(z.string(), z.unknown()).default({}),
  recordedAt: z.string().max(64).optional(),
});
export type ImportedEvent = z.infer<typeof ImportedEvent>;
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
  stream(@Query('after') after?: unknown): Observable<MessageEvent> {
    const from = after === undefined ? null : parse(LogPosition, after, 'after');
    return new Observable<MessageEvent>((subscriber) => {
      // the client may go away while the head is still being read: then no reader is started at all
      let closed = false;
      let sub: Subscription | null = null;
      const start = async () => {
        const position = from ?? (await this.ctx.store.headPosition());
        if (closed) return;
        sub = new Subscription(this.ctx.store, {
          from: position, pollMs: 1000,
          onEvents: (events: RecordedEvent[]) => { for (const e of events) subscriber.next({ data: e, id: String(e.position), type: e.type }); },
        });
        streamReaders.add(sub);
      };
      start().catch((err: unknown) => subscriber.error(err));
      return () => {
        closed = true;
        if (sub) { streamReaders.delete(sub); void sub.stop(); }
      };
    });
  }

  /** Rebuilds history into an empty installation, or continues one from its last position. Ids are kept: events
   *  the log already holds are compared with it (an edited or reordered archive is refused, naming the entry) and
   *  not stored twice; the rest is appended in one append, all or nothing. */
  @Post('events\\:import')
  @HttpCode(200)
  @Roles('admin')
  @BodyDoc(ImportBody)
  async import(@Body(zodPipe(ImportBody, 'import')) body: z.infer<typeof ImportBody>) {
    // an archive's events are lifted from the schema version they name (1 when they name none) to this one's
    const events = body.events.map((e) => ({ ...e, data: this.ctx.store.upcasters.upcast(e.type, e.schemaVersion ?? 1, e.data).data }));
    const plan = await importPlan(this.ctx.store, events);
    const r = plan.append.length > 0 ? await this.ctx.store.append(plan.append) : { positions: [] };
    return { received: body.events.length, alreadyPresent: plan.present, appended: r.positions.length, head: await this.ctx.store.headPosition() };
  }
}

/** event-stream log readers open now (a dropped client's reader must stop) */
export const streamReaders = new Set<Subscription>();
