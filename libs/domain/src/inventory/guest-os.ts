// Guest OS compatibility (F1) and what it allows for online CPU / memory change (F4).
//
// API:
//   GUEST_OS_TABLE: GuestOsEntry[]             supported guests (family, distro, version) and their capabilities
//   guestOsSupport(guestOs): GuestOsSupport    the entry for a guest; unknown guests are allowed but
//                                              non-mainstream (no online change, PV drivers must come from the vendor)
//
// Seed (part 2, items 1 and 4): a new OS needs its vendor's PV drivers; FusionCompute supports mainstream
// Windows and Linux and NeoKylin (some versions need custom drivers); mainstream Linux changes CPU and memory
// online, mainstream Windows changes memory online and CPU after a restart. Linux kernels since 2.6.25 carry
// virtio drivers ("builtin"); Windows gets them from Tools (the seed: "Windows needs tools for a virtio NIC").
// End-of-life releases (RHEL/CentOS 6, Ubuntu 16.04, Debian 9, Windows 7, Server 2008 R2) stay supported but
// are not mainstream, as vendors' compatibility guides list them as legacy.
import type { GuestOs } from '@virtsim/contracts';

export type PvDrivers = 'builtin' | 'tools' | 'custom';
export interface GuestOsSupport {
  pvDrivers: PvDrivers;
  onlineCpu: boolean;
  onlineMemory: boolean;
  mainstream: boolean;
  /** false for a guest not in the table */
  known: boolean;
}
export interface GuestOsEntry extends Omit<GuestOsSupport, 'known'> {
  family: GuestOs['family'];
  distro: string;
  version: string;
}

const linux = (distro: string, versions: string[], mainstream: boolean, pvDrivers: PvDrivers = 'builtin'): GuestOsEntry[] =>
  versions.map((version) => ({ family: 'linux', distro, version, pvDrivers, mainstream, onlineCpu: mainstream, onlineMemory: mainstream }));
const windows = (versions: string[], mainstream: boolean): GuestOsEntry[] =>
  versions.map((version) => ({ family: 'windows', distro: 'windows', version, pvDrivers: 'tools', mainstream, onlineCpu: false, onlineMemory: mainstream }));

export const GUEST_OS_TABLE: readonly GuestOsEntry[] = Object.freeze([
  ...linux('rhel', ['6'], false), ...linux('rhel', ['7', '8', '9'], true),
  ...linux('centos', ['6'], false), ...linux('centos', ['7', '8', '9'], true),
  ...linux('ubuntu', ['16.04'], false), ...linux('ubuntu', ['18.04', '20.04', '22.04', '24.04'], true),
  ...linux('sles', ['12', '15'], true),
  ...linux('debian', ['9'], false), ...linux('debian', ['10', '11', '12'], true),
  // NeoKylin: the older releases ship no virtio front-ends and need Huawei's custom PV drivers.
  ...linux('neokylin', ['5', '6'], false, 'custom'), ...linux('neokylin', ['7'], true),
  ...windows(['2008r2', '7'], false),
  ...windows(['2012', '2012r2', '2016', '2019', '2022', '10', '11'], true),
]);

const INDEX: ReadonlyMap<string, GuestOsEntry> = new Map(GUEST_OS_TABLE.map((e) => [key(e.family, e.distro, e.version), e]));

function key(family: string, distro: string | undefined, version: string): string {
  const d = family === 'windows' ? 'windows' : (distro ?? '').trim().toLowerCase();
  const v = version.trim().toLowerCase().replace(/\s+/g, '').replace(/^(server|windowsserver|windows)/, '');
  return `${family}/${d}/${v}`;
}

export function guestOsSupport(guestOs: GuestOs): GuestOsSupport {
  const entry = INDEX.get(key(guestOs.family, guestOs.distro, guestOs.version));
  if (entry) {
    const { pvDrivers, onlineCpu, onlineMemory, mainstream } = entry;
    return { pvDrivers, onlineCpu, onlineMemory, mainstream, known: true };
  }
  return { pvDrivers: guestOs.family === 'windows' ? 'tools' : 'custom', onlineCpu: false, onlineMemory: false, mainstream: false, known: false };
}
