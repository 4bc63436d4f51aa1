// Transparent page sharing (M4): identical pages collapse to one copy-on-write page.
// Page-content profile of a VM (deterministic from its id, guest OS and the scenario seed):
//   zero pages   a seeded fraction of its memory, Linux 2-12%, Windows 10-30% (Windows zeroes free pages at boot);
//                only idle pages stay zero: writes break the share (copy-on-write), so zero <= memory - active
//   common pages kernel, libraries and OS file cache identical in every VM of the same guest OS and version
//                (key family/distro/version): Linux 8% of memory up to 384 MiB, Windows 12% up to 768 MiB
// Savings on a host: all zero pages (one zero page remains) + for each OS key with two or more VMs, every VM's
// common pages but one copy of the largest set. Magnitudes follow Waldspurger (OSDI 2002: 7-33% in real
// deployments, up to 67% for identical VMs) and Barker et al. (USENIX ATC 2012: zero pages and same-OS pages
// make most of the sharing). Huge-page-backed VMs never share (M3).
import type { GuestOs } from '@virtsim/contracts';
import { hash32, prng } from '../shared/prng.js';

// Math bound once: module-scope functions stay fast where global lookups are slow (jest's vm context).
const { floor, imul, max, min } = Math;

export interface PageContentProfile { osKey: string; zeroFraction: number; commonFraction: number; commonCapMiB: number }

export const osKey = (g: GuestOs): string => `${g.family}/${g.distro ?? '-'}/${g.version}`.toLowerCase();

export function pageContentProfile(vmId: string, guestOs: GuestOs, scenarioSeed: number): PageContentProfile {
  const r = prng((hash32(vmId) ^ imul(scenarioSeed, 0x9e3779b1)) >>> 0)();
  const windows = guestOs.family === 'windows';
  return {
    osKey: osKey(guestOs),
    zeroFraction: windows ? 0.1 + 0.2 * r : 0.02 + 0.1 * r,
    commonFraction: windows ? 0.12 : 0.08,
    commonCapMiB: windows ? 768 : 384,
  };
}

export interface SharingInput { vmId: string; memoryMiB: number; activeMiB: number; balloonedMiB: number; swappedMiB: number; profile: PageContentProfile }
export interface VmSharing { sharedMiB: number; zeroMiB: number; commonMiB: number; peers: number }

/** Per-VM shared MiB (pages of the VM that map a shared frame) and the host's single copies kept. */
export function computeSharing(vms: readonly SharingInput[]): { perVm: VmSharing[]; copiesMiB: number } {
  const groups = new Map<string, { count: number; maxCommon: number }>();
  const commons = vms.map((v) => floor(min(v.profile.commonCapMiB, v.profile.commonFraction * v.memoryMiB)));
  vms.forEach((v, i) => {
    const g = groups.get(v.profile.osKey) ?? { count: 0, maxCommon: 0 };
    g.count += 1;
    g.maxCommon = max(g.maxCommon, commons[i]!);
    groups.set(v.profile.osKey, g);
  });
  let copiesMiB = 0;
  for (const g of groups.values()) if (g.count > 1) copiesMiB += g.maxCommon;
  const perVm = vms.map((v, i) => {
    const peers = groups.get(v.profile.osKey)!.count - 1;
    const resident = max(0, v.memoryMiB - v.balloonedMiB - v.swappedMiB);
    const idle = max(0, v.memoryMiB - v.activeMiB);
    const zeroMiB = min(floor(v.profile.zeroFraction * v.memoryMiB), idle, resident);
    const commonMiB = peers > 0 ? min(commons[i]!, resident - zeroMiB) : 0;
    return { sharedMiB: zeroMiB + commonMiB, zeroMiB, commonMiB, peers };
  });
  return { perVm, copiesMiB };
}
