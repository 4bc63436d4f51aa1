// Per-VM cost of memory virtualization (M2): shadow page tables vs EPT / NPT for a workload, in CPU MHz above
// native. Shadow pays a trap (VM exit, shadow-table sync, VM entry) on every guest page-table update; EPT pays
// a longer walk on every TLB miss ((g+1)(h+1)-1 references instead of g). Huge pages widen the TLB reach and
// shorten walks. Defaults (model assumptions, stated so a scenario can override them):
//   SHADOW_SYNC_CYCLES 3000   trap + shadow PTE sync + resume (Adams & Agesen, ASPLOS 2006, report thousands of
//                             cycles per hidden page fault / PTE write trap on early VT-x)
//   WALK_REF_CYCLES    10     average page-walk reference; most hit the page-walk caches (Bhargava et al.,
//                             "Accelerating two-dimensional page walks", ASPLOS 2008)
//   MEMORY_OPS_PER_CYCLE 0.3, TLB_MISS_PER_ACCESS 0.0002 when the working set far exceeds the TLB reach
//   TLB_ENTRIES 1536          second-level TLB: reach 6 MiB with 4 KiB pages, 3 GiB with 2 MiB pages
//   page-table updates/s      5,000 + 10% of newly dirtied 4 KiB pages (first touches need a PTE write)
// With the default workload (500 MHz, 256 MiB active, 10 MiB/s dirty) EPT costs less than shadow, as VMware's
// "Performance Evaluation of Intel EPT Hardware Assist" (2009) found for most workloads; a TLB-thrashing workload
// with few page-table updates reverses it.
import type { HostSpec } from '@virtsim/contracts';
import type { MemHost } from './state.js';

/** M2: the host's translation mode. EPT (Intel) / NPT (AMD) only in hardware-assisted mode on a CPU that has
 *  it; binary translation, paravirtual hosts and CPUs without it keep shadow page tables. */
export function translationModeOf(spec: Pick<HostSpec, 'cpu' | 'hypervisor'>): MemHost['translation'] {
  const hw = spec.hypervisor.mode === 'hardware-assisted';
  const feats = spec.cpu.features ?? [];
  return hw && feats.includes('ept') ? 'ept' : hw && feats.includes('npt') ? 'npt' : 'shadow';
}

export const SHADOW_SYNC_CYCLES = 3000;
export const WALK_REF_CYCLES = 10;
export const MEMORY_OPS_PER_CYCLE = 0.3;
export const TLB_MISS_PER_ACCESS = 0.0002;
export const TLB_ENTRIES = 1536;

export interface TranslationCostInput {
  mode: MemHost['translation'];
  guestHugePages: boolean;
  hostHugePages: boolean;
  cpuDemandMhz: number;
  activeMemoryMiB: number;
  dirtyRateMiBps: number;
  /** overrides of the derived rates */
  pageTableUpdatesPerSec?: number;
  tlbMissesPerSec?: number;
}

export interface TranslationCost {
  mode: MemHost['translation'];
  tlbMissesPerSec: number;
  nativeReferences: number;
  walkReferences: number;
  pageTableUpdatesPerSec: number;
  /** MHz burnt on walks beyond the native length (EPT) */
  walkMhz: number;
  /** MHz burnt on shadow-table sync traps */
  shadowMhz: number;
  overheadMhz: number;
  overheadPercent: number;
}

export const walkReferences = (guestLevels: number, hostLevels: number): number => (guestLevels + 1) * (hostLevels + 1) - 1;

export function tlbMissesPerSec(cpuDemandMhz: number, activeMemoryMiB: number, pageKiB: number): number {
  const reachMiB = (TLB_ENTRIES * pageKiB) / 1024;
  const beyondReach = activeMemoryMiB <= 0 ? 0 : Math.max(0, 1 - reachMiB / activeMemoryMiB);
  return cpuDemandMhz * 1e6 * MEMORY_OPS_PER_CYCLE * TLB_MISS_PER_ACCESS * beyondReach;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

export function translationCost(i: TranslationCostInput): TranslationCost {
  const g = i.guestHugePages ? 3 : 4;
  const h = i.hostHugePages ? 3 : 4;
  const shadow = i.mode === 'shadow';
  // the TLB caches the smaller of the two page sizes (a 2 MiB guest page on 4 KiB host frames splinters)
  const pageKiB = i.guestHugePages && i.hostHugePages ? 2048 : 4;
  const misses = i.tlbMissesPerSec ?? tlbMissesPerSec(i.cpuDemandMhz, i.activeMemoryMiB, pageKiB);
  const updates = i.pageTableUpdatesPerSec ?? 5000 + 0.1 * i.dirtyRateMiBps * 256;
  const walkRefs = shadow ? (g === 3 && h === 3 ? 3 : 4) : walkReferences(g, h);
  const walkMhz = (misses * Math.max(0, walkRefs - g) * WALK_REF_CYCLES) / 1e6;
  const shadowMhz = shadow ? (updates * SHADOW_SYNC_CYCLES) / 1e6 : 0;
  const overheadMhz = walkMhz + shadowMhz;
  return {
    mode: i.mode, tlbMissesPerSec: Math.round(misses), nativeReferences: g, walkReferences: walkRefs, pageTableUpdatesPerSec: Math.round(updates),
    walkMhz: r2(walkMhz), shadowMhz: r2(shadowMhz), overheadMhz: r2(overheadMhz),
    overheadPercent: i.cpuDemandMhz > 0 ? r2((100 * overheadMhz) / i.cpuDemandMhz) : 0,
  };
}
