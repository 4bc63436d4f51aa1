// PV driver availability (I3), from the guest OS compatibility table (F1, inventory/guest-os.ts).
//
// Linux has shipped virtio-blk / virtio-net (2.6.24-25) and Xen blkfront/netfront in mainline for years,
// so Linux guests bring their own PV drivers. Windows ships none: Setup finds no virtio disk unless the
// driver is loaded from a virtual floppy during install, and a virtio NIC works only once the vendor
// Tools (which carry the driver) are installed. Some NeoKylin versions (older kernels built by the
// vendor) need a custom PV driver build from the platform vendor (seed: "specific versions may need
// customized drivers"); it is delivered with the Tools, so for them toolsInstalled means "the custom
// build is installed", and the Windows virtio-drivers floppy does not help.
import type { GuestOs, IoGuest, IoPvDriverSource } from '@virtsim/contracts';
import { guestOsSupport } from '../inventory/guest-os.js';

/** F1 / I3: where the guest's PV drivers come from, read from the one guest OS table (inventory/guest-os.ts). */
export const pvDriverSource = (os: GuestOs): IoPvDriverSource => guestOsSupport(os).pvDrivers;

/** Why a PV (virtio / Xen) device of this kind has no driver in the guest, or null when it has one. */
export function missingPvDriver(guest: IoGuest, kind: 'disk' | 'nic'): string | null {
  const source = pvDriverSource(guest.os);
  if (source === 'inbox' || guest.toolsInstalled) return null;
  if (kind === 'disk' && source === 'tools' && guest.virtioFloppy) return null;
  const os = `${guest.os.family}${guest.os.distro ? ` ${guest.os.distro}` : ''} ${guest.os.version}`;
  if (source === 'custom') return `${os} needs a custom PV ${kind} driver build (install the vendor Tools for this version)`;
  return kind === 'disk'
    ? `${os} has no virtio block driver (install Tools, or load it from a virtio-drivers floppy at install)`
    : `${os} has no virtio network driver (install Tools)`;
}
