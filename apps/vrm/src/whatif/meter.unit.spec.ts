import { figures, meterEvent, newMeter } from './meter.js';

const ev = (position: number, type: string, data: Record<string, unknown>) => ({ position, type, data });
const sample = (hostId: string, utilizationPercent: number, ready: number[]) =>
  ({ hostId, utilizationPercent, vms: ready.map((readyPercent, i) => ({ vmId: `vm${i}`, readyPercent })) });

it('counts only what happened after the fork, samples every tick after it', () => {
  const m = newMeter(6);
  [
    ev(1, 'HostAdded', { hostId: 'h1' }), ev(2, 'HostAdded', { hostId: 'h2' }),
    ev(3, 'VmCreationRequested', { vmId: 'a' }), ev(4, 'VmStateChanged', { vmId: 'a', to: 'running' }),
    ev(5, 'VmRestarted', { vmId: 'a' }), ev(6, 'CpuSchedulingSampled', sample('h1', 80, [1, 2])),
    ev(7, 'ClockAdvanced', { tickSeconds: 1800 }),
    ev(8, 'CpuSchedulingSampled', sample('h2', 20, [30])), ev(9, 'VmRestarted', { vmId: 'a' }),
    ev(10, 'HostPoweredOff', { hostId: 'h2', standby: true }), ev(11, 'BalloonInflated', { vmId: 'a', balloonedMiB: 512 }),
    ev(12, 'ClockAdvanced', { tickSeconds: 1800 }), ev(13, 'InvariantViolated', { invariant: 'x' }),
  ].forEach((e) => meterEvent(m, e));
  const f = figures(m);
  expect(f).toMatchObject({ vmsRunning: 1, vmsFailed: 0, haRestarts: 1, hostsOn: 1, hostHours: 1.5, balloonedMiB: 512, invariantBreaches: 1 });
  // tick 1: h1 only sampled (80 %): imbalance 0; tick 2: h1 alone on: 0. Ready samples: 1, 2 (tick 1) + 1, 2 (tick 2)
  expect(f.imbalance).toEqual({ mean: 0, max: 0, end: 0, series: [0, 0] });
  expect([f.cpuReadyP50, f.cpuReadyP99]).toEqual([1, 2]);
});

it('imbalance is the standard deviation of the utilization of the hosts on', () => {
  const m = newMeter(0);
  [ev(1, 'HostAdded', { hostId: 'h1' }), ev(2, 'HostAdded', { hostId: 'h2' }),
    ev(3, 'CpuSchedulingSampled', sample('h1', 80, [])), ev(4, 'CpuSchedulingSampled', sample('h2', 20, [])),
    ev(5, 'ClockAdvanced', { tickSeconds: 10 })].forEach((e) => meterEvent(m, e));
  expect(figures(m).imbalance.max).toBe(0.3);
});

it('HA recovery time: from a host fault after the fork to the last of its VMs restarted elsewhere', () => {
  const m = newMeter(2);
  const at = (position: number, type: string, data: Record<string, unknown>, simTime: number) => ({ position, type, data, metadata: { simTime } });
  [
    at(1, 'HostAdded', { hostId: 'h1' }, 0), at(2, 'HostAdded', { hostId: 'h2' }, 0),
    at(3, 'HostFaultInjected', { hostId: 'h1', kind: 'power-loss' }, 600), at(4, 'HostFailureDetected', { hostId: 'h1' }, 630),
    at(5, 'VmRestarted', { vmId: 'a', fromHostId: 'h1', hostId: 'h2' }, 640), at(6, 'VmRestarted', { vmId: 'b', fromHostId: 'h1', hostId: 'h2' }, 660),
  ].forEach((e) => meterEvent(m, e));
  expect(figures(m).haRecoverySeconds).toBe(60);
  expect(figures(newMeter(0)).haRecoverySeconds).toBeNull();
});
