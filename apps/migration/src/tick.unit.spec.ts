// A move whose target host is withdrawn (maintenance, standby) before it lands is cancelled at the next tick,
// before any copying is advanced (issue 15 item 7): the VM never lands on a host no move may choose (HA.md 7).
import type { EventOf, RecordedEvent } from '@virtsim/contracts';
import { migration } from '@virtsim/domain';
import { decideTick } from './tick.js';
import { evolveMigrationService, initialMigrationServiceState, type MigrationServiceState } from './state.js';

/** h1, h2 (10 GbE); vm1 (1,024 MiB, idle) on h1 moving live to h2: it lands within 1 s of a 10 s tick */
function moving(): { s: MigrationServiceState; fold: (e: EventOf) => void } {
  const s = initialMigrationServiceState();
  let position = 0;
  const fold = (e: EventOf) => {
    const r: RecordedEvent = { position: ++position, streamId: 'x', streamVersion: 1, eventId: `e${position}`, type: e.type, schemaVersion: 1, data: e.data, metadata: {}, recordedAt: '' };
    evolveMigrationService(s, r);
  };
  fold({ type: 'ClusterCreated', data: { clusterId: 'c1', spec: { name: 'c1', seed: 1 } } });
  for (const h of ['h1', 'h2']) fold({ type: 'HostAdded', data: { hostId: h, clusterId: 'c1', spec: { name: `esx-${h}`, migrationNetworkGbps: 10, cpu: { vendor: 'intel', features: [] } } } });
  fold({ type: 'VmCreationRequested', data: { vmId: 'vm1', spec: { name: 'vm1', clusterId: 'c1', vcpus: 2, memoryMiB: 1024, workload: { dirtyRateMiBps: 0 }, disks: [] } } });
  fold({ type: 'VmPlaced', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', numa: null, brokenShouldRules: [], reason: 'seed' } });
  for (const [from, to] of [['creating', 'stopped'], ['stopped', 'starting'], ['starting', 'running']]) {
    fold({ type: 'VmStateChanged', data: { vmId: 'vm1', clusterId: 'c1', hostId: 'h1', from, to, reason: 'seed' } });
  }
  const facts = (id: string) => ({ id, name: id, clusterId: 'c1', up: true, maintenance: false, migrationNetworkGbps: 10 as const, cpuFeatures: [] });
  const vm = s.vms.vm1!;
  for (const e of migration.migrationDecider.decide({
    type: 'RequestLiveMigration', migrationId: 'm1', at: 0, capacity: { fits: true }, source: facts('h1'), target: facts('h2'),
    vm: { id: 'vm1', name: 'vm1', clusterId: 'c1', state: 'running', hostId: 'h1', memoryMiB: 1024, disksGiB: [], cpuFeatures: [], passthroughDevices: [], workload: vm.workload },
  }, s.m)) fold(e);
  return { s, fold };
}

describe('a move into a host that is withdrawn on the way (issue 15 item 7)', () => {
  it('untouched, vm1 lands on h2 in the next tick (1,024 MiB over 10 GbE)', () => {
    const { s } = moving();
    expect(decideTick(s, { simTime: 10, tickSeconds: 10 }).events.map((e) => e.type)).toContain('MigrationCompleted');
  });

  it('h2 enters maintenance first: the tick cancels m1 at its start (0 s), nothing is copied, vm1 stays on h1', () => {
    const { s, fold } = moving();
    fold({ type: 'HostMaintenanceEntered', data: { hostId: 'h2', clusterId: 'c1' } });
    const { events } = decideTick(s, { simTime: 10, tickSeconds: 10 });
    expect(events).toEqual([{ type: 'MigrationCancelled', data: {
      migrationId: 'm1', vmId: 'vm1', at: 0, rolledBack: true,
      reason: 'target host esx-h2 entered maintenance: the move is cancelled and VM vm1 keeps running on host h1',
    } }]);
  });

  it('h2 goes to standby (not a failure): cancelled with that reason, not rolled back as "failed"', () => {
    const { s, fold } = moving();
    fold({ type: 'HostPoweredOff', data: { hostId: 'h2', clusterId: 'c1', reason: 'dpm', standby: true } });
    const { events } = decideTick(s, { simTime: 10, tickSeconds: 10 });
    expect(events.map((e) => [e.type, 'reason' in e.data ? e.data.reason : null])).toEqual([
      ['MigrationCancelled', 'target host esx-h2 went to standby: the move is cancelled and VM vm1 keeps running on host h1'],
    ]);
  });
});
