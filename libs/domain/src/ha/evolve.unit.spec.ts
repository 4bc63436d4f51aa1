import { clusterCreated, given, hostAdded, runningVm, ha, capacityPlacer } from './ha.fixtures.js';
import { evolveHa, evolveHaInPlace, foldHa, type HaInputEvent } from './evolve.js';
import { haTick } from './tick.js';
import { haInitialState } from './state.js';

describe('evolveHaInPlace', () => {
  test('folds to the same state as the pure evolve, mutating its input', () => {
    const events: HaInputEvent[] = [clusterCreated(), hostAdded('h1'), hostAdded('h2')];
    for (let i = 0; i < 6; i++) events.push(...runningVm(`vm${i}`, 'h1', { priority: i % 2 ? 'high' : null }));
    let state = given(events);
    const fault = ha.givenState(state).when({ type: 'InjectHostFault', hostId: 'h1', kind: 'power-loss', simTime: 0 }).result();
    events.push(...fault.events);
    state = fault.state;
    for (const t of [10, 20, 30, 40]) {
      const r = haTick(state, { simTime: t, tickSeconds: 10, place: capacityPlacer(state) });
      events.push(...r.events);
      state = r.state;
    }
    const live = haInitialState();
    for (const e of events) expect(evolveHaInPlace(live, e)).toBe(live);
    expect(live).toEqual(foldHa(events));
    expect(live).toEqual(events.reduce(evolveHa, haInitialState()));
    expect(Object.values(live.vms).filter((vm) => vm.status === 'running' && vm.hostId === 'h2')).toHaveLength(3);
  });
});
