// The heap behind deploy/k8s memory limits: the whole system in one process (all six services) over PostgreSQL
// and NATS (DATABASE_URL / NATS_URL, else the local defaults), filled like BENCH_ONLY=vrm (128 hosts,
// MEASURE_VMS VMs, 8,000 by default), then two full GCs and process.memoryUsage().
//   npm run build && node --expose-gc deploy/measure-heap.mjs
import { getHeapStatistics } from 'node:v8';
import { fillCluster } from '../dist/bench/vrm.bench.js';
import { NATS, scratchDatabase } from '../dist/bench/harness.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const vms = Number(process.env.MEASURE_VMS ?? 8000);
const url = await scratchDatabase('virtsim_measure_heap');
const f = await fillCluster({ DATABASE_URL: url, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: `heap${process.pid}` }, vms);
globalThis.gc();
globalThis.gc();
const mib = (n) => Math.round(n / 1048576);
const m = process.memoryUsage();
console.log(JSON.stringify({
  vms: f.succeeded, events: await f.sys.store.headPosition(), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal),
  rssMiB: mib(m.rss), heapLimitMiB: mib(getHeapStatistics().heap_size_limit), fillSeconds: Math.round(f.batchMs / 1000),
}));
await f.sys.stop();
process.exit(0);
