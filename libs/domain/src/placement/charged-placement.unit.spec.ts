// Issue 15: initial placement weighs the charged CPU (workload + virtualization overhead + Dom0 back-end), not
// only vCPU and memory shares: a host whose VMs do emulated I/O is more loaded than the same host with virtio.
import type { VmSpec } from '@virtsim/contracts';
import { clusterCreated, given, hostAdded, runningVm, vmSpec } from './fixtures.spec.js';
import { placeVm } from './place.js';

// 4 vCPUs, 16,000 MHz of work and 40,000 IOPS of 4 KiB on one disk: on a 2 x 8 x 2 x 2,600 = 83,200 MHz host
const busy = (bus: 'ide' | 'virtio'): Partial<VmSpec> => ({
  vcpus: 4, memoryMiB: 4096, disks: [{ sizeGiB: 40, bus }],
  workload: { cpuDemandMhz: 16000, activeMemoryMiB: 1024, dirtyRateMiBps: 10, iops: 40000, ioSizeKiB: 4, readRatio: 0.7, pattern: 'constant' },
});

describe('placement sees the charged CPU (issue 15)', () => {
  const state = () => given(clusterCreated(), hostAdded('host-a'), hostAdded('host-b'), ...runningVm('emu', 'host-a', busy('ide')), ...runningVm('vio', 'host-b', busy('virtio')));

  it("the emulated VM's host carries 16,000 MHz + IDE exits (432) + QEMU in Dom0 (1,920) + VT-x / EPT; the virtio one much less", () => {
    const s = state();
    const a = s.hosts['host-a']!.alloc.chargedMhz;
    const b = s.hosts['host-b']!.alloc.chargedMhz;
    // IDE: 9 exits x 1,200 cycles x 40,000 = 432 MHz; 8 accesses x 6,000 cycles x 40,000 = 1,920 MHz in Dom0
    expect(a - b).toBeGreaterThan(432 + 1920 - 400);
    expect(a).toBeGreaterThan(16000 + 432 + 1920);
  });

  it('a new VM goes to the virtio host: same vCPUs and memory on both, but host-a is charged more (old code: host-a by name)', () => {
    const decision = placeVm(state(), { vmId: 'new', spec: vmSpec('new', { vcpus: 1, memoryMiB: 1024 }) });
    expect(decision.hostId).toBe('host-b');
  });

  it('detaching gives the charge back exactly', () => {
    const s = given(clusterCreated(), hostAdded('host-a'), ...runningVm('emu', 'host-a', busy('ide')));
    expect(s.hosts['host-a']!.alloc.chargedMhz).toBeGreaterThan(0);
    const after = given(clusterCreated(), hostAdded('host-a'), ...runningVm('emu', 'host-a', busy('ide')),
      { type: 'VmDeleted', data: { vmId: 'emu', clusterId: 'c1' } } as never);
    expect(after.hosts['host-a']!.alloc.chargedMhz).toBe(0);
  });
});
