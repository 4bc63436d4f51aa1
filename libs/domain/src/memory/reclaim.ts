// Reclamation planning on one host (M4, F5): who gives memory back, how much, and why.
// Idle memory is taken before active memory (idle memory tax, Waldspurger OSDI 2002 §5.3, ESX default
// Mem.IdleTax 75%): phase 1 spreads the need over each VM's taxable idle memory (75% of memory - active,
// less what it already gave), phase 2 over whatever else may still go. Nothing goes below a VM's reservation,
// shared pages are never reclaimed (freeing one frees nothing), huge-page-backed VMs are never touched (M3).
// Defaults (model choices): balloon at most 65% of a VM's memory (ESX Mem.CtlMaxPercent 65), inflate / deflate
// 32 MiB/s per VM, swap-in 64 MiB/s per VM (pages come back as touched), swap-out as fast as needed
// (the hypervisor pages out forcibly in hard / low).
import type { MemoryFreeState } from '@virtsim/contracts';
import { ESX_THRESHOLDS, type FreeStateThresholds } from './free-state.js';

// Math bound once: module-scope functions stay fast where global lookups are slow (jest's vm context).
const { floor, max, min, round } = Math;

export interface ReclaimConfig {
  thresholds: FreeStateThresholds;
  maxBalloonPercent: number;
  balloonRateMiBps: number;
  swapInRateMiBps: number;
  idleTaxPercent: number;
}
export const DEFAULT_RECLAIM_CONFIG: ReclaimConfig = {
  thresholds: ESX_THRESHOLDS, maxBalloonPercent: 65, balloonRateMiBps: 32, swapInRateMiBps: 64, idleTaxPercent: 75,
};

/** A VM as the planner sees it this tick (normal-page, powered on). */
export interface ReclaimVm {
  vmId: string;
  memoryMiB: number;
  reservationMiB: number;
  activeMiB: number;
  sharedMiB: number;
  balloonedMiB: number;
  swappedMiB: number;
  hasBalloonDriver: boolean;
}

export interface ReclaimStep { vmId: string; from: number; to: number; targetMiB: number; phase: 'idle' | 'active' | 'release' }

// The planners run for every VM of a full cluster each tick, so they loop over plain arrays instead of
// chaining map / filter / flatMap (which allocate a closure call and often an array per VM).

const sum = (xs: readonly number[]): number => {
  let total = 0;
  for (const x of xs) total += x;
  return total;
};

/** Split `need` (whole MiB) over rooms in proportion, never more than a room. Shares are floored and the
 *  few MiB left by the floors go to the first rooms in order (VMs come sorted by id), so a small need is
 *  still met instead of rounding to nothing every tick. */
export function distribute(need: number, rooms: readonly number[]): number[] {
  const total = sum(rooms);
  if (need <= 0 || total <= 0) return new Array<number>(rooms.length).fill(0);
  if (total <= need) return [...rooms];
  const shares = new Array<number>(rooms.length);
  for (let i = 0; i < rooms.length; i++) shares[i] = floor((need * rooms[i]!) / total);
  let left = need - sum(shares);
  for (let i = 0; i < shares.length && left > 0; i++) {
    const give = min(left, rooms[i]! - shares[i]!);
    shares[i]! += give;
    left -= give;
  }
  return shares;
}

/** Balloon driver: Linux ships virtio-balloon in the kernel; Windows needs the vendor Tools (F1). */
export const hasBalloonDriver = (family: 'linux' | 'windows', toolsInstalled: boolean): boolean => family === 'linux' || toolsInstalled;

/** 65% of a 16 GiB VM = 10,649.6 MiB -> 10,649 MiB (10.4 GiB). */
export const balloonCapMiB = (memoryMiB: number, c: ReclaimConfig = DEFAULT_RECLAIM_CONFIG): number => floor((memoryMiB * c.maxBalloonPercent) / 100);

const taxableIdle = (v: ReclaimVm, c: ReclaimConfig): number =>
  max(0, floor(((v.memoryMiB - v.activeMiB) * c.idleTaxPercent) / 100) - v.balloonedMiB - v.swappedMiB);
const privateRoom = (v: ReclaimVm): number =>
  max(0, v.memoryMiB - v.reservationMiB - v.sharedMiB - v.balloonedMiB - v.swappedMiB);

/** Two-phase (idle, then active) split of `need` over VMs whose hard caps are `caps`: the amount per VM, and
 *  whether active memory had to be taken from it (phase 'active'). */
function idleFirst(need: number, vms: readonly ReclaimVm[], caps: readonly number[], c: ReclaimConfig): { amounts: number[]; active: boolean[] } {
  const n = vms.length;
  const idleRooms = new Array<number>(n);
  for (let i = 0; i < n; i++) idleRooms[i] = min(caps[i]!, taxableIdle(vms[i]!, c));
  const first = distribute(need, idleRooms);
  const rest = new Array<number>(n);
  for (let i = 0; i < n; i++) rest[i] = caps[i]! - first[i]!;
  const second = distribute(need - sum(first), rest);
  const active = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    first[i]! += second[i]!;
    active[i] = second[i]! > 0;
  }
  return { amounts: first, active };
}

/** A step handed over as it is decided: the VM, its figure before and after this tick, the target and the phase.
 *  A tick turns each into its event at once instead of collecting a step record per VM first. */
export type StepSink = (v: ReclaimVm, from: number, to: number, targetMiB: number, phase: ReclaimStep['phase']) => void;

