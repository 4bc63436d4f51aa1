// One simulated tick of host memory management, for every host of the state:
//   0. touched memory (M4): a guest's memory becomes resident as it touches it (GuestMemoryTouched when that
//      grows): Windows zeroes all its free pages at boot, so all of it at once; Linux its active set, then its
//      page cache fills the rest at the rate the guest reads from disk (what it reads stays cached). Untouched
//      pages hold no host memory (and are the zero pages sharing would otherwise collapse: not counted twice). Swapped pages the
//      guest touches again, because its active set grew into them, are swapped back in (MemorySwappedIn), with
//      the slowdown while they are.
//   1. page sharing (always): recompute each powered-on VM's shared pages from its content profile
//   2. host free memory = VM capacity - (sum over powered-on VMs of touched - (zero pages beyond the
//      untouched ones) - common shared - ballooned - swapped) - single copies of shared pages - overheads;
//      free % is of physical memory
//   3. free-memory state (free-state.ts), then reclaim toward the high threshold: balloon in soft / hard / low,
//      swap the rest in hard / low; in high give memory back (swap-in, then deflate) while free stays >= 6%
// Returns events for changes only, each with its rationale; feed them to evolveAll. O(VMs) per tick.
import type { MemoryEvent, MemoryFreeState, MemoryRationale } from '@virtsim/contracts';
import { DEFAULT_WORKLOAD, workloadAt } from '../shared/workload.js';
import { ballooningAllowed, nextFreeState, swappingAllowed } from './free-state.js';
import {
  balloonSteps, DEFAULT_RECLAIM_CONFIG, hasBalloonDriver, memorySlowdown, releaseSteps, swapOutSteps, type ReclaimConfig, type ReclaimStep, type ReclaimVm,
} from './reclaim.js';
import { shareHost } from './sharing.js';
import { clusterPolicy, POWERED_ON, type MemHost, type MemoryState, type MemVm } from './state.js';

// Math bound once: module-scope functions stay fast where global lookups are slow (jest's vm context).
const { abs, ceil, floor, max, min, round } = Math;

export interface MemoryTickInput {
  simTime: number;
  tickSeconds: number;
  /** active memory per VM (MiB); when absent it comes from the VM's workload profile via workloadAt */
  activeMiB?: Record<string, number>;
}

const round2 = (x: number): number => round(x * 100) / 100;

export function planMemoryTick(state: MemoryState, input: MemoryTickInput, config: ReclaimConfig = DEFAULT_RECLAIM_CONFIG): MemoryEvent[] {
  const events: MemoryEvent[] = [];
  for (const hostId of Object.keys(state.hosts).sort()) hostTick(state, state.hosts[hostId]!, input, config, events);
  return events;
}

/** Active memory of a VM now. A constant-pattern workload has load factor 1 at every time, so its active
 *  memory is the profile's own (what workloadAt returns) without hashing the VM id every tick. */
export function activeMemoryOf(v: MemVm, seed: number, input: Pick<MemoryTickInput, 'simTime' | 'activeMiB'>): number {
  const given = input.activeMiB?.[v.vmId];
  const pattern = v.workload?.pattern ?? 'constant';
  const a = given ?? (pattern === 'constant'
    ? v.workload?.activeMemoryMiB ?? DEFAULT_WORKLOAD.activeMemoryMiB
    : workloadAt(v.workload ?? undefined, v.vmId, seed, input.simTime).activeMemoryMiB);
  return min(v.memoryMiB, max(0, round(a)));
}

