import { driveLetters, nameDisks, nicName, vbdDevId } from './naming.js';
import { attach, hostAdded, hostSpec, io, vmSpec } from './fixtures.spec.js';
import { evolveIo } from './evolve.js';
import { vmOf } from './state.js';

const names = (buses: string[], family: 'linux' | 'windows' = 'linux', product: 'kvm' | 'xen' = 'kvm') =>
  nameDisks(buses.map((bus) => ({ bus: bus as 'ide' })), family, product).map((d) => d.guestName);

describe('guest disk names follow the bus (I5)', () => {
  it('ide, ide -> /dev/hda, /dev/hdb', () => {
    expect(names(['ide', 'ide'])).toEqual(['/dev/hda', '/dev/hdb']);
  });

  it('sata, scsi, sata share ONE sequence -> /dev/sda, /dev/sdb, /dev/sdc', () => {
    expect(names(['sata', 'scsi', 'sata'])).toEqual(['/dev/sda', '/dev/sdb', '/dev/sdc']);
  });

  it('virtio, virtio -> /dev/vda, /dev/vdb on kvm', () => {
    expect(names(['virtio', 'virtio'])).toEqual(['/dev/vda', '/dev/vdb']);
  });

  it('ide, sata, virtio, scsi, ide keep one counter per driver -> hda, sda, vda, sdb, hdb', () => {
    expect(names(['ide', 'sata', 'virtio', 'scsi', 'ide'])).toEqual(['/dev/hda', '/dev/sda', '/dev/vda', '/dev/sdb', '/dev/hdb']);
  });

  it('on a xen host a virtio disk is a PV disk: xen, virtio -> /dev/xvda, /dev/xvdb', () => {
    expect(names(['xen', 'virtio'], 'linux', 'xen')).toEqual(['/dev/xvda', '/dev/xvdb']);
  });

  it('Windows numbers disks in order whatever the bus: ide, virtio, scsi -> Disk 0, Disk 1, Disk 2', () => {
    expect(names(['ide', 'virtio', 'scsi'], 'windows')).toEqual(['Disk 0', 'Disk 1', 'Disk 2']);
  });

  it('letters after z: index 25 -> z, 26 -> aa, 27 -> ab, 701 -> zz, 702 -> aaa', () => {
    expect([25, 26, 27, 701, 702].map(driveLetters)).toEqual(['z', 'aa', 'ab', 'zz', 'aaa']);
  });
});

describe('NIC names', () => {
  it('Linux eth0, eth1, eth2; Windows Ethernet, Ethernet 2, Ethernet 3', () => {
    expect([0, 1, 2].map((i) => nicName(i, 'linux'))).toEqual(['eth0', 'eth1', 'eth2']);
    expect([0, 1, 2].map((i) => nicName(i, 'windows'))).toEqual(['Ethernet', 'Ethernet 2', 'Ethernet 3']);
  });
});

describe('XenStore vbd ids (xen vbd-interface encoding)', () => {
  it('xvda = 202<<8 = 51712, xvdb = 51728, sda = 8<<8 = 2048, hda = 768, hdb = 832, hdc = 22<<8 = 5632, xvdq (16th) = 268439552', () => {
    expect([vbdDevId('xvd', 0), vbdDevId('xvd', 1), vbdDevId('sd', 0), vbdDevId('hd', 0), vbdDevId('hd', 1), vbdDevId('hd', 2), vbdDevId('xvd', 16)])
      .toEqual([51712, 51728, 2048, 768, 832, 5632, (1 << 28) | (16 << 8)]);
  });
});

