import { VirtsimError } from '@virtsim/contracts';
import { admissionCheck, admissionReport, admissionUsage } from './admission.js';
import { clusterCreated, given, hostAdded, runningVm } from './ha.fixtures.js';

// 4 hosts x 64 GiB (65536 MiB) and 16 cores; cpuOvercommitRatio 4 -> 64 vCPUs each.
const hosts = ['h-1', 'h-2', 'h-3', 'h-4'].map((id) => hostAdded(id, { memoryMiB: 65536, cores: 16 }));
const vms = (n: number) => Array.from({ length: n }, (_, i) => runningVm(`vm-${i}`, `h-${(i % 4) + 1}`, { memoryMiB: 16384, vcpus: 4 })).flat();

function refusal(fn: () => void): VirtsimError {
  try { fn(); } catch (e) { return e as VirtsimError; }
  throw new Error('expected a refusal');
}

describe('HA admission control (cluster resource percentage, N largest hosts reserved)', () => {
  it('1 failure tolerated on 4 x 65536 MiB: 65536 MiB = 25% reserved, 196608 available; 12 x 16 GiB used -> a 13th is refused with numbers', () => {
    const state = given([clusterCreated({ hostFailuresTolerated: 1 }), ...hosts, ...vms(12)]);
    const e = refusal(() => admissionCheck(state, { vmId: 'vm-new', name: 'db-1', vcpus: 4, memoryMiB: 16384 }));
    expect(e.code).toBe('conflict');
    expect(e.details).toMatchObject({
      rule: 'ha.admissionControl', policy: 'cluster-resource-percentage', hostFailuresTolerated: 1, resource: 'memory',
      capacity: 262144, reserved: 65536, reservedPercent: 25, used: 196608, requested: 16384, available: 196608,
    });
    expect(e.message).toContain('VM db-1');
    expect(e.message).toContain('196608 + 16384 MiB > 196608 MiB available');
  });

  it('a usage counted once serves every check at that state: the same report, the checked VM left out when it counts', () => {
    const state = given([clusterCreated({ hostFailuresTolerated: 1 }), ...hosts, ...vms(12)]);
    const usage = admissionUsage(state);
    expect(usage).toEqual({ memoryMiB: 12 * 16384, vcpus: 12 * 4 });
    for (const vmId of [undefined, 'vm-3', 'vm-unknown']) expect(admissionReport(state, vmId, usage)).toEqual(admissionReport(state, vmId));
    expect(admissionReport(state, 'vm-3', usage).resources[0]!.used).toBe(11 * 16384);
  });

  it('11 x 16 GiB used: one more 16 GiB VM fits exactly (180224 + 16384 = 196608)', () => {
    const state = given([clusterCreated({ hostFailuresTolerated: 1 }), ...hosts, ...vms(11)]);
    expect(() => admissionCheck(state, { vcpus: 4, memoryMiB: 16384 })).not.toThrow();
  });

  it('unequal hosts: 2 tolerated on 128+64+64+32 GiB reserves the two largest (192 GiB = 66.7%)', () => {
    const mixed = [hostAdded('h-1', { memoryMiB: 131072 }), hostAdded('h-2', { memoryMiB: 65536 }), hostAdded('h-3', { memoryMiB: 65536 }), hostAdded('h-4', { memoryMiB: 32768 })];
    const report = admissionReport(given([clusterCreated({ hostFailuresTolerated: 2 }), ...mixed]));
    expect(report.resources[0]).toMatchObject({ resource: 'memory', capacity: 294912, reserved: 196608, reservedPercent: 66.7, available: 98304 });
  });

  it('vCPUs are checked too: 4 x 64 vCPU slots, 1 reserved -> 192; 12 x 16 vCPUs used + 4 is refused on vcpus', () => {
    const big = Array.from({ length: 12 }, (_, i) => runningVm(`vm-${i}`, `h-${(i % 4) + 1}`, { memoryMiB: 1024, vcpus: 16 })).flat();
    const state = given([clusterCreated({ hostFailuresTolerated: 1 }), ...hosts, ...big]);
    const e = refusal(() => admissionCheck(state, { vcpus: 4, memoryMiB: 1024 }));
    expect(e.details).toMatchObject({ resource: 'vcpus', capacity: 256, reserved: 64, used: 192, available: 192 });
  });

  it('a VM already running is not counted twice when re-checked; HA disabled or 0 failures tolerated admits everything', () => {
    const state = given([clusterCreated({ hostFailuresTolerated: 1 }), ...hosts, ...vms(12)]);
    expect(() => admissionCheck(state, { vmId: 'vm-0', vcpus: 4, memoryMiB: 16384 })).not.toThrow();
    expect(() => admissionCheck(given([clusterCreated({ enabled: false }), ...hosts, ...vms(12)]), { vcpus: 4, memoryMiB: 65536 })).not.toThrow();
    expect(() => admissionCheck(given([clusterCreated({ hostFailuresTolerated: 0 }), ...hosts, ...vms(12)]), { vcpus: 4, memoryMiB: 65536 })).not.toThrow();
  });
});
