// The memory-manager at full scale: 128 hosts x 8,000 powered-on VMs (256 GiB hosts, 2-8 GiB VMs, ~1.2x
// overcommitted, mixed guests), folded through the service's own projection (in place) and ticked with its
// own planner. CPU time of this process, best of warm runs (the test machine is shared).
import { stateHash } from '@virtsim/contracts';
import { memory } from '@virtsim/domain';
import { best, buildLog, cpuMs, HOSTS, rec, VMS } from '../test/scale-fixture.js';
import { initialMemoryManagerState, memoryManagerProjection, type MemoryManagerState } from './state.js';
import { planTick } from './tick.js';

describe('memory-manager at full scale: 128 hosts x 8,000 VMs', () => {
  const { state, log } = buildLog();
  const report: Record<string, number> = {};
  afterAll(() => console.log(`memory-manager scale (CPU ms): ${JSON.stringify(report)}`));

  it('folds the setup log in place, equal to the domain\'s copy-on-write fold', () => {
    expect(log.length).toBe(1 + HOSTS + 4 * VMS);
    const fold = () => memoryManagerProjection.evolveBatch!(initialMemoryManagerState(), log);
    report.foldSetupLog = best(3, fold);
    const viaDomain = memory.evolveAll(memory.initialMemoryState(), log as unknown as memory.MemoryInputEvent[]);
    expect(stateHash(fold().memory)).toBe(stateHash(viaDomain));
    expect(Object.values(state.memory.hosts).reduce((a, h) => a + h.vmIds.length, 0)).toBe(VMS);
  });

  it('the first tick (sharing, states, balloon, swap for every VM) plans in <= 50 ms and applies in place', () => {
    const input = { simTime: 10, tickSeconds: 10 };
    const plan = planTick(state, input);
    expect(plan.events).toBeGreaterThan(16000);
    expect([...plan.appends.keys()]).toEqual(['memory-c1']);
    report.firstTickEvents = plan.events;
    report.firstTickPlan = best(10, () => planTick(state, input));
    // timing is measured by `npm run bench`, never asserted
    console.log(`timing: report.firstTickPlan = ${report.firstTickPlan}`);
    const recs = plan.appends.get('memory-c1')!.map(rec);
    const copy = JSON.parse(JSON.stringify(state)) as MemoryManagerState;
    report.firstTickApply = cpuMs(() => memoryManagerProjection.evolveBatch!(copy, recs)).ms;
    memoryManagerProjection.evolveBatch!(state, recs);
    expect(stateHash(copy)).toBe(stateHash(state));
  });

  it('ticks settle: a quiet tick plans nothing, in a few ms', () => {
    for (let t = 2; t <= 12; t++) {
      const plan = planTick(state, { simTime: t * 10, tickSeconds: 10 });
      memoryManagerProjection.evolveBatch!(state, plan.appends.get('memory-c1')?.map(rec) ?? []);
    }
    const input = { simTime: 130, tickSeconds: 10 };
    expect(planTick(state, input).events).toBe(0);
    report.quietTickPlan = best(10, () => planTick(state, input));
    // timing is measured by `npm run bench`, never asserted
    console.log(`timing: report.quietTickPlan = ${report.quietTickPlan}`);
  });

  it('a host failure: its ~63 relocated VMs follow on the next tick (overlay + moves + reclamation) in <= 50 ms', () => {
    const from = 'host-000';
    const vmIds = [...state.memory.hosts[from]!.vmIds];
    const s = JSON.parse(JSON.stringify(state)) as MemoryManagerState;
    vmIds.forEach((vmId, i) => {
      const to = `host-${String(1 + (i % (HOSTS - 1))).padStart(3, '0')}`;
      memoryManagerProjection.evolve(s, rec({ type: 'VmRelocated', data: { vmId, clusterId: 'c1', fromHostId: from, toHostId: to, numa: s.placements[vmId]!.numa, reason: 'ha-restart' } }));
    });
    const input = { simTime: 140, tickSeconds: 10 };
    const plan = planTick(s, input);
    expect(plan.moved).toHaveLength(vmIds.length);
    report.relocatedVms = vmIds.length;
    report.relocationTickPlan = best(5, () => planTick(s, input));
    // timing is measured by `npm run bench`, never asserted
    console.log(`timing: report.relocationTickPlan = ${report.relocationTickPlan}`);
  });
});
