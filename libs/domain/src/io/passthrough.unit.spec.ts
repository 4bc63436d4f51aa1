import { DiskSpec } from '@virtsim/contracts';
import { vmOf } from './state.js';
import { canLiveMigrate } from './decider.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import { equivalentDeviceFree, freeVgpuProfiles, vgpuSlicesPerGpu } from './host-pci.js';

const gpuHost = (n: number, model = 'Tesla T4', extra: Parameters<typeof hostSpec>[0] = {}) =>
  hostSpec({ pciDevices: Array.from({ length: n }, () => ({ kind: 'gpu' as const, model, vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] })), ...extra });
const nicHost = (n: number) => hostSpec({ pciDevices: Array.from({ length: n }, () => ({ kind: 'nic' as const, model: 'Intel X710 VF' })) });
const gpuVm = vmSpec({ gpus: [{ mode: 'passthrough' }] });
const vgpuVm = (profile: string) => vmSpec({ gpus: [{ mode: 'vgpu', profile }] });
const sriovVm = vmSpec({ nics: [{ model: 'sriov' }] });
const rule = (r: string) => expect.objectContaining({ details: expect.objectContaining({ rule: r }) });

describe('passthrough is exclusive (I4)', () => {
  it('2 GPUs, 3 passthrough VMs: vm-1 gets 0000:01:00.0, vm-2 0000:02:00.0, vm-3 is refused io.passthroughUnavailable naming Tesla T4', () => {
    const h = gpuHost(2);
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', gpuVm, h), attach('vm-2', 'h1', gpuVm, h)).result();
    expect([vmOf(state, 'vm-1')!.devices[0].pciIndex, vmOf(state, 'vm-2')!.devices[0].pciIndex]).toEqual([0, 1]);
    expect(state.hosts.h1.pci.map((p) => p.passthroughVmId)).toEqual(['vm-1', 'vm-2']);
    expect(() => io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', gpuVm, h), attach('vm-2', 'h1', gpuVm, h), attach('vm-3', 'h1', gpuVm, h)).result())
      .toThrow(expect.objectContaining({ code: 'unprocessable', message: expect.stringMatching(/no free passthrough gpu on host h1 .*Tesla T4 \[0000:01:00.0 in use\]/), details: expect.objectContaining({ rule: 'io.passthroughUnavailable' }) }));
  });

  it('a detached VM gives its GPU back: after DetachDevices of vm-1, vm-3 gets GPU 0', () => {
    const h = gpuHost(2);
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', gpuVm, h), attach('vm-2', 'h1', gpuVm, h), { type: 'DetachDevices', vmId: 'vm-1', reason: 'deleted' }, attach('vm-3', 'h1', gpuVm, h)).result();
    expect(vmOf(state, 'vm-3')!.devices[0]).toMatchObject({ pciIndex: 0, hostModel: 'Tesla T4', deviceClass: 'pci' });
  });

  it('no vt-d / iommu / amd-vi in the host CPU features: refused io.iommuRequired', () => {
    const h = gpuHost(1, 'Tesla T4', { features: ['vmx'] });
    expect(() => io.given([]).when(attach('vm-1', 'h1', gpuVm, h)).result()).toThrow(rule('io.iommuRequired'));
    const amd = gpuHost(1, 'Tesla T4', { features: ['svm', 'AMD-Vi'] });
    expect(vmOf(io.given([]).when(attach('vm-1', 'h1', gpuVm, amd)).result().state, 'vm-1')!.devices[0].pciIndex).toBe(0);
  });

  it('10 SR-IOV VFs but 8 assignable slots: VMs 1-8 get a VF, the 9th is refused io.passthroughSlotsExhausted', () => {
    const h = nicHost(10);
    const eight = Array.from({ length: 8 }, (_, i) => attach(`vm-${i + 1}`, 'h1', sriovVm, h));
    const { state } = io.given([hostAdded('h1', h)]).when(...eight).result();
    expect(state.hosts.h1.pci.filter((p) => p.passthroughVmId).length).toBe(8);
    expect(() => io.given([hostAdded('h1', h)]).when(...eight, attach('vm-9', 'h1', sriovVm, h)).result()).toThrow(rule('io.passthroughSlotsExhausted'));
  });
});

describe('vGPU profiles (I6, F3)', () => {
  it('grid-<n>q = n GiB of an 8 GiB GPU: grid-1q 8 slices, grid-2q 4, grid-4q 2, grid-8q 1', () => {
    const profiles = ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'];
    expect(profiles.map((p) => vgpuSlicesPerGpu(p, profiles))).toEqual([8, 4, 2, 1]);
  });

  it('2 GPUs; 2 VMs on grid-2q share GPU 0 (2 of 4 slices); grid-4q goes to GPU 1 (one profile per GPU)', () => {
    const h = gpuHost(2);
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', vgpuVm('grid-2q'), h), attach('vm-2', 'h1', vgpuVm('grid-2q'), h), attach('vm-3', 'h1', vgpuVm('grid-4q'), h)).result();
    expect(state.hosts.h1.pci.map((p) => p.vgpu)).toEqual([
      { profile: 'grid-2q', slices: 4, holders: ['vm-1/gpu-0', 'vm-2/gpu-0'] },
      { profile: 'grid-4q', slices: 2, holders: ['vm-3/gpu-0'] },
    ]);
    expect(freeVgpuProfiles(state, 'h1')).toEqual([{ profile: 'grid-2q', freeSlices: 2, gpus: 1 }, { profile: 'grid-4q', freeSlices: 1, gpus: 1 }]);
  });

  it('both GPUs busy with grid-2q and grid-4q: a grid-1q VM is refused io.passthroughUnavailable; a GPU running vGPU is not offered for passthrough', () => {
    const h = gpuHost(2);
    const given = [hostAdded('h1', h)];
    const busy = [attach('vm-1', 'h1', vgpuVm('grid-2q'), h), attach('vm-3', 'h1', vgpuVm('grid-4q'), h)];
    expect(() => io.given(given).when(...busy, attach('vm-4', 'h1', vgpuVm('grid-1q'), h)).result()).toThrow(rule('io.passthroughUnavailable'));
    expect(() => io.given(given).when(...busy, attach('vm-4', 'h1', gpuVm, h)).result()).toThrow(rule('io.passthroughUnavailable'));
  });

  it('an idle 8 GiB GPU offers grid-1q 8, grid-2q 4, grid-4q 2, grid-8q 1; the last slice released frees the GPU for another profile', () => {
    const h = gpuHost(1);
    const idle = io.given([hostAdded('h1', h)]).when().result().state;
    expect(freeVgpuProfiles(idle, 'h1').map((f) => `${f.profile}:${f.freeSlices}`)).toEqual(['grid-1q:8', 'grid-2q:4', 'grid-4q:2', 'grid-8q:1']);
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', vgpuVm('grid-8q'), h), { type: 'DetachDevices', vmId: 'vm-1', reason: 'deleted' }, attach('vm-2', 'h1', vgpuVm('grid-1q'), h)).result();
    expect(state.hosts.h1.pci[0].vgpu).toEqual({ profile: 'grid-1q', slices: 8, holders: ['vm-2/gpu-0'] });
  });
});

describe('host-bound devices and relocation', () => {
  it('an SR-IOV NIC or a passthrough GPU blocks live migration; MoveDevices live is refused io.passthroughPinned naming eth0', () => {
    const h = nicHost(2);
    const { state, log: events } = io.given([hostAdded('h1', h), hostAdded('h2', h)]).when(attach('vm-1', 'h1', sriovVm, h), { type: 'DiscoverDevices', vmId: 'vm-1' }).result();
    expect(canLiveMigrate(state, 'vm-1')).toEqual({ ok: false, blockingDevices: [{ deviceId: 'nic-0', guestName: 'eth0', mode: 'passthrough', hostModel: 'Intel X710 VF', pciIndex: 0 }] });
    expect(() => io.given(events).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h2', toHost: h, reason: 'live-migration' }).result())
      .toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(/eth0 \(passthrough Intel X710 VF\)/), details: expect.objectContaining({ rule: 'io.passthroughPinned' }) }));
  });

  it('a virtio-only VM live-migrates: devices stay Connected on h2 as domain 1, h1 forgets it', () => {
    const h = hostSpec();
    const { log: events } = io.given([hostAdded('h1', h), hostAdded('h2', h)]).when(attach('vm-1', 'h1', vmSpec({ disks: [{ sizeGiB: 1, bus: 'virtio' }] }), h), { type: 'DiscoverDevices', vmId: 'vm-1' }).result();
    const { state } = io.given(events).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h2', toHost: h, reason: 'live-migration' }).result();
    expect(vmOf(state, 'vm-1')!).toMatchObject({ hostId: 'h2', domId: 1, powered: true });
    expect(vmOf(state, 'vm-1')!.devices[0]).toMatchObject({ frontend: 'Connected', backend: 'Connected' });
    expect([state.hosts.h1.vmIds, state.hosts.h2.vmIds]).toEqual([[], ['vm-1']]);
  });

  it('HA restart of a Tesla T4 passthrough VM: h2 with a free T4 is equivalent, h3 with an A100 is not; the move binds the T4 on h2 and frees h1', () => {
    const given = [hostAdded('h1', gpuHost(1)), hostAdded('h2', gpuHost(1)), hostAdded('h3', gpuHost(1, 'A100'))];
    const { state, log: events } = io.given(given).when(attach('vm-1', 'h1', gpuVm, gpuHost(1))).result();
    const devices = vmOf(state, 'vm-1')!.devices;
    expect(equivalentDeviceFree(state, 'h2', devices)).toEqual({ ok: true, missing: [] });
    expect(equivalentDeviceFree(state, 'h3', devices).missing[0]).toMatch(/no free passthrough gpu Tesla T4 on host h3/);
    const moved = io.given(events).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h2', toHost: gpuHost(1), reason: 'ha-restart' }).result().state;
    expect([moved.hosts.h1.pci[0].passthroughVmId, moved.hosts.h2.pci[0].passthroughVmId]).toEqual([null, 'vm-1']);
    expect(() => io.given(events).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h3', toHost: gpuHost(1, 'A100'), reason: 'ha-restart' }).result()).toThrow(rule('io.passthroughUnavailable'));
  });

  it('a cold move from kvm to a xen host renames a virtio disk /dev/vda -> /dev/xvda', () => {
    const xen = hostSpec({ product: 'xen' });
    const { log: events } = io.given([hostAdded('h1', hostSpec())]).when(attach('vm-1', 'h1', vmSpec({ disks: [{ sizeGiB: 1, bus: 'virtio' }] }), hostSpec())).result();
    const { state } = io.given(events).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'hx', toHost: xen, reason: 'cold-migration' }).result();
    expect(vmOf(state, 'vm-1')!.devices[0]).toMatchObject({ guestName: '/dev/xvda', devId: 51712, frontend: 'Initialising', backend: 'InitWait' });
  });
});

