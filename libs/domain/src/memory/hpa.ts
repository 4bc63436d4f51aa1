// Host-physical layout (M1): where each VM's guest-physical memory lives on the host, in 2 MiB chunks.
//
//   HPA chunks [0, hv)              hypervisor / host OS (and the EPT or shadow tables it keeps)
//              [hv, poolStart)      normal memory: handed out through a seeded bijection, so a VM's contiguous
//                                   GPA range lands on scattered host frames (the seed: "the host maps each guest
//                                   anywhere, non-contiguously")
//              [poolStart, total)   huge-page pool: contiguous, reserved at configuration, identity order
//
// Allocation is in *logical* chunk numbers (free lists per region); the bijection maps logical -> host chunk.
// Two VMs never hold the same logical chunk, hence never the same HPA (invariant of M1). Under overcommit a
// VM may get fewer chunks than its size: the rest of its GPA space is not resident (reclaimed by balloon/swap).
import type { MemoryExtent } from '@virtsim/contracts';
import { hash32 } from '../shared/prng.js';
import { CHUNK_MIB, chunksOf } from './overhead.js';

/** Free runs of logical chunks, sorted by start: [start, count]. */
export type ChunkRuns = Array<[number, number]>;

export interface HpaLayout {
  totalChunks: number;
  hvChunks: number;
  poolStart: number;
  /** multiplier and offset of the bijection over the normal region */
  permA: number;
  permB: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function hpaLayout(hostId: string, physicalMiB: number, hypervisorMiB: number, hugePoolMiB: number): HpaLayout {
  const totalChunks = Math.floor(physicalMiB / CHUNK_MIB);
  const hvChunks = Math.min(totalChunks, chunksOf(hypervisorMiB));
  const poolStart = Math.max(hvChunks, totalChunks - Math.floor(hugePoolMiB / CHUNK_MIB));
  const n = Math.max(1, poolStart - hvChunks);
  const h = hash32(hostId);
  let permA = (Math.floor(n * 0.6180339887) + (h % 97)) % n || 1;
  while (gcd(permA, n) !== 1) permA = (permA + 1) % n || 1;
  return { totalChunks, hvChunks, poolStart, permA, permB: (h >>> 7) % n };
}

export const normalChunks = (l: HpaLayout): number => l.poolStart - l.hvChunks;
export const poolChunks = (l: HpaLayout): number => l.totalChunks - l.poolStart;

/** Host chunk number of a logical chunk in the normal region or the huge-page pool. */
export function hostChunk(layout: HpaLayout, logical: number, huge: boolean): number {
  if (huge) return layout.poolStart + logical;
  const n = normalChunks(layout);
  return layout.hvChunks + ((layout.permA * logical + layout.permB) % n);
}

/** First-fit: take up to `chunks` logical chunks, GPA chunks numbered from `gpaStart`. */
export function allocateChunks(free: ChunkRuns, chunks: number, gpaStart = 0): { extents: MemoryExtent[]; free: ChunkRuns } {
  const extents: MemoryExtent[] = [];
  const rest: ChunkRuns = [];
  let need = chunks;
  let gpa = gpaStart;
  for (const [start, count] of free) {
    if (need === 0) { rest.push([start, count]); continue; }
    const take = Math.min(need, count);
    extents.push([gpa, start, take]);
    gpa += take;
    need -= take;
    if (take < count) rest.push([start + take, count - take]);
  }
  return { extents, free: rest };
}

/** Give extents back, merging adjacent runs so the list stays short. */
export function freeChunks(free: ChunkRuns, extents: readonly MemoryExtent[]): ChunkRuns {
  const runs: ChunkRuns = [...free, ...extents.map(([, start, count]) => [start, count] as [number, number])];
  runs.sort((a, b) => a[0] - b[0]);
  const merged: ChunkRuns = [];
  for (const [start, count] of runs) {
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === start) last[1] += count;
    else merged.push([start, count]);
  }
  return merged;
}

export const freeChunkCount = (free: ChunkRuns): number => free.reduce((s, [, c]) => s + c, 0);
export const extentChunks = (extents: readonly MemoryExtent[]): number => extents.reduce((s, [, , c]) => s + c, 0);

/** HPA of a GPA, or null when that GPA is not resident on the host. */
export function gpaToHpa(layout: HpaLayout, extents: readonly MemoryExtent[], huge: boolean, gpa: number): number | null {
  const chunkBytes = CHUNK_MIB * 1024 * 1024;
  const gpaChunk = Math.floor(gpa / chunkBytes);
  for (const [gStart, lStart, count] of extents) {
    if (gpaChunk >= gStart && gpaChunk < gStart + count) {
      return hostChunk(layout, lStart + gpaChunk - gStart, huge) * chunkBytes + (gpa % chunkBytes);
    }
  }
  return null;
}
