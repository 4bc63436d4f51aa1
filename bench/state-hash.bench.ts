// Issue 9: replay at scale through a booted system. A realistic inventory log (1 cluster, 128 hosts, 8,000 VMs
// created and placed, then power cycles of those VMs until BENCH_HASH_EVENTS events, 1M by default) is written
// straight to a scratch database; a system is booted on it (every service folds the whole log, saving snapshots as
// it goes), then GET /state/hash?at=<middle> (every service rebuilds its state up to that position from its nearest
// kept snapshot), the same at 5 positions spread over the next checkpoint interval (the slowest is reported), and
// GET /verify (every service rebuilds from position 0 and compares with its live state) are timed.
import type { EventOf } from '@virtsim/contracts';
import { ClusterSpec, HostSpec, VmSpec } from '@virtsim/contracts';
import { DEFAULT_SNAPSHOT_RETENTION, type AppendBatch } from '@virtsim/event-store';
import { startSystem } from '../launcher/system.js';
import { apiClient } from '../launcher/test-api.js';
import { NATS, record, scratchStore, time } from './harness.js';

const HOSTS = 128;
const VMS = 8000;
const TARGET_S = 10;

/** the log in appendable batches: stream ids as the vrm writes them, lawful state transitions */
function* inventoryLog(total: number): Generator<AppendBatch[]> {
  let n = 0;
  const versions = new Map<string, number>();
  let pending: AppendBatch[] = [];
  let size = 0;
  const add = (streamId: string, e: EventOf) => {
    const v = versions.get(streamId) ?? 0;
    versions.set(streamId, v + 1);
    const last = pending[pending.length - 1];
    if (last && last.streamId === streamId) last.events.push({ type: e.type, data: e.data });
    else pending.push({ streamId, expectedVersion: v, events: [{ type: e.type, data: e.data }] });
    size++;
    n++;
  };
  const flush = () => { const out = pending; pending = []; size = 0; return out; };
  const hostId = (h: number) => `host-${h + 1}`;
  const vmId = (i: number) => `vm-${i + 1}`;
  add('cluster-c-1', { type: 'ClusterCreated', data: { clusterId: 'c-1', spec: ClusterSpec.parse({ name: 'replay', cpuOvercommitRatio: 4 }) } });
  for (let h = 0; h < HOSTS; h++) {
    add('cluster-c-1', { type: 'HostAdded', data: { hostId: hostId(h), clusterId: 'c-1', spec: HostSpec.parse({
      name: `esx${h}`, memoryMiB: 524288, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
      cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
    }) } });
  }
  for (let i = 0; i < VMS; i++) {
    const id = vmId(i);
    const h = hostId(i % HOSTS);
    const memoryMiB = [1024, 2048, 4096, 8192][i % 4]!;
    add(`vm-${id}`, { type: 'VmCreationRequested', data: { vmId: id, spec: VmSpec.parse({ name: `vm${i}`, clusterId: 'c-1', vcpus: 1 + (i % 4), memoryMiB, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' } }) } });
    add('placement-c-1', { type: 'VmPlaced', data: { vmId: id, clusterId: 'c-1', hostId: h, numa: { nodes: [i % 2], vcpusPerNode: [1 + (i % 4)], memoryMiBPerNode: [memoryMiB] }, brokenShouldRules: [], reason: 'replay bench' } });
    add(`vm-${id}`, { type: 'VmCreated', data: { vmId: id, clusterId: 'c-1', hostId: h } });
    add(`vm-${id}`, { type: 'VmStateChanged', data: { vmId: id, clusterId: 'c-1', hostId: h, from: 'creating', to: 'stopped', reason: 'created' } });
    if (size >= 5000) yield flush();
  }
  const cycle = [['stopped', 'starting'], ['starting', 'running'], ['running', 'stopping'], ['stopping', 'stopped']] as const;
  for (let k = 0; n < total; k++) {
    const i = k % VMS;
    const step = cycle[Math.floor(k / VMS) % cycle.length]!;
    add(`vm-${vmId(i)}`, { type: 'VmStateChanged', data: { vmId: vmId(i), clusterId: 'c-1', hostId: hostId(i % HOSTS), from: step[0], to: step[1], reason: 'power cycle' } });
    if (size >= 5000) yield flush();
  }
  if (pending.length) yield flush();
}

/** the middle position may happen to sit on a kept snapshot: also time positions spread over the interval after it
 *  (a rebuild replays from the nearest checkpoint, so one of them lies close to the longest replay) */
async function slowestAcrossAnInterval(api: ReturnType<typeof apiClient>, from: number): Promise<{ at: number; ms: number }> {
  let slowest = { at: from, ms: 0 };
  for (let k = 1; k <= 5; k++) {
    const at = from + Math.floor((DEFAULT_SNAPSHOT_RETENTION.every * k) / 5) - 1;
    const t = await time(() => api.get(`/state/hash?at=${at}`));
    if (t.value.status !== 200) throw new Error(`state/hash: ${t.value.status} ${JSON.stringify(t.value.body).slice(0, 300)}`);
    if (t.ms > slowest.ms) slowest = { at, ms: t.ms };
  }
  return slowest;
}

export async function benchStateHash(total = Number(process.env.BENCH_HASH_EVENTS ?? 1_000_000)): Promise<void> {
  const { url, store } = await scratchStore('virtsim_bench_state_hash');
  const fill = await time(async () => { for (const batches of inventoryLog(total)) await store.append(batches, { simTime: 0, actor: 'bench' }); });
  const head = await store.headPosition();
  await store.close();
  process.stderr.write(`  wrote ${head.toLocaleString('en-US')} inventory events in ${(fill.ms / 1000).toFixed(1)} s\n`);
  const boot = await time(() => startSystem({ DATABASE_URL: url, NATS_URL: NATS, VIRTSIM_SUBJECT_PREFIX: `benchhash${process.pid}`, VIRTSIM_API_TOKENS: 'admin:x', LOG_LEVEL: 'silent' }));
  const sys = boot.value;
  try {
    const api = apiClient(sys.url, 'x');
    const at = Math.floor(head / 2);
    const hash = await time(() => api.get(`/state/hash?at=${at}`));
    if (hash.value.status !== 200) throw new Error(`state/hash: ${hash.value.status} ${JSON.stringify(hash.value.body).slice(0, 300)}`);
    const slowest = await slowestAcrossAnInterval(api, at);
    const verify = await time(() => api.get('/verify'));
    const label = `${(head / 1e6).toFixed(1)}M`;
    record({ group: 'state-hash', name: `boot of the whole system on a ${label}-event log (every service folds it)`, ours: `${(boot.ms / 1000).toFixed(1)} s` });
    record({ group: 'state-hash', name: `GET /state/hash?at=${at.toLocaleString('en-US')} of a ${label}-event log`, ours: `${(hash.ms / 1000).toFixed(1)} s`, target: `<= ${TARGET_S} s`, ok: hash.ms <= TARGET_S * 1000 });
    record({ group: 'state-hash', name: `GET /state/hash, slowest of 5 positions across one checkpoint interval after it (at=${slowest.at.toLocaleString('en-US')})`, ours: `${(slowest.ms / 1000).toFixed(1)} s`, target: `<= ${TARGET_S} s`, ok: slowest.ms <= TARGET_S * 1000 });
    record({ group: 'state-hash', name: `GET /verify over ${label} events (${verify.value.body?.ok ? 'all equal' : 'NOT equal'})`, ours: `${(verify.ms / 1000).toFixed(1)} s` });
  } finally {
    await sys.stop();
  }
}
