import type { ClusterSpec, PlacementDecisionEvent, VmSpec } from '@virtsim/contracts';
import { evaluateDpm } from './dpm.js';
import { evolvePlacement } from './evolve.js';
import { clusterCreated, given, hostAdded, ruleCreated, runningVm } from './fixtures.spec.js';
import type { PlacementState } from './model.js';

// Hosts: 83,200 MHz each; a 4-vCPU VM demanding 8,320 MHz = 10% of one host.
const tenth: Partial<VmSpec> = { vcpus: 4, workload: { cpuDemandMhz: 8320, activeMemoryMiB: 256, dirtyRateMiBps: 10, iops: 100, ioSizeKiB: 8, readRatio: 0.7, pattern: 'constant' } };
const vms = (host: string, n: number) => Array.from({ length: n }, (_, i) => runningVm(`${host}-${i}`, host, tenth)).flat();
const dpmOn = (over: Partial<ClusterSpec> = {}) => clusterCreated({ dpm: { enabled: true, automation: 'manual', lowPercent: 45, highPercent: 81 }, ...over });
const haOne: Partial<ClusterSpec> = { ha: { enabled: true, hostFailuresTolerated: 1, failureDetectionSeconds: 30, isolationResponse: 'power-off', restartsInPlace: 3, restartWindowSeconds: 3600 } };

/** Evaluate at simTime and feed the events back, as the scheduler shell does each tick. */
function tick(state: PlacementState, simTime: number): PlacementDecisionEvent[] {
  const { events } = evaluateDpm(state, { clusterId: 'c1', simTime });
  for (const e of events) evolvePlacement(state, e);
  return events;
}

/** 3 hosts, 9 VMs x 8,320 MHz = 74,880 of 249,600 MHz = 30%. */
const thirtyPercent = (over: Partial<ClusterSpec> = {}) => given(dpmOn(over), hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'),
  vms('host-a', 4), vms('host-b', 3), vms('host-c', 2));

describe('DPM (F10)', () => {
  it('40 min at 30% of capacity -> DPM powers off one host (host-c: fewest VMs), its 2 VMs evacuated', () => {
    const state = thirtyPercent(haOne);
    expect(tick(state, 0)).toEqual([{ type: 'DpmBandChanged', data: { clusterId: 'c1', band: 'below', since: 0, utilizationPercent: 30 } }]);
    expect(tick(state, 1200)).toEqual([]);
    expect(tick(state, 2390)).toEqual([]);
    const [rec] = tick(state, 2400);
    expect(rec).toMatchObject({ type: 'DpmHostPowerOffRecommended', data: { hostId: 'host-c', simTime: 2400, utilizationPercent: 30 } });
    const evacuations = (rec!.data as { evacuations: { vmId: string; toHostId: string }[] }).evacuations;
    expect(evacuations.map((e) => e.vmId)).toEqual(['host-c-0', 'host-c-1']);
    expect(evacuations.every((e) => e.toHostId !== 'host-c')).toBe(true);
  });

  it('a recommendation restarts the 40-minute window: nothing at 2,410 s, the next one at 4,800 s', () => {
    const state = thirtyPercent();
    tick(state, 0);
    expect(tick(state, 2400)).toHaveLength(1);
    expect(tick(state, 2410)).toEqual([]);
    expect(tick(state, 4800)).toHaveLength(1);
  });

  it('40% with HA tolerating 1 failure: 2 hosts left minus the largest = 83,200 < 99,840 MHz demand -> no power-off', () => {
    const hosts = [hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'), vms('host-a', 4), vms('host-b', 4), vms('host-c', 4)];
    const withHa = given(dpmOn(haOne), ...hosts);
    tick(withHa, 0);
    expect(evaluateDpm(withHa, { clusterId: 'c1', simTime: 2400 })).toMatchObject({ utilizationPercent: 40, band: 'below', events: [] });
    const withoutHa = given(dpmOn(), ...hosts);
    tick(withoutHa, 0);
    expect(tick(withoutHa, 2400)).toMatchObject([{ type: 'DpmHostPowerOffRecommended', data: { hostId: 'host-a' } }]);
  });

  it('a host whose VMs are pinned by a vm-host-must rule is skipped: host-b goes instead of host-c', () => {
    const state = thirtyPercent();
    evolvePlacement(state, ruleCreated('pin', { kind: 'vm-host-must', vms: ['host-c-0'], hosts: ['host-c'] }));
    tick(state, 0);
    expect(tick(state, 2400)).toMatchObject([{ type: 'DpmHostPowerOffRecommended', data: { hostId: 'host-b' } }]);
  });

  it('5 min at 90% -> power on the smallest standby host that brings it under 81% (41,600 MHz: 224,640 / 291,200 = 77%)', () => {
    const small = { cpu: { sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel' as const, model: 'x', arch: 'x86' as const, features: [] } };
    const tiny = { cpu: { ...small.cpu, coresPerSocket: 2 } };
    const state = given(dpmOn(), hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'), vms('host-a', 9), vms('host-b', 9), vms('host-c', 9),
      hostAdded('sb-big'), hostAdded('sb-small', small), hostAdded('sb-maint', tiny),
      ...['sb-big', 'sb-small', 'sb-maint'].map((hostId) => ({ type: 'HostPoweredOff' as const, data: { hostId, clusterId: 'c1', reason: 'dpm', standby: true } })),
      { type: 'HostMaintenanceEntered', data: { hostId: 'sb-maint', clusterId: 'c1' } });
    expect(tick(state, 0)).toMatchObject([{ type: 'DpmBandChanged', data: { band: 'above', utilizationPercent: 90 } }]);
    expect(tick(state, 290)).toEqual([]);
    expect(tick(state, 300)).toMatchObject([{ type: 'DpmHostPowerOnRecommended', data: { hostId: 'sb-small', utilizationPercent: 90 } }]);
  });

  it('60% is within 45..81: no band change and no recommendation, ever', () => {
    const state = given(dpmOn(), hostAdded('host-a'), hostAdded('host-b'), vms('host-a', 6), vms('host-b', 6));
    expect(evaluateDpm(state, { clusterId: 'c1', simTime: 0 })).toEqual({ utilizationPercent: 60, band: 'within', events: [] });
    expect(tick(state, 99_999)).toEqual([]);
  });
});
