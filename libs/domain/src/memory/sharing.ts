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
/** What sharing reads of a VM besides its profile. */
export type SharingFigures = Pick<SharingInput, 'memoryMiB' | 'activeMiB' | 'balloonedMiB' | 'swappedMiB'>;

/** One host's sharing as columns parallel to its VMs: a tick over thousands of VMs allocates no per-VM records. */
export interface HostSharing { zeroMiB: Float64Array; commonMiB: Float64Array; peers: Int32Array; copiesMiB: number }

/** Per-VM shared MiB (pages of the VM that map a shared frame) and the host's single copies kept. */
export function computeSharing(vms: readonly SharingInput[]): { perVm: VmSharing[]; copiesMiB: number } {
  const h = shareHost(vms, vms.map((v) => v.profile));
  const perVm = vms.map((_, i) => ({ sharedMiB: h.zeroMiB[i]! + h.commonMiB[i]!, zeroMiB: h.zeroMiB[i]!, commonMiB: h.commonMiB[i]!, peers: h.peers[i]! }));
  return { perVm, copiesMiB: h.copiesMiB };
}

/** computeSharing over `vms` with their `profiles` (same index): the VM's shared MiB is zeroMiB + commonMiB. */
export function shareHost(vms: readonly SharingFigures[], profiles: readonly PageContentProfile[]): HostSharing {
  const n = vms.length;
  const commons = new Float64Array(n);
  const group = new Int32Array(n);
  const keys = new Map<string, number>();
  const counts: number[] = [];
  const maxCommon: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = profiles[i]!;
    commons[i] = floor(min(p.commonCapMiB, p.commonFraction * vms[i]!.memoryMiB));
    let g = keys.get(p.osKey);
    if (g === undefined) {
      keys.set(p.osKey, (g = counts.length));
      counts.push(0);
      maxCommon.push(0);
    }
    group[i] = g;
    counts[g]! += 1;
    maxCommon[g] = max(maxCommon[g]!, commons[i]!);
  }
  let copiesMiB = 0;
  for (let g = 0; g < counts.length; g++) if (counts[g]! > 1) copiesMiB += maxCommon[g]!;
  const out: HostSharing = { zeroMiB: new Float64Array(n), commonMiB: new Float64Array(n), peers: new Int32Array(n), copiesMiB };
  for (let i = 0; i < n; i++) {
    const v = vms[i]!;
    const peers = counts[group[i]!]! - 1;
    const resident = max(0, v.memoryMiB - v.balloonedMiB - v.swappedMiB);
    const idle = max(0, v.memoryMiB - v.activeMiB);
    const zeroMiB = min(floor(profiles[i]!.zeroFraction * v.memoryMiB), idle, resident);
    out.zeroMiB[i] = zeroMiB;
    out.commonMiB[i] = peers > 0 ? min(commons[i]!, resident - zeroMiB) : 0;
    out.peers[i] = peers;
  }
  return out;
}
