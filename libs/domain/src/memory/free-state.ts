// Host free-memory states (M4, F5). We use the classic ESX rule (Waldspurger, "Memory Resource Management in
// VMware ESX Server", OSDI 2002 §6), not the ESX 5+ minFree sliding scale: thresholds of free memory as a
// percentage of host memory, high 6 / soft 4 / hard 2 / low 1, with hysteresis:
//   going down, the host enters soft below 4%, hard below 2%, low below 1%;
//   going up, it returns to the next higher state only once free memory reaches that state's threshold
//   (low -> hard at 2%, hard -> soft at 4%, soft -> high at 6%): "the system transitions back to the next
//   higher state only after significantly exceeding the higher threshold".
// Actions: high = page sharing only (and give memory back); soft = + ballooning; hard and low = + swapping.
// Reclamation aims at the high threshold (6%), so a host that reclaimed stays reclaimed inside the 4-6% band.
import type { MemoryFreeState } from '@virtsim/contracts';

export interface FreeStateThresholds { high: number; soft: number; hard: number; low: number }
export const ESX_THRESHOLDS: FreeStateThresholds = { high: 6, soft: 4, hard: 2, low: 1 };

const ORDER: MemoryFreeState[] = ['high', 'soft', 'hard', 'low'];
const rank = (s: MemoryFreeState): number => ORDER.indexOf(s);

/** The state with hysteresis: `previous` matters only inside a band between two thresholds. */
export function nextFreeState(previous: MemoryFreeState, freePercent: number, t: FreeStateThresholds = ESX_THRESHOLDS): MemoryFreeState {
  const down: MemoryFreeState = freePercent < t.low ? 'low' : freePercent < t.hard ? 'hard' : freePercent < t.soft ? 'soft' : 'high';
  if (rank(down) >= rank(previous)) return down;
  // climbing: leave a state only at the threshold of the state above it
  // (never worse than `previous`: each up-threshold sits one band above its down-threshold)
  return freePercent >= t.high ? 'high' : freePercent >= t.soft ? 'soft' : freePercent >= t.hard ? 'hard' : 'low';
}

export const ballooningAllowed = (s: MemoryFreeState): boolean => s !== 'high';
export const swappingAllowed = (s: MemoryFreeState): boolean => s === 'hard' || s === 'low';
