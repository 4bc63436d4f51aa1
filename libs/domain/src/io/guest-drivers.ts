// Guest OS compatibility (F1) and PV driver availability (I3).
//
// Linux has shipped virtio-blk / virtio-net (2.6.24-25) and Xen blkfront/netfront in mainline for years,
// so Linux guests bring their own PV drivers. Windows ships none: Setup finds no virtio disk unless the
// driver is loaded from a virtual floppy during install, and a virtio NIC works only once the vendor
// Tools (which carry the driver) are installed. Some NeoKylin versions (older kernels built by the
// vendor) need a custom PV driver build from the platform vendor (seed: "specific versions may need
// customized drivers"); it is delivered with the Tools, so for them toolsInstalled means "the custom
// build is installed", and the Windows virtio-drivers floppy does not help.
import type { GuestOs, IoGuest, IoPvDriverSource } from '@virtsim/contracts';

export interface GuestOsSupport {
  family: GuestOs['family'];
  /** lower-case distribution, '*' = any not listed */
  distro: string;
  /** version prefixes this row covers, '*' = any */
  versions: string[];
  pvDrivers: IoPvDriverSource;
  /** mainstream enough for online CPU / memory change (F4) */
  mainstream: boolean;
}

/** First matching row wins; the '*' rows close each family. */
export const GUEST_OS_SUPPORT: readonly GuestOsSupport[] = [
  { family: 'linux', distro: 'neokylin', versions: ['5', '6.0'], pvDrivers: 'custom', mainstream: false },
  { family: 'linux', distro: 'neokylin', versions: ['*'], pvDrivers: 'inbox', mainstream: false },
  { family: 'linux', distro: 'centos', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: 'rhel', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: 'ubuntu', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: 'suse', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: 'debian', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: 'euleros', versions: ['*'], pvDrivers: 'inbox', mainstream: true },
  { family: 'linux', distro: '*', versions: ['*'], pvDrivers: 'inbox', mainstream: false },
  { family: 'windows', distro: '*', versions: ['*'], pvDrivers: 'tools', mainstream: true },
];

const versionMatches = (prefixes: string[], version: string): boolean =>
  prefixes.some((p) => p === '*' || version === p || version.startsWith(`${p}.`));

export function guestOsSupport(os: GuestOs): GuestOsSupport {
  const distro = (os.distro ?? '').toLowerCase();
  const row = GUEST_OS_SUPPORT.find((r) => r.family === os.family && (r.distro === '*' || r.distro === distro) && versionMatches(r.versions, os.version));
  return row ?? GUEST_OS_SUPPORT[GUEST_OS_SUPPORT.length - 1];
}

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
