// `npm run bench`: every benchmark, then one table with the machine's raw PostgreSQL and NATS figures
// beside ours. BENCH_ONLY=append,replay,... picks groups; BENCH_EVENTS sets the replay size.
import { benchAppend, benchReplay, benchRequestReply } from './foundation.bench.js';
import { printTable } from './harness.js';

const groups: Record<string, () => Promise<void>> = {
  append: benchAppend,
  replay: () => benchReplay(Number(process.env.BENCH_EVENTS ?? 1_000_000)),
  'request-reply': () => benchRequestReply(),
};

const only = process.env.BENCH_ONLY?.split(',');
for (const [name, run] of Object.entries(groups)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`${name}...\n`);
  await run();
}
printTable();
process.exit(0);
