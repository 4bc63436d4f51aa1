// Ids and names that are Object.prototype members ("constructor", "toString", "__proto__") are unknown until
// someone creates them: lookups read the records' own entries only (issue 23, item 2).
import { spec } from '@virtsim/testing/decider';
import { clusterDecider } from './cluster.js';
import { clusterSpec, clusterWithHosts, createdVm, ruleSpec, vmSpec } from './inventory.fixtures.js';
import { assertHostTakesPowerOn, requireCluster, requireHost, requireRule, requireVm } from './lookup.js';
import { ruleDecider } from './rule.js';
import { evolveInventory, emptyInventory, type InventoryView } from './view.js';
import type { InventoryEvent } from '@virtsim/contracts';

const PROTOTYPE_IDS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
const base: InventoryEvent[] = [...clusterWithHosts(2), ...createdVm('a', vmSpec('vm-a', 'c1'), 'h1')];
const view = (events: InventoryEvent[] = base): InventoryView => events.reduce(evolveInventory, emptyInventory());

describe('prototype-named ids and names', () => {
  it.each(PROTOTYPE_IDS)('%s is not-found as a cluster, host, VM or rule', (id) => {
    const v = view();
    for (const lookup of [requireCluster, requireHost, requireVm, requireRule]) expect(() => lookup(v, id)).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it.each(PROTOTYPE_IDS)('a rule naming VM %s is refused as not-found: nothing to write', (id) => {
    spec(ruleDecider).given(base).when({ type: 'CreateRule', ruleId: 'r1', clusterId: 'c1', spec: { ...ruleSpec({ name: 'r1', kind: 'vm-anti-affinity', vms: ['b', 'a'] }), vms: [id, 'a'] } }).thenThrows('not-found');
  });

  it.each(['constructor', 'toString', 'valueOf'])('a cluster named %s is not taken until created', (name) => {
    spec(clusterDecider).given(base).when({ type: 'CreateCluster', clusterId: 'c9', spec: clusterSpec({ name }) })
      .then([{ type: 'ClusterCreated', data: { clusterId: 'c9', spec: clusterSpec({ name }) } }]);
  });
});

describe('a host in maintenance takes no new power-on (issue 23, item 3)', () => {
  it('refuses host.maintenance and host.down, passes a running host', () => {
    expect(() => assertHostTakesPowerOn(view(), 'h1', 'a')).not.toThrow();
    const inMaintenance = view([...base, { type: 'HostMaintenanceEntered', data: { hostId: 'h1', clusterId: 'c1' } }]);
    expect(() => assertHostTakesPowerOn(inMaintenance, 'h1', 'a')).toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'host.maintenance' }) }));
    const off = view([...base, { type: 'HostPoweredOff', data: { hostId: 'h2', clusterId: 'c1', reason: 'operator', standby: false } }]);
    expect(() => assertHostTakesPowerOn(off, 'h2', 'a')).toThrow(expect.objectContaining({ details: expect.objectContaining({ rule: 'host.down' }) }));
  });
});