describe('a physical disk or NVMe device passed through (I4)', () => {
  const diskHost = (features?: string[]) => hostSpec({
    ...(features ? { features } : {}),
    pciDevices: [{ kind: 'nvme', model: 'Samsung PM9A3' }, { kind: 'disk', model: 'Seagate Exos X18' }, { kind: 'nvme', model: 'Intel P5510' }],
  });
  const nvmeVm = (model?: string) => vmSpec({ disks: [{ sizeGiB: 40, bus: 'virtio' }, { sizeGiB: 3840, bus: 'passthrough', device: 'nvme', ...(model ? { model } : {}) }] });
  const hddVm = vmSpec({ disks: [{ sizeGiB: 40, bus: 'scsi' }, { sizeGiB: 18000, bus: 'passthrough' }] });

  it('an NVMe device is /dev/nvme0n1 on its own PCI function; a physical disk joins the sd sequence after sda', () => {
    const h = diskHost();
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', nvmeVm(), h), attach('vm-2', 'h1', hddVm, h)).result();
    expect(vmOf(state, 'vm-1')!.devices[1]).toMatchObject({ kind: 'disk', mode: 'passthrough', deviceClass: 'pci', guestName: '/dev/nvme0n1', pciIndex: 0, hostModel: 'Samsung PM9A3' });
    expect(vmOf(state, 'vm-2')!.devices.map((d) => d.guestName)).toEqual(['/dev/sda', '/dev/sdb']);
    expect(vmOf(state, 'vm-2')!.devices[1]).toMatchObject({ pciIndex: 1, hostModel: 'Seagate Exos X18' });
    expect(state.hosts.h1.pci.map((p) => p.passthroughVmId)).toEqual(['vm-1', 'vm-2', null]);
  });

  it('exclusive: the model asked for is taken or refused naming it; another VM gets the other NVMe device', () => {
    const h = diskHost();
    const { state } = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', nvmeVm('Intel P5510'), h), attach('vm-2', 'h1', nvmeVm(), h)).result();
    expect([vmOf(state, 'vm-1')!.devices[1].pciIndex, vmOf(state, 'vm-2')!.devices[1].pciIndex]).toEqual([2, 0]);
    expect(() => io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', nvmeVm('Intel P5510'), h), attach('vm-2', 'h1', nvmeVm('Intel P5510'), h)).result())
      .toThrow(expect.objectContaining({ message: expect.stringMatching(/no free passthrough nvme Intel P5510 on host h1/), details: expect.objectContaining({ rule: 'io.passthroughUnavailable' }) }));
  });

  it('vt-d is required: a host without an IOMMU refuses io.iommuRequired', () => {
    const h = diskHost(['vmx']);
    expect(() => io.given([]).when(attach('vm-1', 'h1', nvmeVm(), h)).result()).toThrow(rule('io.iommuRequired'));
  });

  it('blocks live migration naming the device; MoveDevices live is refused io.passthroughPinned', () => {
    const h = diskHost();
    const given = io.given([hostAdded('h1', h), hostAdded('h2', h)]).when(attach('vm-1', 'h1', nvmeVm(), h));
    const { state } = given.result();
    expect(canLiveMigrate(state, 'vm-1')).toEqual({ ok: false, blockingDevices: [{ deviceId: 'disk-1', guestName: '/dev/nvme0n1', mode: 'passthrough', hostModel: 'Samsung PM9A3', pciIndex: 0 }] });
    expect(() => io.givenState(state).when({ type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h2', toHost: h, reason: 'live-migration' }).result())
      .toThrow(expect.objectContaining({ message: expect.stringContaining('/dev/nvme0n1 (passthrough Samsung PM9A3)'), details: expect.objectContaining({ rule: 'io.passthroughPinned' }) }));
  });

  it('the spec: device and model only with bus passthrough; a passthrough disk has no datastore', () => {
    expect(DiskSpec.safeParse({ sizeGiB: 10, bus: 'virtio', device: 'nvme' }).success).toBe(false);
    expect(DiskSpec.safeParse({ sizeGiB: 10, bus: 'passthrough', datastore: 'ds1' }).success).toBe(false);
    expect(DiskSpec.safeParse({ sizeGiB: 10, bus: 'passthrough', device: 'nvme', model: 'Samsung PM9A3' }).success).toBe(true);
  });
});
