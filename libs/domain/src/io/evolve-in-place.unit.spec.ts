import type { IoCommand } from './decider.js';
import { evolveIo, evolveIoInPlace, overlay, type IoInputEvent } from './evolve.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import { initialIoState } from './state.js';

const h = hostSpec({ pciDevices: [
  { kind: 'gpu', model: 'Tesla T4', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] },
  { kind: 'gpu', model: 'Tesla T4', vgpuProfiles: ['grid-1q', 'grid-2q', 'grid-4q', 'grid-8q'] },
  { kind: 'nic', model: 'Intel X710 VF' },
] });
const linux = vmSpec({ disks: [{ sizeGiB: 10, bus: 'virtio' }, { sizeGiB: 10, bus: 'sata' }], nics: [{ model: 'virtio' }], workload: { iops: 5000 } });
const windows = vmSpec({ guestOs: { family: 'windows', version: '2019' }, disks: [{ sizeGiB: 10, bus: 'ide' }], nics: [{ model: 'virtio' }] });
const sample = (simTime: number): IoCommand => ({ type: 'SampleIo', simTime, tickSeconds: 10, scenarioSeed: 1 });

const commands: IoCommand[] = [
  attach('vm-1', 'h1', linux, h),
  attach('vm-2', 'h1', vmSpec({ gpus: [{ mode: 'vgpu', profile: 'grid-2q' }] }), h),
  attach('vm-3', 'h1', vmSpec({ gpus: [{ mode: 'vgpu', profile: 'grid-2q' }], nics: [{ model: 'sriov' }] }), h),
  attach('vm-4', 'h1', vmSpec({ gpus: [{ mode: 'passthrough' }] }), h),
  attach('vm-5', 'h2', windows, h),
  { type: 'DiscoverDevices', vmId: 'vm-1' },
  { type: 'DiscoverDevices', vmId: 'vm-3' },
  { type: 'DiscoverDevices', vmId: 'vm-5' },
  sample(10),
  { type: 'InstallGuestTools', vmId: 'vm-5' },
  { type: 'MoveDevices', vmId: 'vm-1', toHostId: 'h2', toHost: h, reason: 'live-migration' },
  { type: 'CloseDevices', vmId: 'vm-3' },
  { type: 'MoveDevices', vmId: 'vm-3', toHostId: 'h2', toHost: h, reason: 'cold-migration' },
  sample(20),
  { type: 'DetachDevices', vmId: 'vm-2', reason: 'deleted' },
  { type: 'DetachDevices', vmId: 'vm-4', reason: 'deleted' },
  sample(30),
];

describe('evolveIoInPlace', () => {
  it('folds every io event to the same state as the pure evolveIo, without touching event data', () => {
    const { log: events } = io.given([hostAdded('h1', h), hostAdded('h2', h), hostAdded('h1', h)]).when(...commands).result();
    const types = new Set(events.map((e) => e.type));
    for (const t of ['HostAdded', 'IoDevicesAttached', 'IoDevicesDiscovered', 'IoStatsChanged', 'IoGuestToolsInstalled', 'IoDevicesMoved', 'IoDevicesClosed', 'IoDevicesDetached']) expect(types).toContain(t);
    const frozen = JSON.stringify(events);
    const pure = events.reduce(evolveIo, initialIoState());
    let inPlace = initialIoState();
    events.forEach((e, i) => {
      inPlace = evolveIoInPlace(inPlace, e as IoInputEvent);
      expect(inPlace).toEqual(events.slice(0, i + 1).reduce(evolveIo, initialIoState()));
    });
    expect(inPlace).toEqual(pure);
    expect(JSON.stringify(events)).toBe(frozen);
  });

  it('evolveIo leaves its input state untouched, event after event (the decider and replay share states)', () => {
    const { log: events } = io.given([hostAdded('h1', h), hostAdded('h2', h)]).when(...commands).result();
    let state = initialIoState();
    for (const e of events) {
      const before = JSON.stringify(state);
      const next = evolveIo(state, e as IoInputEvent);
      expect(JSON.stringify(state)).toBe(before);
      state = next;
    }
  });

  it('overlay: the events applied onto it read as the pure fold, and its base state is never touched', () => {
    const { log: events } = io.given([hostAdded('h1', h), hostAdded('h2', h)]).when(...commands).result();
    const base = events.slice(0, 2).reduce(evolveIo, initialIoState());
    const before = JSON.stringify(base);
    const ov = overlay(base);
    for (const e of events.slice(2)) ov.apply([e as IoInputEvent]);
    expect(JSON.parse(JSON.stringify(ov.state))).toEqual(events.reduce(evolveIo, initialIoState()));
    expect(JSON.stringify(base)).toBe(before);
  });
});
