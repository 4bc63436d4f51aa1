// Share assignment and the events a replica folds (issue 22 item 3): pure, no database, no broker.
import { shareOf, shareSubject, type RecordedEvent } from '@virtsim/contracts';
import { assignShares, ClusterIndex, sharesOf, ShardScope } from './shards.js';

let position = 0;
const ev = (streamId: string, type: string, data: object): RecordedEvent => ({
  position: ++position, streamId, streamVersion: 1, eventId: `e${position}`, type, schemaVersion: 1, data, metadata: {}, recordedAt: '',
} as unknown as RecordedEvent);

describe('assignShares', () => {
  it('gives every share to the one replica there is, and none when there is none', () => {
    expect([...assignShares(8, ['a']).values()]).toEqual(Array(8).fill('a'));
    expect(assignShares(8, []).size).toBe(0);
  });

  it.each([[8, 2], [8, 3], [16, 5], [4, 4], [3, 5]])('balances %i shares over %i replicas (at most ceil(shares / replicas) each)', (shares, n) => {
    const replicas = Array.from({ length: n }, (_, i) => `replica-${i}`);
    const owners = assignShares(shares, replicas);
    expect(owners.size).toBe(shares);
    const load = replicas.map((r) => [...owners.values()].filter((o) => o === r).length);
    expect(Math.max(...load)).toBeLessThanOrEqual(Math.ceil(shares / n));
    expect(load.reduce((a, b) => a + b, 0)).toBe(shares);
  });

  it('is the same answer whatever the order the replicas are listed in, or repeats', () => {
    expect(assignShares(8, ['b', 'a', 'c'])).toEqual(assignShares(8, ['c', 'a', 'b', 'a']));
  });

  it('hands a dead replica\'s shares to the survivors, and the survivor of two takes all', () => {
    const two = sharesOf(8, ['a', 'b'], 'a');
    expect(two.length).toBe(4);
    expect(sharesOf(8, ['a'], 'a')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // a joining third takes some from each, and every share still has exactly one holder
    const three = ['a', 'b', 'c'].map((r) => sharesOf(8, ['a', 'b', 'c'], r));
    expect(three.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(three[2].length).toBeGreaterThan(0);
  });
});

describe('shareOf and shareSubject', () => {
  it('puts a cluster in the same share every time, within range, and all in share 0 unsharded', () => {
    for (const c of ['c1', 'c2', 'prod', 'x'.repeat(64)]) {
      expect(shareOf(c, 8)).toBe(shareOf(c, 8));
      expect(shareOf(c, 8)).toBeGreaterThanOrEqual(0);
      expect(shareOf(c, 8)).toBeLessThan(8);
      expect(shareOf(c, 1)).toBe(0);
    }
    // ten clusters spread over more than one of four shares
    expect(new Set(Array.from({ length: 10 }, (_, i) => shareOf(`cluster-${i}`, 4))).size).toBeGreaterThan(1);
    expect(shareSubject('scheduler.place', 3)).toBe('scheduler.place.share-3');
  });
});

describe('ClusterIndex', () => {
  it('learns VMs, hosts and streams from events that name their cluster, and places the others by them', () => {
    const idx = new ClusterIndex();
    expect(idx.observe(ev('host-h1', 'HostAdded', { hostId: 'h1', clusterId: 'c1', spec: {} }))).toBe('c1');
    expect(idx.observe(ev('vm-v1', 'VmCreationRequested', { vmId: 'v1', spec: { clusterId: 'c2' } }))).toBe('c2');
    expect(idx.observe(ev('memory-h1', 'HostMemoryStateChanged', { hostId: 'h1' }))).toBe('c1');
    expect(idx.observe(ev('vm-v1', 'VmMemoryReserved', { vmId: 'v1', hostId: 'h9' }))).toBe('c2');
    expect(idx.observe(ev('vm-v1', 'IoGuestToolsInstalled', {}))).toBe('c2');
    expect(idx.observe(ev('ha', 'HaTotalIsolationDetected', { hostIds: ['h1', 'h2'] }))).toBe('c1');
    expect(idx.observe(ev('clock', 'ClockAdvanced', { tick: 1, simTime: 10, tickSeconds: 10 }))).toBeNull();
    expect(idx.clusterOf({ vmId: 'v1' })).toBe('c2');
    expect(idx.clusterOf({ hostId: 'h1' })).toBe('c1');
    expect(idx.clusterOf({ clusterId: 'c7', vmId: 'v1' })).toBe('c7');
    expect(idx.clusterOf({ vmId: 'nope' })).toBeNull();
    expect(idx.unknown({ vmId: 'nope' })).toBe(true);
    expect(idx.unknown({ vmId: 'v1' })).toBe(false);
    expect(idx.unknown({ tick: 3 } as object)).toBe(false);
  });

  it('follows a VM that moves to another cluster', () => {
    const idx = new ClusterIndex();
    idx.observe(ev('vm-v2', 'VmCreated', { vmId: 'v2', clusterId: 'c1', hostId: 'h1' }));
    idx.observe(ev('vm-v2', 'VmRelocated', { vmId: 'v2', clusterId: 'c3', fromHostId: 'h1', toHostId: 'h5' }));
    expect(idx.clusterOf({ vmId: 'v2' })).toBe('c3');
  });
});

describe('ShardScope', () => {
  const clusters = Array.from({ length: 12 }, (_, i) => `cluster-${i}`);
  const log = [
    ev('clock', 'ClockAdvanced', { tick: 1, simTime: 10, tickSeconds: 10 }),
    ...clusters.flatMap((c) => [
      ev(`cluster-${c}`, 'ClusterCreated', { clusterId: c, spec: {} }),
      ev(`host-${c}-h`, 'HostAdded', { hostId: `${c}-h`, clusterId: c, spec: {} }),
      ev(`vm-${c}-v`, 'VmCreationRequested', { vmId: `${c}-v`, spec: { clusterId: c } }),
      ev(`vm-${c}-v`, 'VmMemoryReserved', { vmId: `${c}-v`, hostId: `${c}-h` }),
    ]),
  ];

  it('folds its shares\' clusters and what belongs to no cluster; the replicas together fold every event once, the global ones each', () => {
    const scopes = [new ShardScope(4, new Set([0, 1])), new ShardScope(4, new Set([2, 3]))];
    const kept = scopes.map((s) => log.filter((e) => s.admits(e)));
    const clusterEvents = log.filter((e) => e.type !== 'ClockAdvanced');
    expect(kept.map((k) => k.filter((e) => e.type !== 'ClockAdvanced').length).reduce((a, b) => a + b)).toBe(clusterEvents.length);
    for (const k of kept) expect(k.filter((e) => e.type === 'ClockAdvanced')).toHaveLength(1);
    for (const [i, k] of kept.entries()) {
      for (const e of k.filter((x) => x.type === 'VmMemoryReserved')) expect(scopes[i].owned.has(shareOf((e.data as { vmId: string }).vmId.replace(/-v$/, ''), 4))).toBe(true);
    }
  });

  it('a replica holding no share folds only what belongs to no cluster, and its fresh scope starts over', () => {
    const none = new ShardScope(4, new Set());
    expect(log.filter((e) => none.admits(e)).map((e) => e.type)).toEqual(['ClockAdvanced']);
    const all = none.fresh(new Set([0, 1, 2, 3]));
    expect(log.filter((e) => all.admits(e))).toHaveLength(log.length);
    expect(all.index.clusterOf({ vmId: 'cluster-3-v' })).toBe('cluster-3');
  });
});
