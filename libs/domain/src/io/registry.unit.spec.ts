import { vmOf } from './state.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import type { IoState } from './state.js';
import { registryOf, connectWalk, closeWalk } from './xenbus.js';

const linuxVm = vmSpec({ disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ model: 'virtio' }] });
const given = [hostAdded('h1', hostSpec())];

const table = (state: IoState, vmId: string) => registryOf(vmOf(state, vmId)!).map((e) => `${e.path} ${e.state}`);

describe('XenStore-like registry (I1, I3)', () => {
  it('given host h1, when AttachDevices: dom 1 gets front-ends Initialising under /local/domain/1 and back-ends InitWait under /local/domain/0/backend', () => {
    const { state, log: events } = io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec())).result();
    expect(events.map((e) => e.type)).toEqual(['HostAdded', 'IoDevicesAttached']);
    expect(table(state, 'vm-1')).toEqual([
      '/local/domain/1/device/vbd/64512 Initialising', '/local/domain/0/backend/vbd/1/64512 InitWait',
      '/local/domain/1/device/vif/0 Initialising', '/local/domain/0/backend/vif/1/0 InitWait',
    ]);
  });

  it('the second VM on the host is domain 2; a host io has not seen is registered first (IoHostRegistered)', () => {
    const { state, log: events } = io.given([]).when(attach('vm-1', 'h1', linuxVm, hostSpec()), attach('vm-2', 'h1', linuxVm, hostSpec())).result();
    expect(events.map((e) => e.type)).toEqual(['IoHostRegistered', 'IoDevicesAttached', 'IoDevicesAttached']);
    expect([vmOf(state, 'vm-1')!.domId, vmOf(state, 'vm-2')!.domId]).toEqual([1, 2]);
  });

  it('when DiscoverDevices (power-on): front-end Initialising -> Initialised -> Connected, back-end InitWait -> Connected', () => {
    const { state } = io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec()), { type: 'DiscoverDevices', vmId: 'vm-1' }).result();
    expect(table(state, 'vm-1').every((l) => l.endsWith(' Connected'))).toBe(true);
    expect(connectWalk({ frontend: 'Initialising', backend: 'InitWait' }, true)).toEqual({ frontend: ['Initialising', 'Initialised', 'Connected'], backend: ['InitWait', 'Connected'] });
  });

  it('when CloseDevices (power-off): Connected -> Closing -> Closed on both sides; power-on again reconnects from Closed', () => {
    const off = io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec()), { type: 'DiscoverDevices', vmId: 'vm-1' }, { type: 'CloseDevices', vmId: 'vm-1' }).result();
    expect(off.log.at(-1)).toEqual({ type: 'IoDevicesClosed', data: { vmId: 'vm-1', hostId: 'h1', domId: 1 } });
    expect(table(off.state, 'vm-1').every((l) => l.endsWith(' Closed'))).toBe(true);
    expect(closeWalk({ frontend: 'Connected', backend: 'Connected' })).toEqual({ frontend: ['Connected', 'Closing', 'Closed'], backend: ['Connected', 'Closing', 'Closed'] });
    expect(connectWalk({ frontend: 'Closed', backend: 'Closed' }, true).frontend).toEqual(['Closed', 'Initialising', 'Initialised', 'Connected']);
    const on = io.given(off.log).when({ type: 'DiscoverDevices', vmId: 'vm-1' }).result();
    expect(table(on.state, 'vm-1').every((l) => l.endsWith(' Connected'))).toBe(true);
  });

  it('saga retries are no-ops: AttachDevices twice on h1, DiscoverDevices twice, CloseDevices on a stopped VM, DetachDevices of an unknown VM', () => {
    const { log: events } = io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec()), attach('vm-1', 'h1', linuxVm, hostSpec()),
      { type: 'DiscoverDevices', vmId: 'vm-1' }, { type: 'DiscoverDevices', vmId: 'vm-1' },
      { type: 'CloseDevices', vmId: 'vm-1' }, { type: 'CloseDevices', vmId: 'vm-1' }, { type: 'DetachDevices', vmId: 'vm-9', reason: 'compensation' },).result();
    expect(events.map((e) => e.type)).toEqual(['HostAdded', 'IoDevicesAttached', 'IoDevicesDiscovered', 'IoDevicesClosed']);
  });

  it('DiscoverDevices of a VM without devices is refused io.notAttached; AttachDevices of a VM attached elsewhere io.devicesAttached', () => {
    expect(() => io.given(given).when({ type: 'DiscoverDevices', vmId: 'vm-1' }).result()).toThrow(expect.objectContaining({ code: 'conflict', details: expect.objectContaining({ rule: 'io.notAttached' }) }));
    expect(() => io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec()), attach('vm-1', 'h2', linuxVm, hostSpec())).result())
      .toThrow(expect.objectContaining({ details: expect.objectContaining({ rule: 'io.devicesAttached', hostId: 'h1' }) }));
  });

  it('when DetachDevices: the VM and its registry entries are gone', () => {
    const { state, log: events } = io.given(given).when(attach('vm-1', 'h1', linuxVm, hostSpec()), { type: 'DetachDevices', vmId: 'vm-1', reason: 'deleted' }).result();
    expect(events.at(-1)).toEqual({ type: 'IoDevicesDetached', data: { vmId: 'vm-1', hostId: 'h1', reason: 'deleted', releasedPci: [] } });
    expect(vmOf(state, 'vm-1')).toBeUndefined();
    expect(state.hosts.h1.vmIds).toEqual([]);
  });
});
