// End-to-end tick at full scale (128 hosts x 8,000 running VMs) over PostgreSQL, in-process transport: boot
// (fold of the ~32,000-event setup log), the first tick (~22,000 reclamation events in one append), quiet ticks.
// Wall times; opt in with MEMORY_SCALE=1 (it takes tens of seconds).
import { bootService, loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { createTestDatabase, uniqueName } from '@virtsim/testing';
import { buildLog } from '../test/scale-fixture.js';
import { memoryManagerDefinition } from './service.js';
import type { MemoryManagerState } from './state.js';


describe('memory-manager tick at full scale over PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let svc: RunningService<MemoryManagerState>;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    db = await createTestDatabase('mem_scale');
    rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, VIRTSIM_SUBJECT_PREFIX: uniqueName('memscale'), LOG_LEVEL: 'silent' }));
    const { log } = buildLog();
    for (let i = 0; i < log.length; i += 2000) {
      await rt.store.append({ streamId: `setup-${i}`, expectedVersion: 'any', events: log.slice(i, i + 2000).map((e) => ({ type: e.type, data: e.data })) }, { simTime: 0 });
    }
    const t0 = performance.now();
    svc = await bootService(rt, memoryManagerDefinition);
    report.bootFoldMs = Math.round(performance.now() - t0);
    report.setupEvents = log.length;
  }, 600_000);
  afterAll(async () => {
    console.log(`memory-manager scale over PostgreSQL: ${JSON.stringify(report)}`);
    await svc?.stop();
    await rt?.close();
    await db?.drop();
  });

  test('ticks', async () => {
    const ticks: { events: number; wallMs: number; computeMs: number }[] = [];
    for (let t = 1; t <= 6; t++) {
      await rt.store.append({ streamId: 'clock', expectedVersion: 'any', events: [{ type: 'ClockAdvanced', data: { tick: t, simTime: t * 10, tickSeconds: 10 } }] }, { simTime: t * 10 });
      const t0 = performance.now();
      const r = await svc.ctx.request<any>('memory-manager.tick', { tick: t, simTime: t * 10, tickSeconds: 10 }, 120_000);
      ticks.push({ events: r.events, wallMs: Math.round(performance.now() - t0), computeMs: r.stats.computeMs });
    }
    report.ticks = ticks;
    expect(ticks[0]!.events).toBeGreaterThan(16000);
    const t0 = performance.now();
    await svc.ctx.request<any>('memory-manager.vm', { vmId: 'vm-00001' });
    report.vmViewMs = Math.round(performance.now() - t0);
  }, 600_000);
});
