import type { IoEvent, IoVmFigures } from '@virtsim/contracts';
import type { IoCommand } from './decider.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import type { IoState } from './state.js';
import { decideIo, ioDecider } from './decider.js';
import { clusterIoFigures, hostIoFigures, vmIoDemand } from './tick.js';
import { DEFAULT_WORKLOAD, workloadAt } from '../shared/workload.js';
import { hash32 } from '../shared/prng.js';

const h = hostSpec({ pciDevices: [{ kind: 'nic', model: 'Intel X710 VF' }] });
const given = [hostAdded('h1', h), hostAdded('h2', h)];
const on = (vmId: string, hostId: string, spec: ReturnType<typeof vmSpec>): IoCommand[] => [attach(vmId, hostId, spec, h), { type: 'DiscoverDevices', vmId }];
const tick = (simTime: number): IoCommand => ({ type: 'SampleIo', simTime, tickSeconds: 20, scenarioSeed: 1 });
const input = { simTime: 0, tickSeconds: 20, scenarioSeed: 1 };

const neighbour = vmSpec({ disks: [{ sizeGiB: 10, bus: 'virtio' }], workload: { iops: 100, ioSizeKiB: 8, readRatio: 0.7 } });
const passthrough = vmSpec({ nics: [{ model: 'sriov' }], workload: { iops: 1000, ioSizeKiB: 1, readRatio: 0.5 } });
const storm = (nics: number) => vmSpec({ nics: Array.from({ length: nics }, () => ({ model: 'virtio' })), workload: { iops: nics * 1_000_000, ioSizeKiB: 1, readRatio: 0.5 } });
const neighbours = [...on('vm-b', 'h1', neighbour), ...on('vm-c', 'h1', passthrough), ...on('vm-d', 'h2', neighbour)];

const figures = (state: IoState): Record<string, IoVmFigures> =>
  Object.fromEntries(clusterIoFigures(state, input).flatMap((hf) => hf.vms.map((v) => [v.vmId, v])));

describe('Dom0 contention touches only the shared back-end (C2)', () => {
  it('2 saturated virtio NICs ask 2 x 2,600 = 5,200 MHz of a 4 x 2,600 = 10,400 MHz Dom0: neighbours vm-b, vm-c, vm-d unchanged', () => {
    const calm = figures(io.given(given).when(...neighbours).result().state);
    const busy = figures(io.given(given).when(...neighbours, ...on('vm-a', 'h1', storm(2))).result().state);
    expect(busy['vm-a'].dom0CpuMhz).toBeCloseTo(5200, 0);
    for (const id of ['vm-b', 'vm-c', 'vm-d']) expect(busy[id]).toEqual(calm[id]);
  });

  it('8 saturated virtio NICs ask 20,800 MHz: h1 factor 10,400 / 20,801.05 = 0.5; vm-b virtio 100 -> 50 IOPS, 83.96 -> 167.93 us; vm-c passthrough and vm-d on h2 unchanged', () => {
    const calm = figures(io.given(given).when(...neighbours).result().state);
    const { state } = io.given(given).when(...neighbours, ...on('vm-a', 'h1', storm(8))).result();
    const busy = figures(state);
    const host = hostIoFigures(state, state.hosts.h1, input).host;
    expect(host).toMatchObject({ dom0BudgetMhz: 10_400, dom0DemandMhz: 20_801.05, contentionFactor: 0.5, dom0CpuMhz: 10_400 });
    expect([busy['vm-b'].iops, busy['vm-b'].latencyUs]).toEqual([50, 167.93]);
    expect([calm['vm-b'].iops, calm['vm-b'].latencyUs]).toEqual([100, 83.96]);
    expect(busy['vm-c']).toEqual(calm['vm-c']);
    expect(busy['vm-d']).toEqual(calm['vm-d']);
  });
});

