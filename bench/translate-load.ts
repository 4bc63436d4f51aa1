// The translation load client, run in a worker thread (see memory.bench.ts for why): `workers` loops over
// keep-alive connections (fetch keeps them alive), each on its own VM, for `seconds`. GET sends one address
// per request (?gva=), POST a list of `batch` addresses ({ gvas }). Posts back what it measured.
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadSpec {
  /** base URL of the translate resource of a VM: `${base}/${vmId}/memory/translate` (a raw server takes the same) */
  base: string;
  vms: string[];
  method: 'GET' | 'POST';
  /** addresses per POST */
  batch: number;
  workers: number;
  seconds: number;
  token: string;
}
export interface LoadResult { translations: number; requests: number; errors: number; ms: number; latencies: number[] }

/** the same spread of 4 KiB pages for every run: mostly TLB misses, so most answers are full 24-step walks */
const gvaOf = (w: number, i: number): string => `0x${(0x400000 + ((i * 7919 + w * 104729) % 900_000) * 4096).toString(16)}`;

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let translations = 0;
  let errors = 0;
  const deadline = performance.now() + spec.seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: spec.workers }, async (_, w) => {
    const url = `${spec.base}/${spec.vms[w % spec.vms.length]}/memory/translate`;
    for (let i = 0; performance.now() < deadline; i += spec.method === 'GET' ? 1 : spec.batch) {
      const t = performance.now();
      const res = spec.method === 'GET'
        ? await fetch(`${url}?gva=${gvaOf(w, i)}`, { headers: { authorization: `Bearer ${spec.token}` } })
        : await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ gvas: Array.from({ length: spec.batch }, (_, k) => gvaOf(w, i + k)) }),
        });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status === 200) translations += spec.method === 'GET' ? 1 : spec.batch;
      else errors++;
    }
  }));
  return { translations, requests: latencies.length, errors, ms: performance.now() - t0, latencies };
}

if (parentPort && workerData?.translateLoad) parentPort.postMessage(await runLoad(workerData.translateLoad as LoadSpec));
