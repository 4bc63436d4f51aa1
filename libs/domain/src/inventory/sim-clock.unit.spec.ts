import { spec } from '@virtsim/testing/decider';
import { MAX_CLOCK_RATE, needsSimulatedTime, simClockDecider, tickDelayMs } from './sim-clock.js';

const clock = spec(simClockDecider);

describe('the simulated clock mode', () => {
  it('manual -> running at 60 -> running at 600 -> manual', () => {
    clock.given([]).when({ type: 'RunClock', rate: 60 }).then([{ type: 'ClockStarted', data: { rate: 60 } }]);
    clock.given([{ type: 'ClockStarted', data: { rate: 60 } }]).when({ type: 'RunClock', rate: 600 }).then([{ type: 'ClockStarted', data: { rate: 600 } }]);
    clock.given([{ type: 'ClockStarted', data: { rate: 60 } }]).when({ type: 'PauseClock' }).then([{ type: 'ClockPaused', data: {} }]);
  });

  it('running again at the same rate, or pausing a manual clock, records nothing', () => {
    clock.given([{ type: 'ClockStarted', data: { rate: 60 } }]).when({ type: 'RunClock', rate: 60 }).thenNothingHappened();
    clock.given([]).when({ type: 'PauseClock' }).thenNothingHappened();
    clock.given([{ type: 'ClockStarted', data: { rate: 60 } }, { type: 'ClockPaused', data: {} }]).when({ type: 'PauseClock' }).thenNothingHappened();
  });

  it('a rate of 0, below 0, not finite or above the maximum is invalid', () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, MAX_CLOCK_RATE + 1]) {
      clock.given([]).when({ type: 'RunClock', rate }).thenThrows('invalid');
    }
    clock.given([]).when({ type: 'RunClock', rate: MAX_CLOCK_RATE }).then([{ type: 'ClockStarted', data: { rate: MAX_CLOCK_RATE } }]);
  });
});

describe('tick pacing', () => {
  it('at 60x a 10 s tick is due every 166.7 ms of real time', () => {
    expect(tickDelayMs(60, 10, 0)).toBeCloseTo(166.667, 2);
    expect(tickDelayMs(60, 10, 100)).toBeCloseTo(66.667, 2);
    expect(tickDelayMs(60, 20, 200)).toBeCloseTo(133.333, 2);
  });

  it('a clock behind its rate runs the next tick at once', () => {
    expect(tickDelayMs(60, 10, 500)).toBe(0);
    expect(tickDelayMs(1, 0, 0)).toBe(0);
  });
});

describe('tasks that need simulated time', () => {
  it('a migration waits for ticks; a VM creation does not', () => {
    expect(needsSimulatedTime('vm.migrate')).toBe(true);
    expect(needsSimulatedTime('vm.create')).toBe(false);
    expect(needsSimulatedTime('vm.batch')).toBe(false);
  });
});