describe('IoStatsChanged only on significant change', () => {
  const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

  it('constant workload: the first tick publishes h1 with vm-b (100 IOPS, 0.78 MiB/s, Dom0 1.05 MHz); the next ticks publish nothing', () => {
    const first = io.given(given).when(...on('vm-b', 'h1', neighbour), tick(0)).result();
    const stats = first.log.at(-1) as Extract<IoEvent, { type: 'IoStatsChanged' }>;
    expect(stats.data).toMatchObject({ hostId: 'h1', simTime: 0, vms: [{ vmId: 'vm-b', iops: 100, throughputMiBps: 0.78, dom0CpuMhz: 1.05, exitsPerSecond: 200 }] });
    expect(stats.data.vms[0].devices[0]).toEqual({ deviceId: 'disk-0', mode: 'virtio', exitsPerRequest: 2, exits: 4000, iops: 100, latencyUs: 83.96, throughputMiBps: 0.78, dom0CpuMhz: 1.05 });
    const later = io.given(first.log).when(tick(20), tick(40), tick(3600)).result();
    expect(types(later.log.slice(first.log.length))).toEqual([]);
  });

  it('diurnal workload: silent from 03:00 to 03:01 (< 5%), published again at 09:00', () => {
    const diurnal = vmSpec({ disks: [{ sizeGiB: 10, bus: 'virtio' }], workload: { iops: 1000, pattern: 'diurnal' } });
    const first = io.given(given).when(...on('vm-b', 'h1', diurnal), tick(3 * 3600)).result();
    const next = io.given(first.log).when(tick(3 * 3600 + 60)).result();
    expect(next.log.length).toBe(first.log.length);
    const morning = io.given(first.log).when(tick(9 * 3600)).result();
    expect(types(morning.log.slice(first.log.length))).toEqual(['IoStatsChanged']);
  });

  it('a VM powered off reports zeros once, then nothing', () => {
    const first = io.given(given).when(...on('vm-b', 'h1', neighbour), tick(0), { type: 'CloseDevices', vmId: 'vm-b' }, tick(20)).result();
    const stats = first.log.at(-1) as Extract<IoEvent, { type: 'IoStatsChanged' }>;
    expect(stats.data.vms).toEqual([{ vmId: 'vm-b', iops: 0, throughputMiBps: 0, latencyUs: 0, exitsPerSecond: 0, dom0CpuMhz: 0, exitCpuMhz: 0, devices: [] }]);
    expect(io.given(first.log).when(tick(40)).result().log.length).toBe(first.log.length);
  });

  it('a Windows VM whose virtio NIC has no driver carries no network I/O on it: ide disk 50 IOPS, NIC 0', () => {
    const win = vmSpec({ guestOs: { family: 'windows', version: '2019' }, disks: [{ sizeGiB: 40, bus: 'ide' }], nics: [{ model: 'virtio' }], workload: { iops: 100 } });
    const v = figures(io.given(given).when(...on('vm-w', 'h1', win)).result().state)['vm-w'];
    expect(v.devices.map((d) => `${d.deviceId}:${d.iops}`)).toEqual(['disk-0:50', 'nic-0:0']);
  });
});

describe('I/O demand', () => {
  it('equals workloadAt for constant, diurnal (15:00 = x1.8) and spiky profiles, e.g. 1,000 IOPS diurnal at 15:00 -> 1,800', () => {
    for (const pattern of ['constant', 'diurnal', 'spiky'] as const) {
      const profile = { ...DEFAULT_WORKLOAD, iops: 1000, pattern, seed: hash32('vm-x') };
      for (const simTime of [0, 15 * 3600, 7 * 3600 + 120, 86_400 * 3 + 60 * 17]) {
        const w = workloadAt(profile, 'vm-x', 7, simTime);
        expect(vmIoDemand('vm-x', profile, { simTime, scenarioSeed: 7 })).toEqual({ iops: w.iops, ioSizeKiB: w.ioSizeKiB, readRatio: w.readRatio });
      }
    }
    expect(vmIoDemand('vm-x', { ...DEFAULT_WORKLOAD, iops: 1000, pattern: 'diurnal' }, { simTime: 15 * 3600, scenarioSeed: 1 }).iops).toBeCloseTo(1800, 6);
  });
});

describe('scale', () => {
  // CPU time, not wall time: the test machine is shared, and CPU time is what the tick costs.
  const cpuMs = (f: () => void): number => {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };

  it('one tick over 128 hosts x 8,000 VMs x 3 devices (virtio, sata, e1000), every VM changed (diurnal 0h -> 1h -> ...); steady state emits nothing', () => {
    const hosts = Array.from({ length: 128 }, (_, i) => `h${String(i).padStart(3, '0')}`);
    const spec = vmSpec({ disks: [{ sizeGiB: 10, bus: 'virtio' }, { sizeGiB: 10, bus: 'sata' }], nics: [{ model: 'e1000' }], workload: { pattern: 'diurnal' } });
    const commands = Array.from({ length: 8000 }, (_, i) => on(`vm-${String(i).padStart(4, '0')}`, hosts[i % 128], spec)).flat();
    const { state } = io.given(hosts.map((id) => hostAdded(id, h))).when(...commands).result();
    const timings: number[] = [];
    let events: IoEvent[] = [];
    for (let t = 0; t < 6; t++) timings.push(cpuMs(() => { events = decideIo(tick(t * 3600), state); }));
    expect(events.length).toBe(128);
    expect(events.reduce((n, e) => n + (e.type === 'IoStatsChanged' ? e.data.vms.length : 0), 0)).toBe(8000);
    // timing is measured by `npm run bench`, never asserted: a loaded CI machine is no benchmark
    console.log(`timing (io tick.unit.spec.ts): best cpu ms = ${Math.min(...timings)}`);
    const published = events.reduce(ioDecider.evolve, state);
    expect(decideIo(tick(5 * 3600 + 20), published)).toEqual([]);
  });
});