function hostTick(state: MemoryState, h: MemHost, input: MemoryTickInput, c: ReclaimConfig, out: MemoryEvent[]): void {
  const seed = clusterPolicy(state, h.clusterId).seed;
  const on: MemVm[] = [];
  const off: MemVm[] = [];
  const normal: MemVm[] = [];
  for (const id of h.vmIds) {
    const v = state.vms[id]!;
    if (POWERED_ON.has(v.power)) {
      on.push(v);
      if (!v.hugeBacked) normal.push(v);
    } else if (v.sharedMiB || v.balloonedMiB || v.swappedMiB) off.push(v);
  }
  const vms = normal.map((v) => reclaimVm(v, activeMemoryOf(v, seed, input)));
  const touchedEvents: MemoryEvent[] = [];
  const touched = touch(h, normal, vms, input.simTime, touchedEvents);
  const swapIns = swapInOnTouch(normal, vms, seed, input, c);
  const sharing = shareHost(vms, normal.map((v) => v.pageProfile));
  for (let i = 0; i < vms.length; i++) vms[i]!.sharedMiB = sharing.zeroMiB[i]! + sharing.commonMiB[i]!;
  let consumed = sharing.copiesMiB;
  for (const v of on) consumed += v.overheadMiB;
  for (let i = 0; i < vms.length; i++) {
    const v = vms[i]!;
    const untouched = v.memoryMiB - touched[i]!;
    consumed += max(0, v.memoryMiB - max(untouched, sharing.zeroMiB[i]!) - sharing.commonMiB[i]! - v.balloonedMiB - v.swappedMiB);
  }
  let swapUsed = 0;
  for (const v of vms) swapUsed += v.swappedMiB;
  const free = h.capacityMiB - consumed;
  const freePercent = (100 * free) / h.physicalMiB;
  const next = nextFreeState(h.freeState, freePercent, c.thresholds);
  if (next !== h.freeState) {
    out.push({ type: 'HostMemoryStateChanged', data: {
      hostId: h.hostId, clusterId: h.clusterId, from: h.freeState, to: next, freeMiB: round(free), freePercent: round2(freePercent),
      why: stateWhy(h.freeState, next, freePercent, c),
    } });
  }
  const hostFreePercent = round2(freePercent);
  const rationale = (why: string): MemoryRationale => ({ hostFreePercent, hostState: next, why });
  for (const v of off) resetOff(v, h, rationale(`VM is ${v.power}: it holds no host memory`), out);
  for (const e of touchedEvents) out.push(e);
  for (const s of swapIns.values()) {
    out.push({ type: 'MemorySwappedIn', data: {
      vmId: s.vm.vmId, hostId: h.hostId, swappedMiB: s.to, deltaMiB: s.from - s.to, slowdown: round2(memorySlowdown({ ...s.vm, swappedMiB: s.from })),
      rationale: rationale(`the guest's active memory grew by ${s.grew} MiB into ${s.from - s.to} MiB of swapped pages: they are read back from swap (slowed down while they are)`),
    } });
  }
  for (let i = 0; i < normal.length; i++) {
    const v = normal[i]!;
    const sharedMiB = vms[i]!.sharedMiB;
    if (sharedMiB === v.sharedMiB) continue;
    const zeroMiB = sharing.zeroMiB[i]!, commonMiB = sharing.commonMiB[i]!, peers = sharing.peers[i]!;
    out.push({ type: 'PagesShared', data: {
      vmId: v.vmId, hostId: h.hostId, sharedMiB, previousMiB: v.sharedMiB, zeroMiB, commonMiB, osKey: v.pageProfile.osKey, peers,
      // joined, not a template literal: that would keep a rope of five pieces per event alive with it
      rationale: rationale([zeroMiB, ' MiB zero pages + ', commonMiB, ' MiB pages common with ', peers, ' VM(s) of the same guest OS'].join('')),
    } });
  }
  reclaim(h, vms, free, next, input.tickSeconds, c, rationale, out, max(0, (h.swapMiB ?? Infinity) - swapUsed), swapIns);
}

/** The memory each VM has touched now (touchedNow); GuestMemoryTouched when it grew. */
function touch(h: MemHost, normal: readonly MemVm[], vms: readonly ReclaimVm[], simTime: number, out: MemoryEvent[]): number[] {
  const touched = new Array<number>(vms.length);
  for (let i = 0; i < vms.length; i++) {
    const v = normal[i]!;
    const before = v.touchedMiB ?? 0;
    const now = touchedNow(v, vms[i]!.activeMiB, simTime);
    // resident: what is recorded, or the active set now if that is more (it grows between records)
    touched[i] = max(now, min(v.memoryMiB, vms[i]!.activeMiB));
    if (now > before) out.push({ type: 'GuestMemoryTouched', data: { vmId: v.vmId, hostId: h.hostId, touchedMiB: now, deltaMiB: now - before, at: simTime } });
  }
  return touched;
}

/** Growth is recorded in steps of this share of the VM's memory (at least TOUCH_STEP_MIN_MIB): one event per
 *  step, not one per tick per VM; between records the tick counts the active set itself when it is larger. */
export const TOUCH_STEP_SHARE = 0.05;
export const TOUCH_STEP_MIN_MIB = 64;

/** What a VM has touched at `simTime` (never less than before; the caller records it only when it grew):
 *  Windows everything at boot (it zeroes free pages); Linux its active set, plus a page cache that grows by what it
 *  reads from disk (iops x I/O size x read share) since the last record, until the memory is full. */
