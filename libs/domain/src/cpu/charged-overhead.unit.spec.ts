// Issue 15: the virtualization overhead charged to the host, with worked numbers (cpu/charged-overhead.ts).
import { HostSpec, VmSpec } from '@virtsim/contracts';
import { workloadAt } from '../shared/workload.js';
import { cpuModeOverheadPercent, hostDom0Charge, vmChargedDemand, vmEffectivePerformance } from './charged-overhead.js';

const host = (mode: 'hardware-assisted' | 'full', features: string[], product: 'kvm' | 'xen' = 'kvm') => HostSpec.parse({
  name: 'h', memoryMiB: 65536, hypervisor: { type: 'type1', mode, product },
  cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 2000, vendor: 'intel', model: 'Xeon', features },
});
const vm = (over: Record<string, unknown> = {}) => VmSpec.parse({
  name: 'v', clusterId: 'c', vcpus: 1, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' },
  disks: [{ sizeGiB: 40, bus: 'ide' }], workload: { cpuDemandMhz: 900, iops: 20000, ioSizeKiB: 4, activeMemoryMiB: 1024 }, ...over,
});
const charge = (spec: VmSpec, h: HostSpec, numaFactor = 1, memorySlowdown = 1) =>
  vmChargedDemand({ vmId: 'v', spec, host: h, sample: workloadAt(spec.workload, 'v', 1, 0), numaFactor, memorySlowdown });
const ept = host('hardware-assisted', ['vmx', 'ept']);

describe('charged overhead (issue 15)', () => {
  it('I2: an emulated IDE disk at 20,000 IOPS charges 216 MHz of VM exits to the VM and 960 MHz to Dom0', () => {
    // exits: (8 register accesses + 1 completion) x 1,200 cycles x 20,000 /s = 216 MHz; Dom0: 8 x 6,000 x 20,000 = 960 MHz
    const c = charge(vm(), ept);
    expect(c).toMatchObject({ workloadMhz: 900, ioExitMhz: 216, dom0Mhz: 960 });
    expect(c.demandMhz).toBe(Math.round((900 + c.cpuModeMhz + c.translationMhz + 216) * 10) / 10);
  });

  it('I3: the same disk on virtio: one kick per batch of 2 (24 MHz), Dom0 (2,500 + 8,000 / 2) x 20,000 = 130 MHz', () => {
    expect(charge(vm({ disks: [{ sizeGiB: 40, bus: 'virtio' }] }), ept)).toMatchObject({ ioExitMhz: 24, dom0Mhz: 130 });
  });

  it('I3: a virtio disk without a guest driver (Windows, no Tools, no floppy) carries no I/O, so nothing is charged', () => {
    const win = vm({ guestOs: { family: 'windows', version: '2019' }, disks: [{ sizeGiB: 40, bus: 'virtio' }] });
    expect(charge(win, ept)).toMatchObject({ ioExitMhz: 0, dom0Mhz: 0 });
  });

  it('I4: passthrough (SR-IOV NIC) charges nothing: no exits, no back-end', () => {
    expect(charge(vm({ disks: [], nics: [{ model: 'sriov' }] }), ept)).toMatchObject({ ioExitMhz: 0, dom0Mhz: 0 });
  });

  it('C5: the CPU mode overhead is charged, I/O excluded; binary translation costs more than VT-x', () => {
    const hw = cpuModeOverheadPercent(ept, 'linux');
    const bt = cpuModeOverheadPercent(host('full', ['vmx', 'ept']), 'linux');
    expect(hw).toBeGreaterThan(0);
    expect(bt).toBeGreaterThan(hw);
    expect(charge(vm({ disks: [] }), ept).cpuModeMhz).toBe(Math.round(9 * hw * 10) / 10);
  });

  it('M2: shadow page tables (no EPT) cost more than EPT for this workload', () => {
    const shadow = charge(vm({ disks: [] }), host('hardware-assisted', ['vmx']));
    const withEpt = charge(vm({ disks: [] }), ept);
    // shadow: (5,000 + 0.1 x 10 MiB/s x 256) PTE writes/s x 3,000 cycles = 15.8 MHz of sync traps
    expect(shadow.translationMhz).toBe(15.8);
    expect(withEpt.translationMhz).toBeLessThan(shadow.translationMhz);
  });

  it('P4: a VM spread evenly over two NUMA nodes (factor 1.15) demands 15 % more for the same work', () => {
    const local = charge(vm({ disks: [] }), ept);
    const spread = charge(vm({ disks: [] }), ept, 1.15);
    expect(spread.numaMhz).toBe(Math.round((local.demandMhz * 0.15) * 10) / 10);
    expect(spread.demandMhz).toBeCloseTo(local.demandMhz * 1.15, 0);
    // fully served, it still takes 1.15x as long per unit of work
    expect(vmEffectivePerformance(spread, spread.demandMhz)).toEqual({ throughputPercent: 100, latencyFactor: 1.15 });
  });

  it('M4: swapping is no CPU demand but divides throughput: slowdown 2.5 and 80 % of the CPU served -> 32 %, latency x3.125', () => {
    const c = charge(vm({ disks: [] }), ept, 1, 2.5);
    expect(c.demandMhz).toBe(charge(vm({ disks: [] }), ept).demandMhz);
    expect(vmEffectivePerformance(c, c.demandMhz * 0.8)).toEqual({ throughputPercent: 32, latencyFactor: 3.125 });
  });

  it('I3: Dom0 is counted once: back-end work inside the reservation costs VMs nothing more, beyond it is taken from them', () => {
    expect(hostDom0Charge(120, { reservedMhz: 160, budgetMhz: 8000 })).toEqual({ servedMhz: 120, beyondReservationMhz: 0 });
    expect(hostDom0Charge(3840, { reservedMhz: 160, budgetMhz: 8000 })).toEqual({ servedMhz: 3840, beyondReservationMhz: 3680 });
    // above Dom0's budget the io-backend throttles the devices: only the budget is served
    expect(hostDom0Charge(12000, { reservedMhz: 160, budgetMhz: 8000 })).toEqual({ servedMhz: 8000, beyondReservationMhz: 7840 });
  });
});
