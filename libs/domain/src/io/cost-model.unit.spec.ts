import { contentionFactor, deviceLoad, devicePathCost, virtioBatchSize } from './cost-model.js';

const MHZ = 2600;
const light = { iops: 100, ioSizeKiB: 8, readRatio: 0.7 };

describe('per-request cost of each device path (I2-I4), host at 2,600 MHz, disk native latency 0.7 x 100 + 0.3 x 30 = 79 us', () => {
  it('emulated IDE: 8 task-file accesses trap + 1 EOI = 9 exits, 18 VM<->hypervisor and 16 QEMU<->hypervisor switches per request', () => {
    const c = devicePathCost('emulated', 'ide', 'disk', light, MHZ);
    expect([c.exitsPerRequest, c.trappedAccessesPerRequest, c.vmHypervisorSwitches, c.qemuHypervisorSwitches]).toEqual([9, 8, 18, 16]);
  });

  it('emulated IDE at 100 IOPS: 9 x 1,200 + 8 x 6,000 = 58,800 cycles = 22.62 us -> 101.62 us, 900 exits/s, Dom0 100 x 48,000 = 4.8 MHz', () => {
    const d = deviceLoad('emulated', 'ide', 'disk', light, MHZ);
    expect(d.latencyUs).toBeCloseTo(101.62, 2);
    expect(d.exitsPerSecond).toBe(900);
    expect(d.dom0CpuMhz).toBeCloseTo(4.8, 6);
  });

  it('virtio at 100 IOPS: batch 1 (100 x 79 us in flight = 0.008), 2 exits per request, Dom0 100 x 10,500 = 1.05 MHz, latency 79 + 12,900/2,600 = 83.96 us', () => {
    const d = deviceLoad('virtio', 'virtio', 'disk', light, MHZ);
    expect([d.cost.batchSize, d.cost.exitsPerRequest, d.exitsPerSecond]).toEqual([1, 2, 200]);
    expect(d.dom0CpuMhz).toBeCloseTo(1.05, 6);
    expect(d.latencyUs).toBeCloseTo(83.96, 2);
  });

  it('virtio batches what is in flight: 100,000 IOPS x 79 us = 7.9 -> batch 8, 2/8 = 0.25 exits per request; capped at the 256-entry virtqueue', () => {
    expect(deviceLoad('virtio', 'virtio', 'disk', { iops: 100_000, ioSizeKiB: 4, readRatio: 0.7 }, MHZ).cost.exitsPerRequest).toBe(0.25);
    expect(virtioBatchSize(10_000_000, 100)).toBe(256);
  });

  it('passthrough: 0 exits, no Dom0 work, latency 79 x 1.02 = 80.58 us', () => {
    const d = deviceLoad('passthrough', 'sriov', 'disk', light, MHZ);
    expect([d.exitsPerSecond, d.dom0CpuMhz]).toEqual([0, 0]);
    expect(d.latencyUs).toBeCloseTo(80.58, 2);
  });

  it('same workload (100 IOPS): exits emulated SATA 500/s >> virtio 200/s >> passthrough 0; latency 90.54 > 83.96 > 80.58 us', () => {
    const [e, v, p] = (['emulated', 'virtio', 'passthrough'] as const).map((m) => deviceLoad(m, 'sata', 'disk', light, MHZ));
    expect([e.exitsPerSecond, v.exitsPerSecond, p.exitsPerSecond]).toEqual([500, 200, 0]);
    expect([e.latencyUs, v.latencyUs, p.latencyUs].map((x) => Math.round(x * 100) / 100)).toEqual([90.54, 83.96, 80.58]);
  });

  it('same NIC storm (1M packets/s of 1 KiB): throughput e1000 114,035 pps = 111.36 MiB/s < virtio 857,143 pps = 837.05 MiB/s < passthrough 1M = 976.56 MiB/s', () => {
    const storm = { iops: 1_000_000, ioSizeKiB: 1, readRatio: 0.5 };
    const e = deviceLoad('emulated', 'e1000', 'nic', storm, MHZ);
    const v = deviceLoad('virtio', 'virtio', 'nic', storm, MHZ);
    const p = deviceLoad('passthrough', 'sriov', 'nic', storm, MHZ);
    expect(e.throughputMiBps).toBeCloseTo(111.36, 2);
    expect(v.cost.batchSize).toBe(15);
    expect(v.throughputMiBps).toBeCloseTo(837.05, 2);
    expect(p.throughputMiBps).toBeCloseTo(976.56, 2);
    expect([e.cost.exitsPerRequest, v.cost.exitsPerRequest, p.cost.exitsPerRequest]).toEqual([4, 2 / 15, 0]);
  });

  it('saturated paths queue: emulated IDE at 100,000 IOPS sustains 2.6e9 / 58,800 = 44,218 IOPS, latency x 2.26 = 229.8 us', () => {
    const d = deviceLoad('emulated', 'ide', 'disk', { iops: 100_000, ioSizeKiB: 4, readRatio: 0.7 }, MHZ);
    expect(d.iops).toBeCloseTo(44_217.69, 1);
    expect(d.latencyUs).toBeCloseTo(229.8, 1);
  });

  it('Dom0 contention: 20,800 MHz asked of a 10,400 MHz budget -> factor 0.5; within budget -> 1', () => {
    expect(contentionFactor(20_800, 10_400)).toBe(0.5);
    expect(contentionFactor(10_400, 10_400)).toBe(1);
  });
});
