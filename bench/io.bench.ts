// Issue 6: one I/O tick at full cluster size (128 hosts, 8,000 VMs x 3 devices) through the io-backend's own
// tick decision (reconcile + SampleIo) over its own projection, plain node.
import { fullCluster } from '../apps/io-backend/test/scale-fixture.js';
import { cpuMs, recordCompute } from './harness.js';

async function one(pattern: 'constant' | 'diurnal'): Promise<void> {
  const io = fullCluster(pattern);
  // tick 1: 8,000 device discoveries (every VM powered on since the last tick) + every host's first figures
  const first = cpuMs(() => io.decide(1));
  io.apply(first.value, 1);
  const steady: number[] = [];
  for (let t = 2; t <= 8; t++) {
    const r = cpuMs(() => io.decide(t * 360)); // an hour apart: diurnal figures move by more than the 5% threshold
    steady.push(r.ms);
    io.apply(r.value, t * 360);
  }
  if (pattern === 'constant') recordCompute('io', 'first tick after 8,000 power-ons (24,000 devices discovered + host figures)', [first.ms]);
  recordCompute('io', `one I/O tick, 8,000 VMs x 3 devices, ${pattern} workloads (${steady.length} ticks)`, steady, 50);
}

export async function benchIo(): Promise<void> {
  await one('constant');
  await one('diurnal');
}
