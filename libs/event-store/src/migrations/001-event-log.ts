import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The event log: append-only, global position, per-stream version, idempotent event ids. */
export class EventLog1700000000001 implements MigrationInterface {
  name = 'EventLog1700000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id text NOT NULL,
        stream_version integer NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL DEFAULT 1,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_uq UNIQUE (stream_id, stream_version),
        CONSTRAINT events_event_id_uq UNIQUE (event_id)
      )`);
    await q.query(`CREATE INDEX events_type_idx ON events (type, position)`);
    // VM history and audit by host read by these keys
    await q.query(`CREATE INDEX events_vm_idx ON events ((data->>'vmId'), position)`);
    await q.query(`CREATE INDEX events_host_idx ON events ((data->>'hostId'), position)`);
    await q.query(`
      CREATE FUNCTION virtsim_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION virtsim_events_append_only()`);
    await q.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION virtsim_events_append_only()`);
    await q.query(`
      CREATE TABLE snapshots (
        consumer text PRIMARY KEY,
        position bigint NOT NULL,
        state jsonb NOT NULL,
        hash text NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE checkpoints (
        consumer text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The services' role may read and append, never rewrite history. Roles are cluster-wide:
    // parallel test databases may race to create it, hence the exception guard.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'virtsim_service') THEN
          CREATE ROLE virtsim_service LOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`GRANT SELECT, INSERT ON events TO virtsim_service`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON snapshots, checkpoints TO virtsim_service`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkpoints`);
    await q.query(`DROP TABLE snapshots`);
    await q.query(`DROP TRIGGER events_no_truncate ON events`);
    await q.query(`DROP TRIGGER events_no_update_delete ON events`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP FUNCTION virtsim_events_append_only()`);
  }
}
