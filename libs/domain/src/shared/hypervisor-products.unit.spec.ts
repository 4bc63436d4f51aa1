// C6: hypervisor products per type, and what each changes (worked numbers).
import { HostSpec } from '@virtsim/contracts';
import { hostCpuCapacity } from '../cpu/capacity.js';
import { vmChargedDemand } from '../cpu/charged-overhead.js';
import { cpuLayout } from '../cpu/host-view.js';
import { guestDeviceModel, nameDisks } from '../io/naming.js';
import { hypervisorMiB } from '../memory/overhead.js';
import { workloadAt } from './workload.js';
import { VmSpec } from '@virtsim/contracts';

const cpu = { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 2000, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] };
const host = (type: string, product: string, mode = 'hardware-assisted') => HostSpec.safeParse({ name: 'h', cpu, memoryMiB: 65_536, hypervisor: { type, mode, product } });

describe('hypervisor products per type (C6)', () => {
  it('type 1: esx, xen, kvm; type 2: workstation, kvm; esx / xen hosted and workstation on bare metal are refused', () => {
    expect(['esx', 'xen', 'kvm'].map((p) => host('type1', p).success)).toEqual([true, true, true]);
    expect(['workstation', 'kvm'].map((p) => host('type2', p).success)).toEqual([true, true]);
    expect(host('type2', 'esx').error!.issues[0]!.message).toBe('product esx with type type2: ESXi is a type 1 (bare-metal) hypervisor; use type type1, or product workstation / kvm for a hosted VMM');
    expect(host('type1', 'workstation').error!.issues[0]!.message).toContain('a Workstation-like VMM is hosted (type 2) and needs a host OS');
    expect(host('type1', 'esx', 'paravirtual').error!.issues[0]!.path).toEqual(['hypervisor', 'mode']);
  });

  it('CPU reserved: esx keeps 2 % of 8,000 MHz = 160 (like kvm, no Dom0; xen 400); workstation leaves the host OS 10 % = 800', () => {
    expect(hostCpuCapacity(cpu, { type: 'type1', product: 'esx' })).toMatchObject({ hypervisorReservedMhz: 160, availableMhz: 7840 });
    expect(hostCpuCapacity(cpu, { type: 'type1', product: 'xen' }).hypervisorReservedMhz).toBe(400);
    expect(hostCpuCapacity(cpu, { type: 'type2', product: 'workstation' })).toMatchObject({ hostOsReservedMhz: 800, hypervisorReservedMhz: 0, availableMhz: 7200 });
  });

  it('memory kept: esx ceil(512 + 2 % x 65,536) = 1,823 MiB (no Dom0; xen adds 1,024); workstation 2,048 + 10 % = 8,602', () => {
    expect(hypervisorMiB(host('type1', 'esx').data!)).toBe(1823);
    expect(hypervisorMiB(host('type1', 'xen').data!)).toBe(2847);
    expect(hypervisorMiB(host('type2', 'workstation').data!)).toBe(8602);
  });

  it('who runs where: esx exits land in the vmkernel, devices in the VMX user world; workstation adds the host OS kernel', () => {
    expect(cpuLayout('hardware-assisted', 'type1', 'esx').map((p) => p.party).slice(0, 2)).toEqual(['vmkernel', 'vmx (vmkernel user world)']);
    expect(cpuLayout('hardware-assisted', 'type2', 'workstation').map((p) => p.party).slice(0, 3)).toEqual(['host OS kernel', 'vmmon (host kernel driver)', 'vmware-vmx (host process)']);
  });

  it('guest devices: an ESXi guest sees pvscsi (/dev/sda, in the SCSI sequence) and vmxnet3; kvm virtio-blk /dev/vda; xen /dev/xvda', () => {
    const disks = [{ bus: 'scsi' as const }, { bus: 'virtio' as const }];
    expect(nameDisks(disks, 'linux', 'esx').map((d) => d.guestName)).toEqual(['/dev/sda', '/dev/sdb']);
    expect(nameDisks(disks, 'linux', 'kvm').map((d) => d.guestName)).toEqual(['/dev/sda', '/dev/vda']);
    expect(nameDisks(disks, 'linux', 'xen').map((d) => d.guestName)).toEqual(['/dev/sda', '/dev/xvda']);
    expect([guestDeviceModel('disk', 'virtio', 'esx'), guestDeviceModel('nic', 'virtio', 'esx'), guestDeviceModel('nic', 'virtio', 'workstation')]).toEqual(['pvscsi', 'vmxnet3', 'vmxnet3']);
    expect([guestDeviceModel('nic', 'virtio', 'kvm'), guestDeviceModel('nic', 'virtio', 'xen'), guestDeviceModel('nic', 'e1000', 'esx')]).toEqual(['virtio-net', 'xen-netfront', 'e1000']);
  });

  it('type 2: each VM is a host process; its host scheduling (5 % of its cycles) is in the CPU demand charged to the host', () => {
    const vm = VmSpec.parse({ name: 'v', clusterId: 'c', vcpus: 1, memoryMiB: 4096, guestOs: { family: 'linux', version: '22.04' }, disks: [], nics: [], workload: { cpuDemandMhz: 1000, iops: 0 } });
    const charge = (h: HostSpec) => vmChargedDemand({ vmId: 'v', spec: vm, host: h, sample: workloadAt(vm.workload, 'v', 1, 0), numaFactor: 1, memorySlowdown: 1 });
    const t1 = charge(host('type1', 'kvm').data!), t2 = charge(host('type2', 'workstation').data!);
    // the cycles of the type 1 run (1,000 MHz of work + its mode overhead) x 1.05
    expect(t2.cpuModeMhz).toBeCloseTo((1000 + t1.cpuModeMhz) * 1.05 - 1000, 0);
    expect(t2.cpuModeMhz - t1.cpuModeMhz).toBeGreaterThan(50);
  });
});
