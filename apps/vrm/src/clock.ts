// The simulated clock (vrm owns it): time moves in ticks; each tick runs fixed phases, one service at
// a time, and answers when every service has appended its decisions for that tick.
import { Injectable } from '@nestjs/common';
import { protocol, TICK_PHASES } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { notDelivered, withRetry } from '@virtsim/messaging';
import { streams } from './state.js';
import { stepAttemptMs, stepPolicy } from './step-retry.js';
import { Tasks } from './tasks.js';
import { Vrm } from './vrm.service.js';

export const PHASES = TICK_PHASES;
/** the longest one tick phase may take, faults and retries included */
const PHASE_TIMEOUT_MS = 120_000;

@Injectable()
export class Clock {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly vrm: Vrm, private readonly tasks: Tasks) {}

  get now() { return this.vrm.state.clock; }

  get mode() { return this.vrm.state.clockMode; }

  advance(seconds: number): Promise<{ tick: number; simTime: number; ticks: number; events: number }> {
    const run = this.queue.then(() => this.run(seconds));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** one tick of the running clock, in turn with manual advances; none once the clock was paused meanwhile */
  runningTick(): Promise<boolean> {
    const run = this.queue.then(async () => {
      if (this.mode.mode !== 'running') return false;
      await this.run(this.vrm.ctx.config.VIRTSIM_TICK_SECONDS);
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** records RunClock / PauseClock (nothing when the clock is already so) */
  setMode(command: inventory.SimClockCommand) {
    return this.vrm.run((s) => ({
      appends: [{ streamId: streams.clock, events: inventory.simClockDecider.decide(command, s.clockMode) }], result: {},
    }));
  }

  private async run(seconds: number) {
    const tickSeconds = this.vrm.ctx.config.VIRTSIM_TICK_SECONDS;
    let remaining = seconds;
    let ticks = 0;
    let events = 0;
    while (remaining > 0) {
      const step = Math.min(tickSeconds, remaining);
      const { tick, simTime } = await this.vrm.run((s) => {
        const next = { tick: s.clock.tick + 1, simTime: s.clock.simTime + step, tickSeconds: step };
        return { appends: [{ streamId: streams.clock, events: [{ type: 'ClockAdvanced', data: next }] }], result: next, metadata: { simTime: next.simTime } };
      });
      for (const phase of PHASES) {
        // a phase whose service is restarting waits for it: the tick is sent again through any fault (no
        // responder, a lost or late answer, a database error), same tick and simTime; every service answers a
        // repeated tick from its log instead of acting twice (the tick subjects are declared idempotent)
        // A lost answer is asked again after one step attempt's wait; a tick slower than that is answered to the
        // repeat once it ends (the repeat waits behind it), so a phase may take up to PHASE_TIMEOUT_MS.
        const rpc = protocol[phase].tick;
        const policy = stepPolicy(this.vrm, phase, { tick });
        const r = await withRetry(() => this.vrm.ctx.call(rpc, { tick, simTime, tickSeconds: step }, rpc.idempotent ? stepAttemptMs(this.vrm) : PHASE_TIMEOUT_MS),
          { ...policy, windowMs: Math.max(policy.windowMs, PHASE_TIMEOUT_MS), ...(rpc.idempotent ? {} : { retryable: notDelivered }) });
        events += r?.events ?? 0;
      }
      // each tick, not once per advance: a task ends at the simulated time its migration ended, whatever
      // the size of the advance (and the log does not depend on who reads the task when)
      await this.tasks.syncMigrations();
      remaining -= step;
      ticks++;
    }
    return { tick: this.now.tick, simTime: this.now.simTime, ticks, events };
  }
}
