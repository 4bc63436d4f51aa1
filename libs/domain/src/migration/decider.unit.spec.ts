import type { MigrationEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { migrationDecider, type MigrationCommand } from './decider.js';
import { advanceMigrations } from './engine.js';
import type { MigrationHostFacts, MigrationVmFacts } from './preconditions.js';
import type { MigrationState } from './state.js';

const GBE1 = 1e9 / 8 / 2 ** 20;
const host = (id: string, clusterId = 'c1'): MigrationHostFacts =>
  ({ id, name: id, clusterId, up: true, maintenance: false, migrationNetworkGbps: 1, cpuFeatures: [] });
const vm = (id: string, over: Partial<MigrationVmFacts> = {}): MigrationVmFacts => ({
  id, name: id, clusterId: 'c1', state: 'running', hostId: 'h1', memoryMiB: 1024, disksGiB: [],
  cpuFeatures: [], passthroughDevices: [], workload: { dirtyRateMiBps: 0 } as MigrationVmFacts['workload'], ...over,
});
const live = (id: string, v = vm(`vm-${id}`), to = 'h2'): MigrationCommand =>
  ({ type: 'RequestLiveMigration', migrationId: id, vm: v, source: host('h1'), target: host(to), capacity: { fits: true }, at: 0 });

function apply(state: MigrationState, events: MigrationEvent[]): MigrationState {
  return events.reduce(migrationDecider.evolve, state);
}
const migrations = spec(migrationDecider);
/** the state after `commands`, each decided on the state the ones before it left */
const given = (commands: MigrationCommand[]): MigrationState => migrations.given([]).when(...commands).result().state;
const tick = (s: MigrationState, from: number, seconds: number) => apply(s, advanceMigrations(s, from, seconds, { scenarioSeed: 1 }));

describe('requests', () => {
  it('a second migration of the same VM is refused (conflict migration.in-progress)', () => {
    const s = given([live('m1', vm('vm1'))]);
    migrations.givenState(s).when(live('m2', vm('vm1'), 'h3')).thenThrows('conflict', { rule: 'migration.in-progress' });
  });

  it('a live request runs the preconditions: a stopped VM is refused (migration.vm-state)', () => {
    migrations.given([]).when(live('m1', vm('vm1', { state: 'stopped' }))).thenThrows('conflict', { rule: 'migration.vm-state' });
  });
});

describe('cancel', () => {
  it('cancelling a running migration rolls it back (VM stays on h1) and starts the queued 5th', () => {
    const s = given([1, 2, 3, 4, 5].map((i) => live(`m${i}`, vm(`vm${i}`), `t${i}`)));
    const after = migrations.givenState(s).when({ type: 'CancelMigration', migrationId: 'm2', at: 3 }).then([
      { type: 'MigrationCancelled', data: expect.objectContaining({ migrationId: 'm2', rolledBack: true, reason: 'cancelled by user; VM vm2 stays on host h1' }) },
      { type: 'MigrationStarted', data: expect.objectContaining({ migrationId: 'm5', startedAt: 3, queuedSeconds: 3 }) },
    ]);
    expect(after.byVm.vm2).toBeUndefined();
    expect(Object.keys(after.migrations).sort()).toEqual(['m1', 'm3', 'm4', 'm5']);
  });

  it('cancelling a queued migration just removes it (rolledBack false); an unknown id is not-found', () => {
    const s = given([1, 2, 3, 4, 5].map((i) => live(`m${i}`, vm(`vm${i}`), `t${i}`)));
    migrations.givenState(s).when({ type: 'CancelMigration', migrationId: 'm5', at: 1, reason: 'operator' })
      .then([{ type: 'MigrationCancelled', data: { migrationId: 'm5', vmId: 'vm5', at: 1, reason: 'operator', rolledBack: false } }]);
    migrations.givenState(s).when({ type: 'CancelMigration', migrationId: 'nope', at: 1 }).thenThrows('not-found');
  });

  it('cancelling a throttled (auto-converge) migration releases the throttle first', () => {
    const hot = vm('vm1', { workload: { dirtyRateMiBps: 2 * GBE1 } as MigrationVmFacts['workload'] });
    let s = given([{ ...live('m1', hot), options: { autoConverge: true } } as MigrationCommand]);
    s = tick(s, 0, 10); // round 0 ended at 8.59 s and stepped the throttle to 20 %
    expect(s.migrations.m1!.throttlePercent).toBe(20);
    const { events } = migrations.givenState(s).when({ type: 'CancelMigration', migrationId: 'm1', at: 10 }).result();
    expect(events.map((e) => [e.type, 'throttlePercent' in e.data ? e.data.throttlePercent : null])).toEqual([['MigrationVmThrottled', 0], ['MigrationCancelled', null]]);
  });
});

describe('host failures', () => {
  it('target h2 fails at 5 s mid-round: MigrationRolledBack, VM keeps running on h1, nothing half-moved in state', () => {
    let s = given([live('m1', vm('vm1'))]);
    s = tick(s, 0, 5);
    expect(s.migrations.m1!.phaseSentMiB).toBeCloseTo(5 * GBE1, 4); // 596 MiB of 1024 sent
    const after = migrations.givenState(s).when({ type: 'HostFailed', hostId: 'h2', at: 5 }).then([{ type: 'MigrationRolledBack', data: {
      migrationId: 'm1', vmId: 'vm1', sourceHostId: 'h1', targetHostId: 'h2', at: 5, reason: 'target host h2 failed: VM vm1 keeps running on host h1',
    } }]);
    expect(after).toEqual(migrationDecider.initialState());
  });

  it('source h1 fails: MigrationAborted (HA owns the VM); a migration between other hosts is untouched', () => {
    const s = given([live('m1', vm('vm1')), { ...live('m2', vm('vm2', { hostId: 'h5' }), 'h6'), source: host('h5') } as MigrationCommand]);
    const { events, state: after } = migrations.givenState(s).when({ type: 'HostFailed', hostId: 'h1', at: 2 }).result();
    expect(events.map((e) => [e.type, e.data.migrationId])).toEqual([['MigrationAborted', 'm1']]);
    expect(Object.keys(after.migrations)).toEqual(['m2']);
  });

  it('queued migrations to a failed host are cancelled; running ones rolled back; queued ones elsewhere then start', () => {
    const s = given([
      ...[1, 2, 3, 4].map((i) => live(`m${i}`, vm(`vm${i}`), i === 1 ? 'hx' : `t${i}`)),
      live('m5', vm('vm5'), 'hx'),
      live('m6', vm('vm6'), 't6'),
    ]);
    expect(s.queue).toEqual(['m5', 'm6']);
    const { events } = migrations.givenState(s).when({ type: 'HostFailed', hostId: 'hx', at: 4 }).result();
    expect(events.map((e) => [e.type, e.data.migrationId])).toEqual([['MigrationRolledBack', 'm1'], ['MigrationCancelled', 'm5'], ['MigrationStarted', 'm6']]);
  });
});

describe('target withdrawn: maintenance or standby (issue 15 item 7)', () => {
  it('h2 enters maintenance while m1 (vm1 h1 -> h2) is 5 s into its 1,024 MiB copy: cancelled, rolled back, vm1 stays on h1', () => {
    let s = given([live('m1', vm('vm1')), { ...live('m2', vm('vm2', { hostId: 'h5' }), 'h6'), source: host('h5') } as MigrationCommand]);
    s = tick(s, 0, 5);
    expect(s.migrations.m1!.phaseSentMiB).toBeCloseTo(5 * GBE1, 4); // 596 MiB of 1,024 sent, not yet switched over
    const after = migrations.givenState(s).when({ type: 'TargetWithdrawn', hostId: 'h2', at: 5, why: 'target host h2 entered maintenance' }).then([
      { type: 'MigrationCancelled', data: { migrationId: 'm1', vmId: 'vm1', at: 5, rolledBack: true, reason: 'target host h2 entered maintenance: the move is cancelled and VM vm1 keeps running on host h1' } },
    ]);
    expect(Object.keys(after.migrations)).toEqual(['m2']); // h5 -> h6 untouched
    expect(after.byVm.vm1).toBeUndefined();
  });

  it('a queued move into a standby host is cancelled (not rolled back); nothing else changes', () => {
    const s = given([...[1, 2, 3, 4].map((i) => live(`m${i}`, vm(`vm${i}`), `t${i}`)), live('m5', vm('vm5'), 'hs'), live('m6', vm('vm6'), 't6')]);
    expect(s.queue).toEqual(['m5', 'm6']);
    const { events } = migrations.givenState(s).when({ type: 'TargetWithdrawn', hostId: 'hs', at: 4, why: 'target host hs went to standby' }).result();
    expect(events.map((e) => [e.type, e.data.migrationId])).toEqual([['MigrationCancelled', 'm5']]);
    expect(events[0]!.data).toMatchObject({ rolledBack: false, reason: 'target host hs went to standby before the move started' });
  });

  it('moves OUT of the withdrawn host (its evacuation) are not touched', () => {
    const s = given([live('m1', vm('vm1'))]);
    expect(migrations.givenState(s).when({ type: 'TargetWithdrawn', hostId: 'h1', at: 1, why: 'x' }).result().events).toEqual([]);
  });
});

describe('cold and storage migration (C4)', () => {
  const stopped = vm('vm1', { state: 'stopped', disksGiB: [20, 10] });

  it('on shared storage both hosts mount only the 1 MiB of configuration moves; a disk on a datastore the target lacks is copied', () => {
    const shared = [{ name: 'san-1', kind: 'shared' as const }, { name: 'local-h1', kind: 'local' as const }];
    const source = { ...host('h1'), datastores: shared };
    const target = { ...host('h2'), datastores: [{ name: 'san-1', kind: 'shared' as const }] };
    const both = given([{ type: 'RequestColdMigration', migrationId: 'c1', vm: stopped, source, target, capacity: { fits: true }, at: 0 }]);
    expect(both.migrations.c1!.request).toMatchObject({ kind: 'cold', copyMiB: 1 });
    const mixed = vm('vm1', { state: 'stopped', disksGiB: [20, 10], diskDatastores: [null, 'local-h1'] });
    const one = given([{ type: 'RequestColdMigration', migrationId: 'c1', vm: mixed, source, target, capacity: { fits: true }, at: 0 }]);
    expect(one.migrations.c1!.request).toMatchObject({ copyMiB: 10 * 1024 + 1 }); // the 20 GiB disk sits on san-1
    const elsewhere = given([{ type: 'RequestColdMigration', migrationId: 'c1', vm: stopped, source, target: { ...target, datastores: [{ name: 'san-2', kind: 'shared' as const }] }, capacity: { fits: true }, at: 0 }]);
    expect(elsewhere.migrations.c1!.request).toMatchObject({ copyMiB: 30721 });
  });

  const onLocal = { ...host('h1'), datastores: [{ name: 'local-h1', kind: 'local' as const }] };

  it('stopped VM, disks 20 + 10 GiB on local storage + 1 MiB config = 30721 MiB over 1 GbE: 30721 / 119.209 = 257.7 s, outcome copied, to another cluster', () => {
    let s = given([{ type: 'RequestColdMigration', migrationId: 'c1', vm: stopped, source: onLocal, target: host('h7', 'c2'), capacity: { fits: true }, at: 0 }]);
    expect(s.migrations.c1!.request).toMatchObject({ kind: 'cold', copyMiB: 30721, clusterId: 'c1', targetClusterId: 'c2' });
    const events: MigrationEvent[] = [];
    for (let t = 0; t < 300; t += 10) { const e = advanceMigrations(s, t, 10, { scenarioSeed: 1 }); events.push(...e); s = apply(s, e); }
    const done = events.find((e) => e.type === 'MigrationCompleted')!.data as Extract<MigrationEvent, { type: 'MigrationCompleted' }>['data'];
    expect(done).toMatchObject({ outcome: 'copied', sentMiB: 30721, downtimeMs: 0, targetClusterId: 'c2', rounds: [] });
    expect(done.totalSeconds).toBeCloseTo(30721 / GBE1, 5);
  });

  it('storage migration of 100 GiB at the 200 MiB/s default: 102400 / 200 = 512 s', () => {
    let s = given([{ type: 'RequestStorageMigration', migrationId: 's1', vm: vm('vm1', { disksGiB: [100] }), sourceDatastoreId: 'ds-a', targetDatastoreId: 'ds-b', at: 0 }]);
    const events: MigrationEvent[] = [];
    for (let t = 0; t < 600; t += 60) { const e = advanceMigrations(s, t, 60, { scenarioSeed: 1 }); events.push(...e); s = apply(s, e); }
    const done = events.find((e) => e.type === 'MigrationCompleted')!.data as Extract<MigrationEvent, { type: 'MigrationCompleted' }>['data'];
    expect(done).toMatchObject({ kind: 'storage', completedAt: 512, sourceDatastoreId: 'ds-a', targetDatastoreId: 'ds-b', sourceHostId: 'h1', targetHostId: 'h1' });
  });

  it('a running VM cannot be cold-migrated (migration.vm-state)', () => {
    const error = migrations.given([]).when({ type: 'RequestColdMigration', migrationId: 'c1', vm: vm('vm1'), source: host('h1'), target: host('h2'), capacity: { fits: true }, at: 0 })
      .thenThrows('conflict', { rule: 'migration.vm-state' });
    expect(error.message).toMatch(/cold migration needs a stopped or suspended VM/);
  });
});
