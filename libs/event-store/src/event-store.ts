// The one event-store API: append (optimistic concurrency, idempotent event ids), read a stream,
// read all in global order, subscribe, snapshots. PostgreSQL is the truth; notifications only ring a bell.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { ConcurrencyError, VirtsimError, type EventMetadata, type RecordedEvent } from '@virtsim/contracts';
import { DEFAULT_SNAPSHOT_RETENTION, planRetention, type SnapshotRetention } from './snapshot-retention.js';
import { UpcasterChain } from './upcasters.js';

export interface NewEvent {
  type: string;
  data: unknown;
  /** supply a deterministic id to make a retried command idempotent */
  eventId?: string;
  metadata?: EventMetadata;
}

export interface StoredSnapshot<S> {
  position: number;
  state: S;
  /** the hash of the state's canonical form, as the saver computed it */
  hash: string;
}

export type ExpectedVersion = number | 'any';

export interface AppendBatch {
  streamId: string;
  /** 0 = the stream must not exist yet */
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

export interface AppendResult {
  positions: number[];
  /** stream id -> version after the append */
  versions: Record<string, number>;
  lastPosition: number;
}

export interface ReadFilter {
  types?: string[];
  streamId?: string;
  streamPrefix?: string;
  /** events about a VM: its own stream, or any event whose data names it (data.vmId) */
  vmId?: string;
  /** events whose data names this host (data.hostId, fromHostId, toHostId) */
  hostId?: string;
}

/** Anything that must hear about commits: the NATS doorbell, metrics. Called after COMMIT. */
export interface AppendListener {
  /** `asJson` gives each event as JSON text, computed once for all listeners: a listener that keeps the events
   *  parses its own copy from it (as a read from the log would give: plain JSON data) */
  (events: RecordedEvent[], asJson: () => string[]): void;
}

// One advisory lock (taken inside virtsim_append, migration 002) serializes appends until they commit, so
// position order is commit order: a reader that has seen position N has seen every event below N. That is the
// "equivalent" of the pg_snapshot_xmin filter ARCHITECTURE.md allows, and it is local to this database: the xmin
// filter this store used before hid this log's newest events while any write transaction anywhere in the
// PostgreSQL cluster was open (another installation's snapshot save, a bulk import), which a read right after a
// task (GET /vms/:id/history) could miss. Every writer in virtsim goes through virtsim_append; the 8 writers x
// 2,000 events test proves no reader skips an event.

const SELECT_COLUMNS = `position, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at`;

interface Row {
  position: string | number;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date | string;
}

export class EventStore {
  private readonly bell = new EventEmitter();
  private readonly listeners: AppendListener[] = [];

  constructor(readonly dataSource: DataSource, readonly upcasters = new UpcasterChain(), readonly snapshotRetention: SnapshotRetention = DEFAULT_SNAPSHOT_RETENTION) {
    if (!(snapshotRetention.every >= 1 && snapshotRetention.max >= 1)) throw new Error('snapshot retention: every and max must be at least 1');
    this.bell.setMaxListeners(0);
  }

  onAppended(listener: AppendListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** ring the local bell (a remote notification arrived); subscriptions re-read the log */
  ring(position = 0): void {
    this.bell.emit('ring', position);
  }

  onRing(cb: (position: number) => void): () => void {
    this.bell.on('ring', cb);
    return () => this.bell.off('ring', cb);
  }

  /** this process's appends sent and not answered yet: a subscription that sees a gap before this process's
   *  own commits waits for them briefly rather than reading the log (see Subscription) */
  get appendsInFlight(): number { return this.inFlight; }
  private inFlight = 0;

  async append(batches: AppendBatch | AppendBatch[], metadata: EventMetadata = {}): Promise<AppendResult> {
    this.inFlight++;
    try {
      return await this.appendNow(batches, metadata);
    } finally {
      this.inFlight--;
    }
  }

  private async appendNow(batches: AppendBatch | AppendBatch[], metadata: EventMetadata): Promise<AppendResult> {
    const list = (Array.isArray(batches) ? batches : [batches]).filter((b) => b.events.length > 0);
    if (list.length === 0) return { positions: [], versions: {}, lastPosition: 0 };
    const streams = [...new Set(list.map((b) => b.streamId))];
    const expected = streams.map((id) => expectedOf(list, id));
    const rows = this.toRows(list, metadata);
    try {
      const inserted: { out_position: string; out_stream_id: string; out_stream_version: number; out_recorded_at: Date }[] = await this.dataSource.query(
        `SELECT * FROM virtsim_append($1::text[], $2::int[], $3::int[], $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::bigint)`,
        [streams, expected, rows.map((r) => streams.indexOf(r.streamId) + 1), rows.map((r) => r.eventId), rows.map((r) => r.type),
          rows.map((r) => r.schemaVersion), rows.map((r) => JSON.stringify(r.data)), rows.map((r) => JSON.stringify(r.metadata)),
          metadata.epoch ?? null],
      );
      inserted.forEach((r, i) => { rows[i].streamVersion = r.out_stream_version; });
      const positions = inserted.map((r) => Number(r.out_position));
      this.announce(rows, inserted.map((r) => ({ position: r.out_position, recorded_at: r.out_recorded_at })));
      return { positions, versions: finalVersions(rows), lastPosition: positions[positions.length - 1] };
    } catch (err) {
      const conflict = concurrencyError(err);
      const deposed = deposedError(err);
      if (deposed) throw deposed;
      if (isUniqueViolation(err, 'events_event_id_uq')) return this.alreadyAppended(rows);
      // a retried command with explicit ids meets its own earlier append as a version conflict
      if (conflict && rows.some((r) => r.explicitId)) return this.alreadyAppended(rows, conflict);
      if (conflict) throw conflict;
      if (isUniqueViolation(err, 'events_stream_version_uq')) throw new ConcurrencyError(list[0].streamId, Number(list[0].expectedVersion), -1);
      throw err;
    }
  }

  async readStream(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      [streamId, fromVersion],
    );
    return rows.map((r) => this.toRecorded(r));
  }

