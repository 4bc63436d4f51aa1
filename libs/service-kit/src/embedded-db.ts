// Embedded PostgreSQL: PGlite (PostgreSQL in wasm) in a data folder, served on a local socket so the
// same pg/TypeORM code path runs unchanged. One backend: the pool is one connection, so transactions
// never interleave and commit order is position order.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDb { url: string; stop(): Promise<void> }

export async function startEmbeddedDb(dataDir: string): Promise<EmbeddedDb> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => { await server.stop(); await db.close(); },
  };
}
