import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Snapshot history for state-at-a-position (issue 9): a consumer may keep several snapshots, its latest plus
 *  retained checkpoints (the retention rule is in EventStore.saveSnapshot), so a rebuild as of a past position
 *  starts from the nearest checkpoint at or before it instead of from position 0.
 *  The state becomes `json` rather than `jsonb`: it is stored and returned as written (jsonb re-orders object
 *  keys, and a restored state should iterate like the one that was saved), and it is cheaper both ways. */
export class SnapshotCheckpoints1700000000004 implements MigrationInterface {
  name = 'SnapshotCheckpoints1700000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE snapshots DROP CONSTRAINT snapshots_pkey`);
    await q.query(`ALTER TABLE snapshots ADD PRIMARY KEY (consumer, position)`);
    await q.query(`ALTER TABLE snapshots ADD COLUMN checkpoint boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE snapshots ALTER COLUMN state TYPE json USING state::json`);
  }

  async down(q: QueryRunner): Promise<void> {
    // back to one snapshot per consumer: its latest
    await q.query(`DELETE FROM snapshots s WHERE EXISTS (SELECT 1 FROM snapshots n WHERE n.consumer = s.consumer AND n.position > s.position)`);
    await q.query(`ALTER TABLE snapshots ALTER COLUMN state TYPE jsonb USING state::jsonb`);
    await q.query(`ALTER TABLE snapshots DROP COLUMN checkpoint`);
    await q.query(`ALTER TABLE snapshots DROP CONSTRAINT snapshots_pkey`);
    await q.query(`ALTER TABLE snapshots ADD PRIMARY KEY (consumer)`);
  }
}
