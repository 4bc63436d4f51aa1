// Guest device names (I5) and XenStore device ids.
//
// Linux names a disk after the driver that owns its bus, one letter sequence per driver:
//   ide -> /dev/hda, hdb...  (IDE has 2 channels x master/slave = 4 devices)
//   sata and scsi -> ONE shared sequence /dev/sda, sdb... (both are driven by the SCSI disk layer, sd)
//   virtio -> /dev/vda...
//   xen -> /dev/xvda...
//   passthrough (I4): a host's physical disk (with its controller) is driven by the SCSI disk layer too, so it
//   joins the sd sequence; an NVMe device is /dev/nvme0n1, nvme1n1... (controller n, namespace 1).
// Choice for a virtio disk on a xen-product host: Dom0's blkback serves it as a Xen PV disk, so the guest
// sees xen-blkfront and names it /dev/xvdX, in the same sequence as 'xen' bus disks. On an esx or workstation
// host it is VMware's paravirtual SCSI HBA (pvscsi): the SCSI disk layer names it /dev/sdX, in the sd sequence.
// Windows numbers disks in configuration order, whatever the bus: 'Disk 0', 'Disk 1'...
// NICs: Linux eth0, eth1...; Windows 'Ethernet', 'Ethernet 2', 'Ethernet 3'...
import type { DiskSpec } from '@virtsim/contracts';
import { PRODUCTS, type HypervisorProduct } from '../shared/hypervisor-products.js';

export type GuestFamily = 'linux' | 'windows';
export type { HypervisorProduct };

/** Bijective base-26 letters as Linux assigns them: 0 -> a, 25 -> z, 26 -> aa, 27 -> ab. */
export function driveLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    n -= 1;
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

export type DiskPrefix = 'hd' | 'sd' | 'vd' | 'xvd' | 'nvme';

/** The Linux disk driver prefix a bus ends up under on a host product. */
export function linuxDiskPrefix(bus: DiskSpec['bus'], product: HypervisorProduct, device: DiskSpec['device'] = 'disk'): DiskPrefix {
  if (bus === 'ide') return 'hd';
  if (bus === 'passthrough') return device === 'nvme' ? 'nvme' : 'sd';
  if (bus === 'sata' || bus === 'scsi') return 'sd';
  if (bus === 'virtio') return PRODUCTS[product].pvDiskPrefix;
  return 'xvd';
}

export interface NamedDisk { guestName: string; devId: number }

/** Names and XenStore vbd ids of a VM's disks, in configuration order. */
export function nameDisks(disks: readonly Pick<DiskSpec, 'bus' | 'device'>[], family: GuestFamily, product: HypervisorProduct): NamedDisk[] {
  const next: Record<string, number> = {};
  return disks.map((disk, i) => {
    const prefix = linuxDiskPrefix(disk.bus, product, disk.device);
    const n = next[prefix] ?? 0;
    next[prefix] = n + 1;
    const linux = prefix === 'nvme' ? `/dev/nvme${n}n1` : `/dev/${prefix}${driveLetters(n)}`;
    const guestName = family === 'windows' ? `Disk ${i}` : linux;
    return { guestName, devId: vbdDevId(prefix, n) };
  });
}

/** Xen vbd-interface encoding (xen docs/misc/vbd-interface.txt): xvd major 202, sd major 8 (disk << 4),
 *  hd majors 3 / 22 with the slave at minor 64; disks >= 16 use the extended form (1 << 28) | disk << 8.
 *  virtio-blk has a dynamic major on Linux; 252 is what it usually gets. */
export function vbdDevId(prefix: DiskPrefix, n: number): number {
  if (prefix === 'hd') return ((n < 2 ? 3 : 22) << 8) | ((n % 2) * 64);
  if (n >= 16) return (1 << 28) | (n << 8);
  // an NVMe device is no vbd (a PCI function: devices.ts numbers it among the VM's PCI devices); 259 is blkext
  const major = prefix === 'sd' ? 8 : prefix === 'vd' ? 252 : prefix === 'nvme' ? 259 : 202;
  return (major << 8) | (n << 4);
}

export const nicName = (index: number, family: GuestFamily): string =>
  family === 'windows' ? (index === 0 ? 'Ethernet' : `Ethernet ${index + 1}`) : `eth${index}`;

export const floppyName = (index: number, family: GuestFamily): string =>
  family === 'windows' ? `${String.fromCharCode(65 + index)}:` : `/dev/fd${index}`;

export const gpuName = (index: number, family: GuestFamily): string =>
  family === 'windows' ? `Display adapter ${index + 1}` : `/dev/dri/card${index}`;

/** Floppies are vbds too (major 2, fd0 = 512). */
export const floppyDevId = (index: number): number => (2 << 8) | index;

/** The device model the guest sees (C6): a paravirtual ('virtio' in the spec) disk or NIC is the host product's own
 *  (virtio-blk / xen-blkfront / pvscsi, virtio-net / xen-netfront / vmxnet3); a 'xen' bus disk is blkfront;
 *  emulated and passthrough devices are what the spec names. */
export function guestDeviceModel(kind: string, model: string, product: HypervisorProduct): string {
  if (kind === 'disk' && model === 'virtio') return PRODUCTS[product].pvDisk;
  if (kind === 'disk' && model === 'xen') return 'xen-blkfront';
  if (kind === 'nic' && model === 'virtio') return PRODUCTS[product].pvNic;
  return model;
}
