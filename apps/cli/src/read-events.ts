// Reads the global event log in order, page by page (GET /events?after=&limit=).
import type { ApiClient, Page } from './http.js';

export interface LogEvent {
  position: number;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown> & { simTime?: number };
  recordedAt: string;
}

export async function* readEvents(
  client: ApiClient,
  opts: { after?: number; type?: string; stream?: string; pageSize?: number; max?: number } = {},
): AsyncGenerator<LogEvent[]> {
  let after = opts.after;
  let seen = 0;
  for (;;) {
    const limit = opts.max !== undefined ? Math.min(opts.pageSize ?? 1000, opts.max - seen) : (opts.pageSize ?? 1000);
    if (limit <= 0) return;
    const page = await client.get<Page<LogEvent>>('/events', { after, limit, type: opts.type, stream: opts.stream });
    const items = (page?.items ?? []).filter((e) => after === undefined || e.position > after);
    if (items.length === 0) return;
    seen += items.length;
    yield items;
    after = items[items.length - 1]!.position;
    if (page.nextCursor === null || page.nextCursor === undefined || page.nextCursor === '') return;
  }
}
