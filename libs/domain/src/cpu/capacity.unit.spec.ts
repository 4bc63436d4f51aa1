import { VirtsimError } from '@virtsim/contracts';
import { assertHostCpuAdmission, checkHostCpuAdmission, hostCpuCapacity, type CpuAdmissionInput } from './capacity.js';

const RH2288 = { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600 };

describe('host CPU capacity (P1, C6)', () => {
  it('2 sockets x 8 cores x 2 threads = 32 vCPUs; 32 x 2600 = 83,200 MHz; type 1 KVM keeps 2 % = 1,664 -> 81,536 MHz for VMs', () => {
    expect(hostCpuCapacity(RH2288, { type: 'type1', product: 'kvm' })).toEqual({
      threads: 32, mhzPerThread: 2600, totalMhz: 83_200, hostOsReservedMhz: 0, hypervisorReservedMhz: 1664, availableMhz: 81_536,
    });
  });

  it('type 1 Xen reserves 5 % for Dom0: 83,200 x 0.05 = 4,160 -> 79,040 MHz', () => {
    const c = hostCpuCapacity(RH2288, { type: 'type1', product: 'xen' });
    expect([c.hypervisorReservedMhz, c.availableMhz]).toEqual([4160, 79_040]);
  });

  it('type 2 host OS takes 10 %: 83,200 x 0.1 = 8,320 -> 74,880 MHz, no hypervisor reserve', () => {
    const c = hostCpuCapacity(RH2288, { type: 'type2' });
    expect([c.hostOsReservedMhz, c.hypervisorReservedMhz, c.availableMhz]).toEqual([8320, 0, 74_880]);
  });
});

describe('CPU admission on a 32-thread host, cluster ratio 4 (limit 128 vCPUs), 81,536 MHz', () => {
  const input = (vm: Partial<CpuAdmissionInput['vm']>, committed = { vcpus: 120, reservationMhz: 80_000 }): CpuAdmissionInput => ({
    hostId: 'h1', capacity: { threads: 32, availableMhz: 81_536 }, overcommitRatio: 4, committed,
    vm: { vmId: 'vm-9', vcpus: 8, reservationMhz: 0, ...vm },
  });

  it('120 + 8 = 128 vCPUs <= 32 x 4 is admitted', () => {
    expect(checkHostCpuAdmission(input({}))).toEqual({ ok: true, vcpuLimit: 128, vcpusAfter: 128, reservationAfterMhz: 80_000 });
  });

  it('120 + 9 = 129 vCPUs > 128 is refused by cpu.vcpuOvercommit naming VM and host', () => {
    expect(() => assertHostCpuAdmission(input({ vcpus: 9 }))).toThrow(expect.objectContaining({
      code: 'conflict', details: expect.objectContaining({ rule: 'cpu.vcpuOvercommit', vmId: 'vm-9', hostId: 'h1', vcpusAfter: 129 }),
    }));
  });

  it('one VM of 33 vCPUs never fits a 32-thread host, even empty (cpu.vmVcpusExceedHost)', () => {
    const r = checkHostCpuAdmission(input({ vcpus: 33 }, { vcpus: 0, reservationMhz: 0 }));
    expect(r.ok ? null : r.rule).toBe('cpu.vmVcpusExceedHost');
  });

  it('reservations are never overcommitted: 80,000 + 1,536 = 81,536 fits, 80,000 + 1,537 is refused (cpu.reservation)', () => {
    expect(checkHostCpuAdmission(input({ vcpus: 1, reservationMhz: 1536 })).ok).toBe(true);
    let err: unknown;
    try { assertHostCpuAdmission(input({ vcpus: 1, reservationMhz: 1537 })); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(VirtsimError);
    expect((err as VirtsimError).details.rule).toBe('cpu.reservation');
    expect((err as VirtsimError).message).toContain('host h1');
  });
});