describe('AttachDevices names every device of the VM', () => {
  it('given a Linux VM with ide, sata, scsi, virtio disks, a floppy, e1000 + virtio NICs: hda, sda, sdb, vda, fd0, eth0, eth1', () => {
    const spec = vmSpec({ disks: [{ sizeGiB: 10, bus: 'ide' }, { sizeGiB: 10, bus: 'sata' }, { sizeGiB: 10, bus: 'scsi' }, { sizeGiB: 10, bus: 'virtio' }],
      floppies: [{ media: 'virtio-drivers' }], nics: [{ model: 'e1000' }, { model: 'virtio' }] });
    const { events } = io.given([]).when(attach('vm-1', 'h1', spec, hostSpec())).result();
    const attached = events.find((e) => e.type === 'IoDevicesAttached');
    expect(attached?.type === 'IoDevicesAttached' && attached.data.devices.map((d) => `${d.deviceId}=${d.guestName}:${d.mode}`)).toEqual([
      'disk-0=/dev/hda:emulated', 'disk-1=/dev/sda:emulated', 'disk-2=/dev/sdb:emulated', 'disk-3=/dev/vda:virtio',
      'floppy-0=/dev/fd0:emulated', 'nic-0=eth0:emulated', 'nic-1=eth1:virtio',
    ]);
  });

  it('a xen bus disk on a kvm host is refused io.busUnsupported; 5 IDE disks are refused io.ideChannelsFull (2 channels x 2)', () => {
    const xen = vmSpec({ disks: [{ sizeGiB: 10, bus: 'xen' }] });
    const ide5 = vmSpec({ disks: Array.from({ length: 5 }, () => ({ sizeGiB: 1, bus: 'ide' })) });
    io.given([]).when(attach('vm-1', 'h1', xen, hostSpec())).thenThrows('unprocessable', { rule: 'io.busUnsupported' });
    io.given([]).when(attach('vm-1', 'h1', ide5, hostSpec())).thenThrows('unprocessable', { rule: 'io.ideChannelsFull' });
  });
});

describe('devices plugged into an existing VM are named by the bus rules (I5)', () => {
  const h = hostSpec();
  const spec = vmSpec({ disks: [{ sizeGiB: 20, bus: 'virtio' }, { sizeGiB: 20, bus: 'scsi' }], nics: [{ model: 'virtio' }] });
  const changed = (disks: unknown[], nics: unknown[], change: object) =>
    ({ type: 'VmDevicesChanged', data: { vmId: 'vm-1', clusterId: 'c1', disks, nics, change } }) as never;
  const base = io.given([hostAdded('h1', h)]).when(attach('vm-1', 'h1', spec, h), { type: 'DiscoverDevices', vmId: 'vm-1' }).result().state;

  it('a virtio disk added to the running VM is /dev/vdb and connects; a second NIC is eth1', () => {
    const disks = [...spec.disks, { sizeGiB: 50, bus: 'virtio' }];
    const after = evolveIo(base, changed(disks, spec.nics, { op: 'add', kind: 'disk', index: 2, hotPlug: true }));
    expect(vmOf(after, 'vm-1')!.devices.filter((d) => d.kind === 'disk').map((d) => [d.deviceId, d.guestName, d.frontend]))
      .toEqual([['disk-0', '/dev/vda', 'Connected'], ['disk-1', '/dev/sda', 'Connected'], ['disk-2', '/dev/vdb', 'Connected']]);
    const nics = evolveIo(after, changed(disks, [{ model: 'virtio' }, { model: 'e1000' }], { op: 'add', kind: 'nic', index: 1, hotPlug: true }));
    expect(vmOf(nics, 'vm-1')!.devices.filter((d) => d.kind === 'nic').map((d) => [d.guestName, d.mode, d.devId])).toEqual([['eth0', 'virtio', 0], ['eth1', 'emulated', 1]]);
  });

  it('removing /dev/vda renames the next virtio disk /dev/vda (the sd sequence is untouched)', () => {
    const after = evolveIo(base, changed([{ sizeGiB: 20, bus: 'scsi' }], spec.nics, { op: 'remove', kind: 'disk', index: 0, hotPlug: true }));
    expect(vmOf(after, 'vm-1')!.devices.filter((d) => d.kind === 'disk').map((d) => [d.deviceId, d.guestName, d.model])).toEqual([['disk-0', '/dev/sda', 'scsi']]);
  });
});
