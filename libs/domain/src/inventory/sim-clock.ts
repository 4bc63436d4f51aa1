// The simulated clock's mode (vrm): manual (time moves only by POST /sim/advance) or running at a rate of
// simulated seconds per real second. The mode is in the log, so a restarted leader runs on at the same rate.
//
// API: simClockDecider: Decider<SimClockMode, SimClockCommand, SimClockEvent>
//   RunClock {rate}  -> ClockStarted {rate} | [] when already running at that rate
//   PauseClock       -> ClockPaused         | [] when already manual
//   tickDelayMs(rate, simulatedSeconds, elapsedMs): real milliseconds to wait before the next tick of a clock
//     that has run `simulatedSeconds` in `elapsedMs` since it started (0: due now)
//   needsSimulatedTime(kind): whether a task of this kind ends only when simulated time passes
import { invalid } from '@virtsim/contracts';
import type { SimClockEvent } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';

/** one simulated week per real second: beyond it a tick every ~14 µs means the ticks, not the rate, set the pace */
export const MAX_CLOCK_RATE = 604_800;

export interface SimClockMode { mode: 'manual' | 'running'; rate: number | null }
export type SimClockCommand = { type: 'RunClock'; rate: number } | { type: 'PauseClock' };

export const CLOCK_STOPPED_HINT = 'the simulated clock is stopped: POST /api/v1/sim/run {rate} or /api/v1/sim/advance {seconds}';

export const simClockDecider: Decider<SimClockMode, SimClockCommand, SimClockEvent> = {
  initialState: () => ({ mode: 'manual', rate: null }),
  evolve: evolveSimClock,
  decide: (command, state) => {
    if (command.type === 'PauseClock') return state.mode === 'manual' ? [] : [{ type: 'ClockPaused', data: {} }];
    const { rate } = command;
    if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_CLOCK_RATE) {
      const message = `rate must be more than 0 and at most ${MAX_CLOCK_RATE} simulated seconds per real second`;
      throw invalid(message, [{ path: 'rate', message }]);
    }
    return state.mode === 'running' && state.rate === rate ? [] : [{ type: 'ClockStarted', data: { rate } }];
  },
};

export function evolveSimClock(state: SimClockMode, event: { type: string; data: unknown }): SimClockMode {
  if (event.type === 'ClockStarted') return { mode: 'running', rate: (event.data as { rate: number }).rate };
  if (event.type === 'ClockPaused') return { mode: 'manual', rate: null };
  return state;
}

export function tickDelayMs(rate: number, simulatedSeconds: number, elapsedMs: number): number {
  return Math.max(0, (simulatedSeconds / rate) * 1000 - elapsedMs);
}

export const needsSimulatedTime = (kind: string): boolean => kind === 'vm.migrate' || kind === 'host.maintenance';
