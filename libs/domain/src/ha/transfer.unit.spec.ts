import { capacityPlacer, clusterCreated, given, ha, hostAdded, runningVm } from './ha.fixtures.js';
import { haTick } from './tick.js';
import { transferHaVm } from './transfer.js';

describe('transferHaVm (C4: HA follows a VM that leaves its cluster)', () => {
  test('the VM leaves the source state with its HA settings and joins the target, which then restarts it after a host failure', () => {
    const source = given([clusterCreated(), hostAdded('h1'), hostAdded('h2'), ...runningVm('vm1', 'h1', { priority: 'high' })]);
    let target = given([clusterCreated(), hostAdded('h8'), hostAdded('h9')]);
    transferHaVm(source, target, 'vm1', 'h8');
    expect(source.vms.vm1).toBeUndefined();
    expect(target.vms.vm1).toMatchObject({ hostId: 'h8', status: 'running', haEnabled: true, priority: 'high', triedHosts: [] });

    // the target cluster now protects it: h8 loses power, HA restarts vm1 on h9
    target = ha.givenState(target).when({ type: 'InjectHostFault', hostId: 'h8', kind: 'power-loss', simTime: 0 }).result().state;
    for (const t of [10, 20, 30, 40]) target = haTick(target, { simTime: t, tickSeconds: 10, place: capacityPlacer(target) }).state;
    expect(target.vms.vm1).toMatchObject({ hostId: 'h9', status: 'running' });
    // and the source cluster's failures no longer touch it
    const after = haTick(ha.givenState(source).when({ type: 'InjectHostFault', hostId: 'h1', kind: 'power-loss', simTime: 0 }).result().state, { simTime: 40, tickSeconds: 10, place: capacityPlacer(source) });
    expect(after.events.filter((e) => 'vmId' in e.data && e.data.vmId === 'vm1')).toEqual([]);
  });

  test('an unknown VM is a no-op', () => {
    const source = given([clusterCreated(), hostAdded('h1')]);
    const target = given([clusterCreated(), hostAdded('h8')]);
    transferHaVm(source, target, 'nope', 'h8');
    expect(target.vms).toEqual({});
  });
});
