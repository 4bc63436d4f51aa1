import { defaultInstructionMix, vmCpuOverhead } from './workload-mix.js';
import type { CpuHostProfile } from './executor.js';

const hw: CpuHostProfile = { hostId: 'h1', cpu: { arch: 'x86', features: ['vmx'] }, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' } };

describe('default instruction mix of a workload', () => {
  it('Linux, 500 MHz, 100 IOPS: 5e8 instr/s; 20 + 20 per million privileged / sensitive = 10,000 each; 800 io; 15 % kernel', () => {
    expect(defaultInstructionMix({ cpuDemandMhz: 500, iops: 100 }, 'linux')).toEqual({
      kernel: { privileged: 10_000, 'sensitive-unprivileged': 10_000, io: 800, ordinary: 75_000_000 - 20_800 },
      user: { ordinary: 425_000_000 },
    });
  });

  it('on PowerPC the sensitive operations are privileged instructions: 20,000 privileged, no sensitive-unprivileged key', () => {
    const mix = defaultInstructionMix({ cpuDemandMhz: 500, iops: 0 }, 'linux', 'powerpc');
    expect(mix.kernel).toEqual({ privileged: 20_000, io: 0, ordinary: 75_000_000 - 20_000 });
  });

  it('per-VM overhead under VT-x without EPT: (5,900,000 + 100,000 + 6,560,000 + 499,979,200 - 501,379,200) / 501,379,200 = 2.23 % = 11.2 MHz of 500', () => {
    // native = 10,000 x 50 + 10,000 x 10 + 800 x 1,000 + 499,979,200 ordinary = 501,379,200
    // privileged: 8 of 20 exit without EPT (vtx-exits.ts): 10,000 x (0.6 x 50 + 0.4 x 1,400) = 5,900,000; 4,000 + 800 I/O exits
    const r = vmCpuOverhead({ host: hw, guest: { vmId: 'vm-1', family: 'linux' }, workload: { cpuDemandMhz: 500, iops: 100 } });
    expect([r.mode, r.totals.vmExits, r.overheadPercent, r.overheadMhz]).toEqual(['hardware-assisted', 4_800, 2.23, 11.2]);
  });

  it('an idle VM (0 MHz) has 0 % overhead', () => {
    expect(vmCpuOverhead({ host: hw, guest: { family: 'windows' }, workload: { cpuDemandMhz: 0 } }).overheadPercent).toBe(0);
  });
});
