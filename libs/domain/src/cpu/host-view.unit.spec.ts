import type { HostSpec } from '@virtsim/contracts';
import { cpuLayout, hostCpuVirtualization } from './host-view.js';

const cpu: HostSpec['cpu'] = { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'E5-2640 v3', arch: 'x86', features: ['vmx', 'ept'] };

describe('per-host CPU virtualization view', () => {
  it('KVM hardware-assisted: KVM root ring 0, QEMU root ring 3, guest kernel non-root ring 0, apps non-root ring 3', () => {
    expect(cpuLayout('hardware-assisted', 'type1', 'kvm')).toEqual([
      { party: 'kvm', ring: 0, vmx: 'root' }, { party: 'qemu', ring: 3, vmx: 'root' },
      { party: 'guest kernel', ring: 0, vmx: 'non-root' }, { party: 'guest applications', ring: 3, vmx: 'non-root' },
    ]);
  });

  it('type 2 binary translation: host OS ring 0, VMM ring 0, guest kernel de-privileged to ring 1', () => {
    expect(cpuLayout('full', 'type2', 'kvm').map((p) => `${p.party}@${p.ring}`)).toEqual(['host OS kernel@0', 'vmm@0', 'guest kernel@1', 'guest applications@3']);
  });

  it('a Xen paravirtual host accepts Linux, refuses Windows (cpu.paravirtualGuest), 32 threads, 79,040 MHz after Dom0', () => {
    const v = hostCpuVirtualization('h1', { cpu, hypervisor: { type: 'type1', mode: 'paravirtual', product: 'xen' } });
    expect(v.guests).toEqual({ linux: { accepted: true }, windows: { accepted: false, rule: 'cpu.paravirtualGuest' } });
    expect([v.capacity.threads, v.capacity.availableMhz, v.referenceOverheadPercent.windows]).toEqual([32, 79_040, null]);
    expect(v.referenceOverheadPercent.linux).toBeGreaterThan(0);
  });

  it('a host without vmx in hardware-assisted mode accepts no guest (cpu.hardwareAssist)', () => {
    const v = hostCpuVirtualization('h2', { cpu: { ...cpu, features: [] }, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' } });
    expect([v.hardwareAssistAvailable, v.guests.linux.rule, v.guests.windows.rule]).toEqual([false, 'cpu.hardwareAssist', 'cpu.hardwareAssist']);
  });
});
