import { extractInventory, hostStateOf, vmHostId } from './inventory.js';

describe('extractInventory', () => {
  it('merges clusters, hosts and VMs from every service, maps or lists', () => {
    const inv = extractInventory({
      position: 10,
      services: {
        vrm: { clusters: { c1: { name: 'prod' } }, hosts: { h1: { name: 'esx-01', clusterId: 'c1' } }, vms: [{ id: 'v2', name: 'b' }, { id: 'v1', name: 'a', state: 'running' }] },
        scheduler: { placement: { vms: { v1: { hostId: 'h1' } } }, hosts: { h1: { state: 'connected' } } },
        other: { counters: 3 },
      },
    });
    expect(inv.clusters).toEqual([{ id: 'c1', name: 'prod' }]);
    expect(inv.hosts).toEqual([{ id: 'h1', name: 'esx-01', clusterId: 'c1', state: 'connected' }]);
    expect(inv.vms.map((v) => v.name)).toEqual(['a', 'b']);
    expect(inv.vms[0]).toMatchObject({ id: 'v1', state: 'running', hostId: 'h1' });
  });
  it('copes with empty or odd states', () => {
    expect(extractInventory(null)).toEqual({ clusters: [], hosts: [], vms: [] });
    expect(extractInventory({ services: { a: { vms: 5 } } }).vms).toEqual([]);
  });
});

it('vmHostId reads hostId, host.id or host', () => {
  expect(vmHostId({ hostId: 'h1' })).toBe('h1');
  expect(vmHostId({ host: { id: 'h2' } })).toBe('h2');
  expect(vmHostId({ host: 'h3' })).toBe('h3');
  expect(vmHostId({ hostId: null })).toBeNull();
});

describe('hostStateOf (state show)', () => {
  // the vrm's host records as GET /state holds them: power, maintenance and fault (no `state` field)
  const vrmHost = (over: Record<string, unknown>) => extractInventory({ services: { vrm: { inventory: { hosts: { h1: { id: 'h1', spec: { name: 'esx01' }, power: 'on', maintenance: false, fault: null, ...over } } } } } }).hosts[0]!;

  it('shows the host state as the API does', () => {
    expect(hostStateOf(vrmHost({}))).toBe('connected');
    expect(hostStateOf(vrmHost({ maintenance: true }))).toBe('maintenance');
    // vSphere's wording while VMs are still leaving (issue 19)
    expect(hostStateOf(vrmHost({ maintenance: true, vmCount: 2 }))).toBe('entering-maintenance');
    expect(hostStateOf(vrmHost({ maintenance: true, vmCount: 0 }))).toBe('maintenance');
    expect(hostStateOf(vrmHost({ power: 'standby' }))).toBe('standby');
    expect(hostStateOf(vrmHost({ fault: 'network-isolation' }))).toBe('isolated');
    expect(hostStateOf(vrmHost({ fault: 'power-loss' }))).toBe('not-responding');
  });

  it('a record without power has no state', () => expect(hostStateOf({ id: 'h9' })).toBeNull());
});
