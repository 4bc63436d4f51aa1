import type { ClusterSpec, PlacementDecisionEvent, VmSpec } from '@virtsim/contracts';
import { dpmMemoryDemandMiB, evaluateDpm } from './dpm.js';
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
    // memory: 9 x (256 active + 25 % of 3,840 idle) = 10,944 MiB of 3 x 256,389 = 1.42 %
    expect(tick(state, 0)).toEqual([{ type: 'DpmBandChanged', data: { clusterId: 'c1', band: 'below', since: 0, utilizationPercent: 30, memoryPercent: 1.42 } }]);
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
    // why not (issue 19): DPM says what holds host-a on, once
    const held = tick(withHa, 2400);
    expect(held).toEqual([{ type: 'DpmHostPowerOffHeld', data: {
      clusterId: 'c1', hostId: 'host-a', simTime: 2400, utilizationPercent: 40, memoryPercent: expect.any(Number), why: 'ha-reserve',
      reason: expect.stringMatching(/^cluster CPU at 40%, memory at [\d.]+%: both < 45% for 2400 s, but no host goes to standby: without host-a HA admission control would not hold \(1 host failure tolerated\)$/),
    } }]);
    expect(tick(withHa, 2410)).toEqual([]);
    expect(evaluateDpm(withHa, { clusterId: 'c1', simTime: 3000 })).toMatchObject({ utilizationPercent: 40, band: 'below', events: [] });
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
    expect(evaluateDpm(state, { clusterId: 'c1', simTime: 0 })).toEqual({ utilizationPercent: 60, memoryPercent: 2.85, band: 'within', events: [] });
    expect(tick(state, 99_999)).toEqual([]);
  });

  describe('memory counts too (vSphere DPM: CPU and memory, 63 +/- 18 % = 45..81 %, idle memory 25 %)', () => {
    /** 9 VMs of 4 vCPU x 8,320 MHz (CPU 30 %, as above), each configured `memoryMiB` with `active` MiB active */
    const memoryBound = (memoryMiB: number, active: number, ...extra: Parameters<typeof given>) => {
      const spec: Partial<VmSpec> = { ...tenth, memoryMiB, workload: { ...tenth.workload!, activeMemoryMiB: active } };
      const three = (host: string) => Array.from({ length: 3 }, (_, i) => runningVm(`${host}-${i}`, host, spec)).flat();
      return given(dpmOn(), hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'), three('host-a'), three('host-b'), three('host-c'), ...extra);
    };

    it('a VM\'s memory demand is active + 25 % of the idle rest: 65,536 MiB with 45,056 active -> 50,176 MiB', () => {
      expect(dpmMemoryDemandMiB(65_536, 45_056)).toBe(50_176);
      expect(dpmMemoryDemandMiB(4096, 256)).toBe(1216);
      expect(dpmMemoryDemandMiB(4096, 9999)).toBe(4096); // active is capped at configured
    });

    it('CPU 30 % but memory 58.71 % (9 x 50,176 of 769,167 MiB): within the band, no host is powered off', () => {
      const state = memoryBound(65_536, 45_056);
      expect(evaluateDpm(state, { clusterId: 'c1', simTime: 0 })).toMatchObject({ utilizationPercent: 30, memoryPercent: 58.71, band: 'within', events: [] });
      expect(tick(state, 2400)).toEqual([]);
      expect(tick(state, 99_999)).toEqual([]);
    });

    it('CPU 30 % but memory 85.07 % (9 x 72,704 MiB): above, 5 min later standby host sb is powered on (63.80 % with it)', () => {
      const state = memoryBound(81_920, 69_632, hostAdded('sb'), { type: 'HostPoweredOff', data: { hostId: 'sb', clusterId: 'c1', reason: 'dpm', standby: true } });
      expect(tick(state, 0)).toEqual([{ type: 'DpmBandChanged', data: { clusterId: 'c1', band: 'above', since: 0, utilizationPercent: 30, memoryPercent: 85.07 } }]);
      expect(tick(state, 300)).toMatchObject([{ type: 'DpmHostPowerOnRecommended', data: {
        hostId: 'sb', utilizationPercent: 30, memoryPercent: 85.07, reason: 'cluster CPU at 30%, memory at 85.07%: memory > 81% for 300 s',
      } }]);
    });

    it('no power-off that leaves the rest over 81 % memory: 2 hosts at CPU 30 % / memory 42.54 % keep both (one would hold 85.07 %)', () => {
      // 6 VMs x (34,816 active + 25 % of 6,144) = 218,112 MiB of 2 x 256,389: 42.54 %, alone 85.07 %; CPU alone 60 %
      const spec: Partial<VmSpec> = { ...tenth, memoryMiB: 40_960, workload: { ...tenth.workload!, activeMemoryMiB: 34_816 } };
      const three = (host: string) => Array.from({ length: 3 }, (_, i) => runningVm(`${host}-${i}`, host, spec)).flat();
      const state = given(dpmOn(), hostAdded('host-a'), hostAdded('host-b'), three('host-a'), three('host-b'));
      expect(tick(state, 0)).toMatchObject([{ data: { band: 'below', utilizationPercent: 30, memoryPercent: 42.54 } }]);
      expect(tick(state, 2400)).toMatchObject([{ type: 'DpmHostPowerOffHeld', data: { hostId: 'host-a', why: 'capacity', reason: expect.stringContaining('without host-a the other hosts would be over 81%') } }]);
      expect(tick(state, 2410)).toEqual([]);
    });
  });
});

describe('DPM says why it powers nothing off (issue 19)', () => {
  it('given an idle cluster whose VMs are pinned to their hosts by must rules, when the window ends, then DpmHostPowerOffHeld evacuation', () => {
    const state = given(dpmOn(), hostAdded('host-a'), hostAdded('host-b'), vms('host-a', 1), vms('host-b', 1));
    evolvePlacement(state, ruleCreated('pin-a', { kind: 'vm-host-must', vms: ['host-a-0'], hosts: ['host-a'] }));
    evolvePlacement(state, ruleCreated('pin-b', { kind: 'vm-host-must', vms: ['host-b-0'], hosts: ['host-b'] }));
    tick(state, 0);
    const held = tick(state, 2400);
    expect(held.map((e) => [e.type, (e.data as { why?: string }).why, (e.data as { hostId?: string }).hostId])).toEqual([['DpmHostPowerOffHeld', 'evacuation', 'host-a']]);
    expect((held[0]!.data as { reason: string }).reason).toContain('the VMs of host-a cannot all move elsewhere');
    expect(tick(state, 2410)).toEqual([]);
  });

  it('given a held power-off, when the band changes and comes back, then it is said again in the new window', () => {
    const hosts = [hostAdded('host-a'), hostAdded('host-b'), hostAdded('host-c'), vms('host-a', 4), vms('host-b', 4), vms('host-c', 4)];
    const state = given(dpmOn(haOne), ...hosts);
    tick(state, 0);
    expect(tick(state, 2400).map((e) => e.type)).toEqual(['DpmHostPowerOffHeld']);
    evolvePlacement(state, { type: 'DpmBandChanged', data: { clusterId: 'c1', band: 'within', since: 2500, utilizationPercent: 50, memoryPercent: 2 } });
    expect(state.clusters['c1']!.dpm).toEqual({ band: 'within', since: 2500 });
    evolvePlacement(state, { type: 'DpmBandChanged', data: { clusterId: 'c1', band: 'below', since: 2600, utilizationPercent: 40, memoryPercent: 2 } });
    expect(tick(state, 5000).map((e) => e.type)).toEqual(['DpmHostPowerOffHeld']);
  });
});
