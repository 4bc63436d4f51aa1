import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Services that scale out by cluster (issue 22): the replicas of a sharded service (virtsim_replicas: the
 *  session, by backend pid, that each one holds its leases on) and a lease per share (virtsim_shard_leases: who
 *  holds it, and an epoch bumped by every take-over). The lease itself is a session advisory lock, as the vrm's
 *  leader lease: it ends with the holder's session. */
export class ShardLeases1700000000005 implements MigrationInterface {
  name = 'ShardLeases1700000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE virtsim_replicas (
        service text NOT NULL,
        replica text NOT NULL,
        pid int NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (service, replica)
      )`);
    await q.query(`
      CREATE TABLE virtsim_shard_leases (
        service text NOT NULL,
        share int NOT NULL,
        epoch bigint NOT NULL,
        holder text NOT NULL,
        acquired_at timestamptz NOT NULL,
        PRIMARY KEY (service, share)
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON virtsim_replicas, virtsim_shard_leases TO virtsim_service`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE virtsim_shard_leases`);
    await q.query(`DROP TABLE virtsim_replicas`);
  }
}
