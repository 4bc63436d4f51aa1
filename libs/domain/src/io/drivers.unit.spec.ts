import { vmOf } from './state.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import { pvDriverSource } from './guest-drivers.js';

const windows = { family: 'windows', version: '2019' };
const given = [hostAdded('h1', hostSpec())];
const boot = (spec: ReturnType<typeof vmSpec>) => io.given(given).when(attach('vm-w', 'h1', spec, hostSpec()), { type: 'DiscoverDevices', vmId: 'vm-w' }).result();

describe('PV drivers at power-on (F1, I3)', () => {
  it('a Linux guest ships virtio: virtio disk + virtio NIC all Connected', () => {
    const { log: events } = boot(vmSpec({ disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ model: 'virtio' }] }));
    expect(events.at(-1)).toEqual({ type: 'IoDevicesDiscovered', data: { vmId: 'vm-w', hostId: 'h1', domId: 1, connected: ['disk-0', 'nic-0'], unbound: [] } });
  });

  it('Windows 2019 with a virtio disk and no Tools fails to boot: conflict io.virtioDriverMissing naming the VM and Disk 0', () => {
    const spec = vmSpec({ guestOs: windows, disks: [{ sizeGiB: 40, bus: 'virtio' }] });
    expect(() => boot(spec)).toThrow(expect.objectContaining({
      code: 'conflict', message: expect.stringMatching(/VM vm-w cannot boot: driver missing for virtio disk Disk 0/), details: expect.objectContaining({ rule: 'io.virtioDriverMissing', deviceId: 'disk-0' }),
    }));
  });

  it('Windows with a virtio disk boots with Tools installed, or with a virtio-drivers floppy at install', () => {
    const disk = [{ sizeGiB: 40, bus: 'virtio' }];
    expect(boot(vmSpec({ guestOs: windows, disks: disk, toolsInstalled: true })).log.at(-1)?.type).toBe('IoDevicesDiscovered');
    expect(boot(vmSpec({ guestOs: windows, disks: disk, floppies: [{ media: 'virtio-drivers' }] })).log.at(-1)?.type).toBe('IoDevicesDiscovered');
  });

  it('Windows with an ide disk and a virtio NIC, no Tools: boots, Ethernet has no driver (front-end stays Initialising); InstallGuestTools connects it', () => {
    const { log: events, state } = boot(vmSpec({ guestOs: windows, disks: [{ sizeGiB: 40, bus: 'ide' }], nics: [{ model: 'virtio' }] }));
    const discovered = events.at(-1);
    expect(discovered?.type === 'IoDevicesDiscovered' && discovered.data.connected).toEqual(['disk-0']);
    expect(discovered?.type === 'IoDevicesDiscovered' && discovered.data.unbound[0].reason).toMatch(/^NIC Ethernet has no driver, no network/);
    expect(vmOf(state, 'vm-w')!.devices[1]).toMatchObject({ frontend: 'Initialising', backend: 'InitWait' });
    const after = io.given(events).when({ type: 'InstallGuestTools', vmId: 'vm-w' }).result();
    expect(vmOf(after.state, 'vm-w')!.devices[1]).toMatchObject({ frontend: 'Connected', backend: 'Connected' });
  });

  it('the virtio-drivers floppy carries the disk driver only: Windows virtio NIC stays unbound with it', () => {
    const { log: events } = boot(vmSpec({ guestOs: windows, disks: [{ sizeGiB: 40, bus: 'virtio' }], floppies: [{ media: 'virtio-drivers' }], nics: [{ model: 'virtio' }] }));
    const discovered = events.at(-1);
    expect(discovered?.type === 'IoDevicesDiscovered' && discovered.data.unbound.map((u) => u.deviceId)).toEqual(['nic-0']);
  });

  it('NeoKylin 6.0 needs a custom driver build: the floppy does not help, Tools do; NeoKylin 7.0 and Ubuntu are inbox; Windows needs Tools', () => {
    const neo6 = { family: 'linux', distro: 'NeoKylin', version: '6.0' };
    expect(pvDriverSource(neo6 as never)).toBe('custom');
    expect(pvDriverSource({ family: 'linux', distro: 'neokylin', version: '7.0' })).toBe('inbox');
    expect(pvDriverSource({ family: 'linux', distro: 'ubuntu', version: '22.04' })).toBe('inbox');
    expect(pvDriverSource({ family: 'windows', version: '2019' })).toBe('tools');
    const disk = [{ sizeGiB: 40, bus: 'virtio' }];
    expect(() => boot(vmSpec({ guestOs: neo6, disks: disk, floppies: [{ media: 'virtio-drivers' }] })))
      .toThrow(expect.objectContaining({ message: expect.stringMatching(/custom PV disk driver/), details: expect.objectContaining({ rule: 'io.virtioDriverMissing' }) }));
    expect(boot(vmSpec({ guestOs: neo6, disks: disk, toolsInstalled: true })).log.at(-1)?.type).toBe('IoDevicesDiscovered');
  });
});
