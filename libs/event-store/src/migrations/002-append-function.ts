import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Append in one round trip (as Marten's mt_append_event and Message DB's write_message do): take the
 *  append lock, check every stream's expected version, insert, return the positions. One statement, so
 *  autocommit makes it one transaction. A version mismatch raises SQLSTATE VS409 with the versions. */
export class AppendFunction1700000000002 implements MigrationInterface {
  name = 'AppendFunction1700000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION virtsim_append(
        p_streams text[], p_expected int[], p_stream_idx int[], p_ids uuid[], p_types text[],
        p_schema_versions int[], p_data jsonb[], p_meta jsonb[])
      RETURNS TABLE (out_position bigint, out_stream_id text, out_stream_version int, out_recorded_at timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        i int;
        cur int;
        base int[] := '{}';
      BEGIN
        PERFORM pg_advisory_xact_lock(727001);
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
    await q.query(`DROP FUNCTION virtsim_append`);
  }
}
