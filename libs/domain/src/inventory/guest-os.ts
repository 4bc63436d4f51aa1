// Guest OS compatibility (F1): THE table, read by inventory (F4 online change, vm-reconfigure.ts), the io-backend
// (I3 PV drivers, io/guest-drivers.ts) and the REST list GET /api/v1/guest-os. No other copy may exist
// (guest-os-table.unit.spec.ts asserts the services read this one).
//
// API:
//   GUEST_OS_TABLE: GuestOsEntry[]             supported guests (family, distro, version) and their capabilities
//   guestOsSupport(guestOs): GuestOsSupport    the entry for a guest; a version matches its release's row
//                                              ('7.9' is CentOS 7); unknown guests are allowed but not mainstream
//   UNKNOWN_GUEST_RULES                        what an unknown guest gets, per family (listed with the table)
//
// Seed (part 2, items 1 and 4): a new OS needs its vendor's PV drivers; FusionCompute supports mainstream
// Windows and Linux and NeoKylin (some versions need custom drivers); mainstream Linux changes CPU and memory
// online, mainstream Windows changes memory online and CPU after a restart. Linux kernels since 2.6.25 carry
// virtio drivers ("inbox"), so an unknown Linux (e.g. Ubuntu 25.04) boots from virtio but, not being on the
// list, gets no online change; Windows gets its drivers from Tools (the seed: "Windows needs tools for a virtio
// NIC"). End-of-life releases (RHEL/CentOS 6, Ubuntu 16.04, Debian 9, Windows 7, Server 2008 R2) stay supported
// but are not mainstream, as vendors' compatibility guides list them as legacy.
import type { GuestOs, IoPvDriverSource } from '@virtsim/contracts';

export type PvDrivers = IoPvDriverSource;
export interface GuestOsSupport {
  pvDrivers: PvDrivers;
  onlineCpu: boolean;
  onlineMemory: boolean;
  mainstream: boolean;
  /** the guest kernel can use 2 MiB huge pages (M3: Linux 2.6 and later, Windows large pages since Server 2003) */
  hugePages: boolean;
  /** false for a guest not in the table */
  known: boolean;
}
export interface GuestOsEntry extends Omit<GuestOsSupport, 'known'> {
  family: GuestOs['family'];
  distro: string;
  /** a release: matches itself and its point releases ('7' matches '7.9') */
  version: string;
}

const linux = (distro: string, versions: string[], mainstream: boolean, pvDrivers: PvDrivers = 'inbox', hugePages = true): GuestOsEntry[] =>
  versions.map((version) => ({ family: 'linux', distro, version, pvDrivers, mainstream, onlineCpu: mainstream, onlineMemory: mainstream, hugePages }));
const windows = (versions: string[], mainstream: boolean): GuestOsEntry[] =>
  versions.map((version) => ({ family: 'windows', distro: 'windows', version, pvDrivers: 'tools', mainstream, onlineCpu: false, onlineMemory: mainstream, hugePages: true }));

export const GUEST_OS_TABLE: readonly GuestOsEntry[] = Object.freeze([
  // Linux 2.4 kernels (RHEL 3, SLES 8): no virtio front-ends and no huge pages (hugetlbfs came with 2.6)
  ...linux('rhel', ['3'], false, 'custom', false), ...linux('sles', ['8'], false, 'custom', false),
  ...linux('rhel', ['6'], false), ...linux('rhel', ['7', '8', '9'], true),
  ...linux('centos', ['6'], false), ...linux('centos', ['7', '8', '9'], true),
  ...linux('ubuntu', ['16.04'], false), ...linux('ubuntu', ['18.04', '20.04', '22.04', '24.04'], true),
  ...linux('sles', ['12', '15'], true),
  ...linux('debian', ['9'], false), ...linux('debian', ['10', '11', '12'], true),
  ...linux('euleros', ['2'], true),
  // NeoKylin 5 and 6 (every 6.x): vendor-built kernels without virtio front-ends, Huawei's custom PV drivers.
  ...linux('neokylin', ['5', '6'], false, 'custom'), ...linux('neokylin', ['7'], true),
  ...windows(['2008r2', '7'], false),
  ...windows(['2012', '2012r2', '2016', '2019', '2022', '10', '11'], true),
]);

/** Names a user may give for a distro of the table. */
export const DISTRO_ALIASES: Readonly<Record<string, string>> = { suse: 'sles', 'suse linux enterprise server': 'sles', redhat: 'rhel', 'red hat enterprise linux': 'rhel' };

export const UNKNOWN_GUEST_RULES: Readonly<Record<GuestOs['family'], Omit<GuestOsSupport, 'known'>>> = {
  linux: { pvDrivers: 'inbox', onlineCpu: false, onlineMemory: false, mainstream: false, hugePages: true },
  windows: { pvDrivers: 'tools', onlineCpu: false, onlineMemory: false, mainstream: false, hugePages: true },
};

function distroOf(os: GuestOs): string {
  if (os.family === 'windows') return 'windows';
  const d = (os.distro ?? '').trim().toLowerCase();
  return Object.hasOwn(DISTRO_ALIASES, d) ? DISTRO_ALIASES[d]! : d;
}
const versionOf = (version: string): string => version.trim().toLowerCase().replace(/\s+/g, '').replace(/^(server|windowsserver|windows)/, '');

const INDEX: ReadonlyMap<string, GuestOsEntry> = new Map(GUEST_OS_TABLE.map((e) => [`${e.family}/${e.distro}/${e.version}`, e]));

// Placement and the CPU charge ask this for every host of every VM placed, with the VM's own spec object (never
// changed once recorded): the answer is kept per object, frozen.
const SUPPORT = new WeakMap<GuestOs, Readonly<GuestOsSupport>>();

export function guestOsSupport(guestOs: GuestOs): Readonly<GuestOsSupport> {
  let support = SUPPORT.get(guestOs);
  if (!support) SUPPORT.set(guestOs, (support = Object.freeze(lookupSupport(guestOs))));
  return support;
}

function lookupSupport(guestOs: GuestOs): GuestOsSupport {
  const prefix = `${guestOs.family}/${distroOf(guestOs)}/`;
  // '7.9.2009' -> '7.9.2009', '7.9', '7': the longest release that is listed wins
  const parts = versionOf(guestOs.version).split('.');
  for (let n = parts.length; n > 0; n--) {
    const entry = INDEX.get(prefix + parts.slice(0, n).join('.'));
    if (entry) {
      const { pvDrivers, onlineCpu, onlineMemory, mainstream, hugePages } = entry;
      return { pvDrivers, onlineCpu, onlineMemory, mainstream, hugePages, known: true };
    }
  }
  return { ...UNKNOWN_GUEST_RULES[guestOs.family], known: false };
}