  /** events after `afterPosition` in global order; never returns an event past one not yet visible */
  async readAll(afterPosition: number, limit = 1000, filter: ReadFilter = {}): Promise<RecordedEvent[]> {
    const where = [`position > $1`];
    const params: unknown[] = [afterPosition, limit];
    if (filter.types?.length) where.push(`type = ANY($${params.push(filter.types)})`);
    if (filter.streamId) where.push(`stream_id = $${params.push(filter.streamId)}`);
    if (filter.streamPrefix) where.push(`stream_id LIKE $${params.push(escapeLike(filter.streamPrefix) + '%')}`);
    if (filter.vmId) {
      const p = params.push(filter.vmId);
      where.push(`(data->>'vmId' = $${p} OR stream_id = 'vm-' || $${p})`);
    }
    if (filter.hostId) {
      const p = params.push(filter.hostId);
      where.push(`(data->>'hostId' = $${p} OR data->>'fromHostId' = $${p} OR data->>'toHostId' = $${p})`);
    }
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT $2`,
      params,
    );
    return rows.map((r) => this.toRecorded(r));
  }

  async headPosition(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT coalesce(max(position), 0) AS p FROM events`);
    return Number(row.p);
  }

  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT coalesce(max(stream_version), 0) AS v FROM events WHERE stream_id = $1`, [streamId]);
    return Number(row.v);
  }

  /** store a consumer's snapshot; older ones are kept or dropped by the retention rule (snapshot-retention.ts) */
  async saveSnapshot(consumer: string, position: number, state: unknown, hash: string): Promise<void> {
    await this.saveSnapshotJson(consumer, position, JSON.stringify(state), hash);
  }

  /** saveSnapshot for a state the caller has serialized already (it must, when the state goes on changing) */
  async saveSnapshotJson(consumer: string, position: number, json: string, hash: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      // one saver per consumer at a time (an active and a standby vrm may both save): the plan reads, then writes
      await tx.query(`SELECT pg_advisory_xact_lock(727002, hashtext($1))`, [consumer]);
      const stored: { position: string }[] = await tx.query(`SELECT position FROM snapshots WHERE consumer = $1 AND checkpoint ORDER BY position`, [consumer]);
      const plan = planRetention(stored.map((r) => Number(r.position)), position, this.snapshotRetention);
      await tx.query(
        `INSERT INTO snapshots (consumer, position, state, hash, checkpoint) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (consumer, position) DO UPDATE SET state = EXCLUDED.state, hash = EXCLUDED.hash, saved_at = now(),
           checkpoint = snapshots.checkpoint OR EXCLUDED.checkpoint`,
        [consumer, position, json, hash, plan.checkpoint],
      );
      // older latest snapshots, and the checkpoints the rule thinned out; a newer one (another saver's) stays
      await tx.query(
        `DELETE FROM snapshots WHERE consumer = $1 AND ((NOT checkpoint AND position < $2) OR position = ANY($3::bigint[]))`,
        [consumer, position, plan.drop],
      );
    });
  }

  /** the consumer's latest snapshot */
  async loadSnapshot<S>(consumer: string): Promise<StoredSnapshot<S> | null> {
    return this.loadSnapshotAtOrBefore<S>(consumer, Number.MAX_SAFE_INTEGER);
  }

  /** the consumer's newest kept snapshot at or before `position` (a checkpoint, or the latest) */
  async loadSnapshotAtOrBefore<S>(consumer: string, position: number): Promise<StoredSnapshot<S> | null> {
    const [row] = await this.dataSource.query(
      `SELECT position, state, hash FROM snapshots WHERE consumer = $1 AND position <= $2 ORDER BY position DESC LIMIT 1`,
      [consumer, position],
    );
    return row ? { position: Number(row.position), state: row.state as S, hash: row.hash } : null;
  }

  /** positions of the consumer's kept snapshots, oldest first, and which are checkpoints */
  async snapshotPositions(consumer: string): Promise<{ position: number; checkpoint: boolean }[]> {
    const rows: { position: string; checkpoint: boolean }[] = await this.dataSource.query(
      `SELECT position, checkpoint FROM snapshots WHERE consumer = $1 ORDER BY position`, [consumer]);
    return rows.map((r) => ({ position: Number(r.position), checkpoint: r.checkpoint }));
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private toRows(list: AppendBatch[], metadata: EventMetadata) {
    return list.flatMap((b) => b.events.map((e) => ({
      streamId: b.streamId,
      streamVersion: 0,
      eventId: e.eventId ?? randomUUID(),
      explicitId: e.eventId !== undefined,
      type: e.type,
      schemaVersion: this.upcasters.versionOf(e.type),
      data: e.data,
      metadata: { ...metadata, ...e.metadata },
    })));
  }

  private async alreadyAppended(rows: { eventId: string; streamId: string }[], original?: Error): Promise<AppendResult> {
    const found: { event_id: string; position: string; stream_id: string; stream_version: number }[] = await this.dataSource.query(
      `SELECT event_id, position, stream_id, stream_version FROM events WHERE event_id = ANY($1) ORDER BY position`,
      [rows.map((r) => r.eventId)]);
    if (found.length !== rows.length) {
      if (original) throw original;
      throw new VirtsimError('conflict', 'some of these event ids are already stored, others are not', { rule: 'idempotency' });
    }
    const versions: Record<string, number> = {};
    for (const f of found) versions[f.stream_id] = Math.max(versions[f.stream_id] ?? 0, f.stream_version);
    const positions = found.map((f) => Number(f.position));
    return { positions, versions, lastPosition: positions[positions.length - 1] };
  }

  private announce(rows: ReturnType<EventStore['toRows']>, inserted: { position: string; recorded_at: Date }[]): void {
    const events: RecordedEvent[] = rows.map((r, i) => ({
      position: Number(inserted[i].position), streamId: r.streamId, streamVersion: r.streamVersion, eventId: r.eventId,
      type: r.type, schemaVersion: r.schemaVersion, data: r.data, metadata: r.metadata,
      recordedAt: new Date(inserted[i].recorded_at).toISOString(),
    }));
    this.bell.emit('ring', events[events.length - 1].position);
    let json: string[] | null = null;
    const asJson = () => (json ??= events.map((e) => JSON.stringify(e)));
    for (const l of this.listeners) {
      try { l(events, asJson); } catch { /* a listener never fails an append that is already committed */ }
    }
  }

  private toRecorded(r: Row): RecordedEvent {
    const { version, data } = this.upcasters.upcast(r.type, r.schema_version, r.data);
    return {
      position: Number(r.position), streamId: r.stream_id, streamVersion: r.stream_version, eventId: r.event_id,
      type: r.type, schemaVersion: version, data, metadata: r.metadata,
      recordedAt: new Date(r.recorded_at).toISOString(),
    };
  }
}

/** one expected version per stream: a stream named twice must agree with itself */
function expectedOf(list: AppendBatch[], streamId: string): number {
  const first = list.find((b) => b.streamId === streamId)!;
  return first.expectedVersion === 'any' ? -1 : first.expectedVersion;
}

/** an append stamped with an epoch older than the current leader's: this writer was deposed */
function deposedError(err: unknown): VirtsimError | null {
  const e = err as { code?: string; detail?: string; driverError?: { code?: string; detail?: string } };
  const d = e.driverError ?? e;
  if (d.code !== 'VS410' || !d.detail) return null;
  const { epoch, current } = JSON.parse(d.detail) as { epoch: number; current: number };
  return new VirtsimError('unavailable', `this vrm was deposed (epoch ${epoch}, the leader's is ${current}); nothing was written`, { rule: 'leader.epoch', epoch, current });
}

function concurrencyError(err: unknown): ConcurrencyError | null {
  const e = err as { code?: string; detail?: string; driverError?: { code?: string; detail?: string } };
  const d = e.driverError ?? e;
  if (d.code !== 'VS409' || !d.detail) return null;
  const { streamId, expected, actual } = JSON.parse(d.detail) as { streamId: string; expected: number; actual: number };
  return new ConcurrencyError(streamId, expected, actual);
}

function finalVersions(rows: { streamId: string; streamVersion: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.streamId] = r.streamVersion;
  return out;
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const d = e.driverError ?? e;
  return d.code === '23505' && d.constraint === constraint;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);
