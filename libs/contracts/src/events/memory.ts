// Memory events, owned by memory-manager: per-host memory accounting (reserve / release / move / resize),
// huge-page pool use, and the per-tick reclamation decisions (page sharing, ballooning, swapping).
// Every reclamation event carries a MemoryRationale so the audit log (B2) says why it happened.
import type { GuestOs } from '../specs.js';
import type { EventOf } from './envelope.js';
import type { NumaPlacement } from './inventory.js';

/** Host free-memory state (Waldspurger, OSDI 2002 §6: thresholds 6% / 4% / 2% / 1% of host memory). */
export type MemoryFreeState = 'high' | 'soft' | 'hard' | 'low';

/** One contiguous run of a VM's guest-physical memory, in 2 MiB chunks: [gpaChunk, logical host chunk, count].
 *  Logical chunks index the host's normal region (or its huge-page pool for huge-backed VMs); see memory/hpa.ts. */
export type MemoryExtent = [number, number, number];

/** Why a reclamation action happened: the host's free memory and state, and why this VM. */
export interface MemoryRationale {
  hostFreePercent: number;
  hostState: MemoryFreeState;
  why: string;
}

export type MemoryEvent =
  | EventOf<'VmMemoryReserved', {
      vmId: string; hostId: string; clusterId: string; memoryMiB: number; reservationMiB: number; overheadMiB: number;
      vcpus: number; guestOs: GuestOs; toolsInstalled: boolean; wantsHugePages: boolean;
      /** true when the host has a huge-page pool: the whole VM is backed by 2 MiB pages from it */
      hugeBacked: boolean; numa: NumaPlacement; extents: MemoryExtent[]; reason: string;
    }>
  | EventOf<'VmMemoryReleased', { vmId: string; hostId: string; freedMiB: number; reason: string }>
  | EventOf<'VmMemoryMoved', {
      vmId: string; fromHostId: string; toHostId: string; overheadMiB: number; hugeBacked: boolean;
      numa: NumaPlacement; extents: MemoryExtent[]; reason: string;
    }>
  | EventOf<'VmMemoryResized', {
      vmId: string; hostId: string | null; fromMiB: number; toMiB: number; online: boolean; overheadMiB: number;
      numa: NumaPlacement | null; extents: MemoryExtent[]; reason: string;
    }>
  | EventOf<'HostMemoryStateChanged', {
      hostId: string; clusterId: string; from: MemoryFreeState; to: MemoryFreeState; freeMiB: number; freePercent: number;
      why: string;
    }>
  | EventOf<'PagesShared', {
      vmId: string; hostId: string; sharedMiB: number; previousMiB: number; zeroMiB: number; commonMiB: number;
      osKey: string; peers: number; rationale: MemoryRationale;
    }>
  | EventOf<'BalloonInflated', { vmId: string; hostId: string; targetMiB: number; balloonedMiB: number; deltaMiB: number; rationale: MemoryRationale }>
  | EventOf<'BalloonDeflated', { vmId: string; hostId: string; targetMiB: number; balloonedMiB: number; deltaMiB: number; rationale: MemoryRationale }>
  | EventOf<'MemorySwappedOut', { vmId: string; hostId: string; swappedMiB: number; deltaMiB: number; slowdown: number; rationale: MemoryRationale }>
  | EventOf<'MemorySwappedIn', { vmId: string; hostId: string; swappedMiB: number; deltaMiB: number; slowdown: number; rationale: MemoryRationale }>
  /** the guest touched memory it had not touched since power-on: it becomes resident (M4) */
  | EventOf<'GuestMemoryTouched', { vmId: string; hostId: string; touchedMiB: number; deltaMiB: number; at: number }>;

export type MemoryEventType = MemoryEvent['type'];

/** Every memory event type, listed once as a Record over the union: a new event that is not added here fails to
 *  compile, and the memory-manager folds exactly these (its guard is built from them). */
const MEMORY_TYPES: Record<MemoryEventType, true> = {
  VmMemoryReserved: true, VmMemoryReleased: true, VmMemoryMoved: true, VmMemoryResized: true, HostMemoryStateChanged: true,
  PagesShared: true, BalloonInflated: true, BalloonDeflated: true, MemorySwappedOut: true, MemorySwappedIn: true, GuestMemoryTouched: true,
};
export const MEMORY_EVENT_TYPES = Object.keys(MEMORY_TYPES) as MemoryEventType[];
