import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Active/standby vrm: the leader's epoch. A new leader bumps it; virtsim_append refuses an append that
 *  carries an older epoch (SQLSTATE VS410), so a deposed leader that still runs cannot write. */
export class LeaderEpoch1700000000003 implements MigrationInterface {
  name = 'LeaderEpoch1700000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE virtsim_leader (
        id int PRIMARY KEY CHECK (id = 1),
        epoch bigint NOT NULL,
        holder text,
        url text,
        acquired_at timestamptz
      )`);
    await q.query(`INSERT INTO virtsim_leader (id, epoch) VALUES (1, 0)`);
    await q.query(`GRANT SELECT, UPDATE ON virtsim_leader TO virtsim_service`);
    await q.query(`DROP FUNCTION virtsim_append(text[], int[], int[], uuid[], text[], int[], jsonb[], jsonb[])`);
    await q.query(`
      CREATE FUNCTION virtsim_append(
        p_streams text[], p_expected int[], p_stream_idx int[], p_ids uuid[], p_types text[],
        p_schema_versions int[], p_data jsonb[], p_meta jsonb[], p_epoch bigint)
      RETURNS TABLE (out_position bigint, out_stream_id text, out_stream_version int, out_recorded_at timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        i int;
        cur int;
        current_epoch bigint;
        base int[] := '{}';
      BEGIN
        PERFORM pg_advisory_xact_lock(727001);
        IF p_epoch IS NOT NULL THEN
          SELECT epoch INTO current_epoch FROM virtsim_leader WHERE id = 1;
          IF p_epoch <> current_epoch THEN
            RAISE EXCEPTION 'virtsim: append from leader epoch % refused, the current epoch is %', p_epoch, current_epoch
              USING ERRCODE = 'VS410', DETAIL = json_build_object('epoch', p_epoch, 'current', current_epoch)::text;
          END IF;
        END IF;
        FOR i IN 1 .. array_length(p_streams, 1) LOOP
          SELECT coalesce(max(e.stream_version), 0) INTO cur FROM events e WHERE e.stream_id = p_streams[i];
          IF p_expected[i] >= 0 AND p_expected[i] <> cur THEN
            RAISE EXCEPTION 'virtsim concurrency: stream % is at version %, expected %', p_streams[i], cur, p_expected[i]
              USING ERRCODE = 'VS409', DETAIL = json_build_object('streamId', p_streams[i], 'expected', p_expected[i], 'actual', cur)::text;
          END IF;
          base := base || cur;
        END LOOP;
        RETURN QUERY
          INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
          SELECT p_streams[r.si], base[r.si] + (row_number() OVER (PARTITION BY r.si ORDER BY r.ord))::int,
                 r.id, r.t, r.sv, r.d, r.m
          FROM unnest(p_stream_idx, p_ids, p_types, p_schema_versions, p_data, p_meta) WITH ORDINALITY AS r(si, id, t, sv, d, m, ord)
          ORDER BY r.ord
          RETURNING position, stream_id, stream_version, recorded_at;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION virtsim_append(text[], int[], int[], uuid[], text[], int[], jsonb[], jsonb[], bigint)`);
    await q.query(`DROP TABLE virtsim_leader`);
  }
}