const collect = (steps: ReclaimStep[]): StepSink => (v, from, to, targetMiB, phase) => { steps.push({ vmId: v.vmId, from, to, targetMiB, phase }); };

/** Balloon inflation toward the need: each step to `sink`; returns the MiB actually reclaimed this tick. */
export function balloonSteps(need: number, vms: readonly ReclaimVm[], tickSeconds: number, c: ReclaimConfig, sink: StepSink): number {
  const drivers: ReclaimVm[] = [];
  const caps: number[] = [];
  for (const v of vms) {
    if (!v.hasBalloonDriver) continue;
    drivers.push(v);
    caps.push(max(0, min(balloonCapMiB(v.memoryMiB, c) - v.balloonedMiB, privateRoom(v))));
  }
  const { amounts, active } = idleFirst(need, drivers, caps, c);
  const rate = floor(c.balloonRateMiBps * tickSeconds);
  let reclaimed = 0;
  for (let i = 0; i < drivers.length; i++) {
    const v = drivers[i]!;
    const step = min(amounts[i]!, rate);
    if (step <= 0) continue;
    reclaimed += step;
    sink(v, v.balloonedMiB, v.balloonedMiB + step, v.balloonedMiB + amounts[i]!, active[i] ? 'active' : 'idle');
  }
  return reclaimed;
}

export function planBalloon(need: number, vms: readonly ReclaimVm[], tickSeconds: number, c: ReclaimConfig): { steps: ReclaimStep[]; reclaimed: number } {
  const steps: ReclaimStep[] = [];
  const reclaimed = balloonSteps(need, vms, tickSeconds, c, collect(steps));
  return { steps, reclaimed };
}

/** Hypervisor swap-out of what ballooning could not reclaim this tick (hard / low states), each step to `sink`. */
export function swapOutSteps(need: number, vms: readonly ReclaimVm[], c: ReclaimConfig, sink: StepSink): void {
  const rooms = new Array<number>(vms.length);
  for (let i = 0; i < vms.length; i++) rooms[i] = privateRoom(vms[i]!);
  const { amounts, active } = idleFirst(need, vms, rooms, c);
  for (let i = 0; i < vms.length; i++) {
    const v = vms[i]!;
    const amount = amounts[i]!;
    if (amount > 0) sink(v, v.swappedMiB, v.swappedMiB + amount, v.swappedMiB + amount, active[i] ? 'active' : 'idle');
  }
}

export function planSwapOut(need: number, vms: readonly ReclaimVm[], c: ReclaimConfig): ReclaimStep[] {
  const steps: ReclaimStep[] = [];
  swapOutSteps(need, vms, c, collect(steps));
  return steps;
}

/** Give memory back when the host is high: swapped pages first (they cost most, to `swapIn`), then balloons
 *  (to `deflate`). */
export function releaseSteps(surplus: number, vms: readonly ReclaimVm[], tickSeconds: number, c: ReclaimConfig, swapIn: StepSink, deflate: StepSink): void {
  const used = giveBack(surplus, vms, (v) => v.swappedMiB, floor(c.swapInRateMiBps * tickSeconds), swapIn);
  giveBack(surplus - used, vms, (v) => v.balloonedMiB, floor(c.balloonRateMiBps * tickSeconds), deflate);
}

export function planRelease(surplus: number, vms: readonly ReclaimVm[], tickSeconds: number, c: ReclaimConfig): { swapIn: ReclaimStep[]; deflate: ReclaimStep[] } {
  const swapIn: ReclaimStep[] = [];
  const deflate: ReclaimStep[] = [];
  releaseSteps(surplus, vms, tickSeconds, c, collect(swapIn), collect(deflate));
  return { swapIn, deflate };
}

/** the MiB given back */
function giveBack(surplus: number, vms: readonly ReclaimVm[], held: (v: ReclaimVm) => number, rate: number, sink: StepSink): number {
  const holds = new Array<number>(vms.length);
  for (let i = 0; i < vms.length; i++) holds[i] = held(vms[i]!);
  const targets = distribute(surplus, holds);
  let given = 0;
  for (let i = 0; i < vms.length; i++) {
    const step = min(targets[i]!, rate);
    if (step <= 0) continue;
    given += step;
    sink(vms[i]!, holds[i]!, holds[i]! - step, holds[i]! - targets[i]!, 'release');
  }
  return given;
}

/**
 * Performance left to a VM, as a slowdown factor >= 1 (1 = none). Reclaimed pages are idle ones first; only
 * reclaimed pages beyond the idle ones hit the working set. A swapped active page costs a disk read
 * (~100 us vs ~100 ns DRAM, heavily amortised): a fully swapped working set runs 10x slower; a ballooned active
 * page makes the guest page by itself, which it does better (2x). Idle swapped pages add 5% x swapped fraction.
 */
export function memorySlowdown(v: { memoryMiB: number; activeMiB: number; balloonedMiB: number; swappedMiB: number }): number {
  const reclaimed = v.balloonedMiB + v.swappedMiB;
  if (reclaimed <= 0 || v.memoryMiB <= 0) return 1;
  const active = max(1, min(v.activeMiB, v.memoryMiB));
  const hit = max(0, reclaimed - (v.memoryMiB - active));
  const swappedHit = (hit * v.swappedMiB) / reclaimed;
  const balloonedHit = hit - swappedHit;
  const f = 1 + (9 * swappedHit) / active + balloonedHit / active + (0.05 * v.swappedMiB) / v.memoryMiB;
  return round(f * 1000) / 1000;
}

export const isReclaiming = (s: MemoryFreeState): boolean => s !== 'high';
