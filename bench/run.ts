// `npm run bench`: every benchmark, then one table with the machine's raw PostgreSQL and NATS figures
// beside ours. BENCH_ONLY=append,replay,... picks groups; BENCH_EVENTS sets the replay size. See bench/README.md.
import { benchAppend, benchReplay, benchRequestReply } from './foundation.bench.js';
import { benchClusters } from './clusters.bench.js';
import { benchFaults } from './faults.bench.js';
import { benchHa } from './ha.bench.js';
import { benchIo } from './io.bench.js';
import { benchMemory } from './memory.bench.js';
import { benchMigration } from './migration.bench.js';
import { benchScheduler } from './scheduler.bench.js';
import { benchStateHash } from './state-hash.bench.js';
import { benchVrm } from './vrm.bench.js';
import { benchWhatIf } from './whatif.bench.js';
import { printTable } from './harness.js';

const groups: Record<string, () => Promise<void>> = {
  append: benchAppend,
  replay: () => benchReplay(Number(process.env.BENCH_EVENTS ?? 1_000_000)),
  'request-reply': () => benchRequestReply(),
  scheduler: benchScheduler,
  memory: benchMemory,
  io: benchIo,
  ha: benchHa,
  migration: benchMigration,
  vrm: benchVrm,
  'state-hash': () => benchStateHash(),
  faults: benchFaults,
  whatif: benchWhatIf,
  // opt-in (about 10 min): not in the default run
  clusters: benchClusters,
};
const OPT_IN = new Set(['clusters']);

const only = process.env.BENCH_ONLY?.split(',');
for (const [name, run] of Object.entries(groups)) {
  if (only ? !only.includes(name) : OPT_IN.has(name)) continue;
  process.stderr.write(`${name}...\n`);
  await run();
}
printTable();
process.exit(0);
