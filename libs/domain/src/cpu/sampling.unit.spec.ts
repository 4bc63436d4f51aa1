import type { CpuEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { cpuSamplingDecider, type CpuSamplingCommand } from './sampling.js';
import { scheduleHostCpu, type VmCpuDemand } from './scheduler.js';

// Host of 4 threads x 2,500 MHz = 10,000 MHz; utilization % = demand / 100 while uncontended.
const schedule = (hostId: string, vms: Partial<VmCpuDemand>[]) => scheduleHostCpu({
  hostId, threads: 4, mhzPerThread: 2500, capacityMhz: 10_000,
  vms: vms.map((v, i) => ({ vmId: `vm${i}`, vcpus: 4, demandMhz: 1000, shares: 1000, reservationMhz: 0, ...v })),
});
const sample = (simTime: number, ...schedules: ReturnType<typeof schedule>[]): CpuSamplingCommand =>
  ({ type: 'SampleCpuScheduling', clusterId: 'c1', simTime, schedules });
const sampling = spec(cpuSamplingDecider);
const when = (events: CpuEvent[], cmd: CpuSamplingCommand) => sampling.given(events).when(cmd).result().events;
const reasons = (events: CpuEvent[]) => events.map((e) => `${e.type}:${e.data.hostId}${e.type === 'CpuSchedulingSampled' ? `:${e.data.reason}` : ''}`);

describe('CPU sampling events (P3)', () => {
  const first = when([], sample(0, schedule('h2', [{ demandMhz: 5000 }]), schedule('h1', [{ demandMhz: 5000 }])));

  it('given nothing, when 2 hosts are sampled, then CpuSchedulingSampled for h1 then h2 (first-sample), 50 % utilization', () => {
    expect(reasons(first)).toEqual(['CpuSchedulingSampled:h1:first-sample', 'CpuSchedulingSampled:h2:first-sample']);
    expect(first[0]!.data).toMatchObject({ clusterId: 'c1', simTime: 0, utilizationPercent: 50, vms: [{ vmId: 'vm0', usageMhz: 5000, readyPercent: 0 }] });
  });

  it('given a sample at 50 %, when the constant workload is sampled again, then no event', () => {
    sampling.given(first).when(sample(10, schedule('h1', [{ demandMhz: 5000 }]), schedule('h2', [{ demandMhz: 5000 }]))).thenNothingHappened();
  });

  it('drift is measured from the published sample: 51.5 % (+1.5 pp, +3 % demand) stays silent, 52 % (+2 pp) is recorded', () => {
    const h2 = schedule('h2', [{ demandMhz: 5000 }]);
    sampling.given(first).when(sample(10, schedule('h1', [{ demandMhz: 5150 }]), h2)).thenNothingHappened();
    expect(reasons(when(first, sample(20, schedule('h1', [{ demandMhz: 5200 }]), h2)))).toEqual(['CpuSchedulingSampled:h1:utilization']);
  });

  it('a VM added to h1 is recorded as vm-set-changed even if utilization barely moves (+10 MHz)', () => {
    const cmd = sample(10, schedule('h1', [{ demandMhz: 5000 }, { demandMhz: 10 }]), schedule('h2', [{ demandMhz: 5000 }]));
    expect(reasons(when(first, cmd))).toEqual(['CpuSchedulingSampled:h1:vm-set-changed']);
  });

  it('one VM shifting 300 MHz to another (host totals unchanged) is recorded as vm-usage: 300 >= max(10, 5 % of 2,500)', () => {
    const before = when([], sample(0, schedule('h1', [{ demandMhz: 2500 }, { demandMhz: 2500 }])));
    const after = sample(10, schedule('h1', [{ demandMhz: 2200 }, { demandMhz: 2800 }]));
    expect(reasons(when(before, after))).toEqual(['CpuSchedulingSampled:h1:vm-usage']);
  });

  it('a host missing from the sample (powered off) is stopped, and evolve forgets it', () => {
    const { events, state } = sampling.given(first).when(sample(10, schedule('h1', [{ demandMhz: 5000 }]))).result();
    expect(reasons(events)).toEqual(['CpuHostSamplingStopped:h2']);
    expect(Object.keys(state.hosts)).toEqual(['h1']);
  });

  it('a host sampled twice in one command is invalid', () => {
    sampling.given([]).when(sample(0, schedule('h1', []), schedule('h1', []))).thenThrows('invalid');
  });

  it('event data is JSON-serializable: a round trip through JSON is equal', () => {
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });
});