export function touchedNow(v: Pick<MemVm, 'memoryMiB' | 'touchedMiB' | 'touchedAt' | 'guestOs' | 'workload'>, activeMiB: number, simTime: number): number {
  const before = v.touchedMiB ?? 0;
  if (v.guestOs.family === 'windows') return v.memoryMiB;
  const active = min(v.memoryMiB, activeMiB);
  if (v.touchedAt === null || v.touchedAt === undefined) return max(before, active);
  const w = v.workload ?? DEFAULT_WORKLOAD;
  const readMiBps = ((w.iops ?? DEFAULT_WORKLOAD.iops) * (w.ioSizeKiB ?? DEFAULT_WORKLOAD.ioSizeKiB) * (w.readRatio ?? DEFAULT_WORKLOAD.readRatio)) / 1024;
  const candidate = max(active, min(v.memoryMiB, floor(before + readMiBps * max(0, simTime - v.touchedAt))));
  const step = max(TOUCH_STEP_MIN_MIB, ceil(TOUCH_STEP_SHARE * v.memoryMiB));
  return candidate - before >= step || (candidate === v.memoryMiB && candidate > before) ? candidate : before;
}

interface SwapIn { vm: ReclaimVm; from: number; to: number; grew: number }

/** Swapped pages the guest needs again: its active set grew (since the last tick) into pages that were swapped
 *  out as idle ones. They come back at the swap-in rate, whatever the host's state (the guest faults on them);
 *  `vms` is updated, and the VMs swapped in are returned by id (reclamation leaves them alone this tick). */
function swapInOnTouch(normal: readonly MemVm[], vms: ReclaimVm[], seed: number, input: MemoryTickInput, c: ReclaimConfig): Map<string, SwapIn> {
  const done = new Map<string, SwapIn>();
  const rate = floor(c.swapInRateMiBps * input.tickSeconds);
  for (let i = 0; i < vms.length; i++) {
    const v = vms[i]!;
    if (v.swappedMiB <= 0) continue;
    const before = activeMemoryOf(normal[i]!, seed, { simTime: input.simTime - input.tickSeconds, activeMiB: undefined });
    const grew = v.activeMiB - before;
    if (grew <= 0) continue;
    const idleRoom = max(0, v.memoryMiB - v.activeMiB - v.balloonedMiB);
    const faulted = min(v.swappedMiB - min(v.swappedMiB, idleRoom), grew, rate);
    if (faulted <= 0) continue;
    done.set(v.vmId, { vm: v, from: v.swappedMiB, to: v.swappedMiB - faulted, grew });
    v.swappedMiB -= faulted;
  }
  return done;
}

/** sharedMiB is filled in once the host's sharing is known */
function reclaimVm(v: MemVm, activeMiB: number): ReclaimVm {
  return {
    vmId: v.vmId, memoryMiB: v.memoryMiB, reservationMiB: v.reservationMiB, activeMiB, sharedMiB: 0,
    balloonedMiB: v.balloonedMiB, swappedMiB: v.swappedMiB, hasBalloonDriver: hasBalloonDriver(v.guestOs.family, v.toolsInstalled),
  };
}

function reclaim(h: MemHost, vms: ReclaimVm[], free: number, st: MemoryFreeState, dt: number, c: ReclaimConfig,
  rationale: (why: string) => MemoryRationale, out: MemoryEvent[], swapFree: number, swappedIn: ReadonlyMap<string, SwapIn>): void {
  const targetFree = (c.thresholds.high / 100) * h.physicalMiB;
  // a VM whose swapped pages were read back this tick is left alone by reclamation and release until the next
  const candidates = swappedIn.size ? vms.filter((v) => !swappedIn.has(v.vmId)) : vms;
  if (st === 'high') {
    const surplus = floor(free - targetFree);
    if (surplus <= 0) return;
    const swapInWhy = `host back in high state: ${surplus} MiB above the ${c.thresholds.high}% threshold, swapped pages return first`;
    releaseSteps(surplus, candidates, dt, c,
      (v, from, to) => out.push(swapEvent('MemorySwappedIn', h, v, from, to, rationale(swapInWhy))),
      (v, from, to, targetMiB) => out.push(balloonEvent('BalloonDeflated', h, v, from, to, targetMiB,
        rationale(`host back in high state: balloon gives back ${from - to} MiB (target ${targetMiB} MiB)`))));
    return;
  }
  let need = ceil(targetFree - free);
  if (need <= 0 || !ballooningAllowed(st)) return;
  const balloonWhy = reclaimReasons(`host needs ${need} MiB to reach ${c.thresholds.high}% free`, c);
  need -= balloonSteps(need, candidates, dt, c, (v, from, to, targetMiB, phase) => {
    // the swap planning below sees what ballooning took this tick
    v.balloonedMiB = to;
    out.push(balloonEvent('BalloonInflated', h, v, from, to, targetMiB, rationale(balloonWhy(v, phase))));
  });
  if (need <= 0 || !swappingAllowed(st)) return;
  // the swap space bounds it: when it is full, swapping stops (what is left shows as the host's pressure)
  const swapNeed = min(need, floor(swapFree));
  if (swapNeed <= 0) return;
  const full = swapNeed < need ? ` (swap space ${h.swapMiB} MiB: ${floor(swapFree)} MiB left)` : '';
  const swapWhy = reclaimReasons(`host needs ${need} MiB more than ballooning gave this tick${full}`, c);
  swapOutSteps(swapNeed, candidates, c, (v, from, to, _target, phase) => out.push(swapEvent('MemorySwappedOut', h, v, from, to, rationale(swapWhy(v, phase)))));
}

