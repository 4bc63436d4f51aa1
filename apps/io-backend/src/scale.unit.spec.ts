// Full-scale tick of the io-backend shell without a database: 128 hosts x 8,000 VMs x 3 devices, the
// projection folded in place from the seeded log, then the tick's decision (reconcile + SampleIo) timed.
import type { Decision } from '@virtsim/service-kit';
import type { TickAnswer } from './tick.js';
import { fullCluster, HOSTS, VMS } from '../test/scale-fixture.js';

/** CPU time, not wall time: the test machine is shared, and CPU time is what the tick costs. */
function decide(io: ReturnType<typeof fullCluster>, tick: number): { ms: number; d: Decision<TickAnswer> } {
  const start = process.cpuUsage();
  const d = io.decide(tick);
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, d };
}

describe.each(['constant', 'diurnal'] as const)('io-backend tick at full scale (%s workloads)', (pattern) => {
  it(`${HOSTS} hosts x ${VMS} VMs x 3 devices`, () => {
    const t0 = performance.now();
    const io = fullCluster(pattern);
    const seeded = performance.now() - t0;

    // tick 1: every VM powered on since the last tick -> 8,000 discoveries + the first figures of every host
    const first = decide(io, 1);
    const tApply = performance.now();
    io.apply(first.d, 1);
    const applyMs = performance.now() - tApply;
    expect(first.d.result).toMatchObject({ discovered: VMS, statsChanged: HOSTS, skipped: [] });

    // ticks 2..6: steady (constant) or moving (diurnal) figures
    const steady: number[] = [];
    const events: number[] = [];
    for (let t = 2; t <= 6; t++) {
      const r = decide(io, t * 360); // diurnal: an hour apart, so the sine moves more than 5%
      steady.push(r.ms);
      events.push(r.d.result.events);
      io.apply(r.d, t * 360);
    }
    if (pattern === 'constant') expect(events).toEqual([0, 0, 0, 0, 0]);
    else expect(events.every((n) => n === HOSTS)).toBe(true);
    const median = [...steady].sort((a, b) => a - b)[2];
    console.log(`[io-backend scale ${pattern}] seed fold+attach ${seeded.toFixed(0)} ms; tick 1 (8,000 discoveries + ${first.d.result.statsChanged} stats) decide ${first.ms.toFixed(1)} ms, in-place apply ${applyMs.toFixed(1)} ms; ticks 2-6 decide ${steady.map((x) => x.toFixed(1)).join(' / ')} ms (median ${median.toFixed(1)}), events ${events.join(',')}`);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (scale.unit.spec.ts): median = ${median}`);
  });
});