/** reclaimWhy for one host's steps, each distinct text built once: VMs of the same size, activity and phase
 *  share it (building it per VM was about half the CPU of a full-cluster first tick, mostly in GC) */
function reclaimReasons(hostNeed: string, c: ReclaimConfig): (v: ReclaimVm, phase: ReclaimStep['phase']) => string {
  // phase (idle or not) -> memoryMiB -> idle MiB -> text
  const texts = [new Map<number, Map<number, string>>(), new Map<number, Map<number, string>>()];
  return (v, phase) => {
    const bySize = texts[phase === 'idle' ? 0 : 1]!;
    let byIdle = bySize.get(v.memoryMiB);
    if (!byIdle) bySize.set(v.memoryMiB, (byIdle = new Map()));
    const idle = v.memoryMiB - v.activeMiB;
    let text = byIdle.get(idle);
    if (text === undefined) byIdle.set(idle, (text = reclaimWhy(hostNeed, v, phase, c)));
    return text;
  };
}

/** Why this VM: the host's need (same text for every VM of the host) and the VM's idle / active split. */
function reclaimWhy(hostNeed: string, v: ReclaimVm, phase: ReclaimStep['phase'], c: ReclaimConfig): string {
  const which = phase === 'idle' ? `idle memory first (idle tax ${c.idleTaxPercent}%)` : 'idle memory exhausted, active memory taken';
  return `${hostNeed}; VM has ${v.memoryMiB - v.activeMiB} MiB idle of ${v.memoryMiB} MiB: ${which}`;
}

function balloonEvent(type: 'BalloonInflated' | 'BalloonDeflated', h: MemHost, v: ReclaimVm, from: number, to: number, targetMiB: number, rationale: MemoryRationale): MemoryEvent {
  return { type, data: { vmId: v.vmId, hostId: h.hostId, targetMiB, balloonedMiB: to, deltaMiB: abs(to - from), rationale } };
}

function swapEvent(type: 'MemorySwappedOut' | 'MemorySwappedIn', h: MemHost, v: ReclaimVm, from: number, to: number, rationale: MemoryRationale): MemoryEvent {
  const slowdown = memorySlowdown({ memoryMiB: v.memoryMiB, activeMiB: v.activeMiB, balloonedMiB: v.balloonedMiB, swappedMiB: to });
  return { type, data: { vmId: v.vmId, hostId: h.hostId, swappedMiB: to, deltaMiB: abs(to - from), slowdown, rationale } };
}

function resetOff(v: MemVm, h: MemHost, rationale: MemoryRationale, out: MemoryEvent[]): void {
  if (v.sharedMiB) out.push({ type: 'PagesShared', data: { vmId: v.vmId, hostId: h.hostId, sharedMiB: 0, previousMiB: v.sharedMiB, zeroMiB: 0, commonMiB: 0, osKey: '', peers: 0, rationale } });
  if (v.balloonedMiB) out.push({ type: 'BalloonDeflated', data: { vmId: v.vmId, hostId: h.hostId, targetMiB: 0, balloonedMiB: 0, deltaMiB: v.balloonedMiB, rationale } });
  if (v.swappedMiB) out.push({ type: 'MemorySwappedIn', data: { vmId: v.vmId, hostId: h.hostId, swappedMiB: 0, deltaMiB: v.swappedMiB, slowdown: 1, rationale } });
}

function stateWhy(from: MemoryFreeState, to: MemoryFreeState, pct: number, c: ReclaimConfig): string {
  const t = c.thresholds;
  const actions: Record<MemoryFreeState, string> = { high: 'page sharing only', soft: 'page sharing + ballooning', hard: 'page sharing + ballooning + swapping', low: 'swapping, VMs above target blocked' };
  return `free memory ${round2(pct)}% (thresholds high ${t.high}% / soft ${t.soft}% / hard ${t.hard}% / low ${t.low}%): ${from} -> ${to}, ${actions[to]}`;
}
