// The running clock: while the log says the clock runs (ClockStarted), the leader vrm ticks it at the recorded
// rate through the same tick path as POST /sim/advance, in turn with manual advances. A standby, a deposed
// leader and a paused clock do not tick. Ticks slower than the rate set the pace; the lag is not repaid later.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { inventory } from '@virtsim/domain';
import { Clock } from './clock.js';
import { Vrm } from './vrm.service.js';

/** how often an idle driver looks again (leadership, mode) */
const IDLE_MS = 200;
/** a clock further behind its rate than this starts counting afresh */
const MAX_LAG_MS = 1_000;

/** since when the clock runs at `rate`, and how much simulated time this driver has run since */
interface Pace { rate: number; realMs: number; simulated: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class ClockDriver implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  /** the tick in flight, so that a pause answers after it */
  private tick: Promise<unknown> = Promise.resolve();
  private configured = false;

  constructor(private readonly vrm: Vrm, private readonly clock: Clock) {}

  onApplicationBootstrap(): void {
    if (this.vrm.ctx.config.VIRTSIM_SIM_RATE !== 'manual') this.loop = this.drive();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** resolves when the tick in flight (if any) has ended */
  settled(): Promise<void> {
    return this.tick.then(() => undefined, () => undefined);
  }

  private async drive(): Promise<void> {
    let since = null as Pace | null;
    while (!this.stopped) {
      const mode = this.vrm.state.clockMode;
      if (!this.vrm.leader.isLeader) { since = null; await sleep(IDLE_MS); continue; }
      if (!this.configured) { await this.applyConfiguredRate(); continue; }
      if (mode.mode !== 'running' || mode.rate === null) { since = null; await sleep(IDLE_MS); continue; }
      if (since?.rate !== mode.rate) since = { rate: mode.rate, realMs: performance.now(), simulated: 0 };
      const elapsed = performance.now() - since.realMs;
      const wait = inventory.tickDelayMs(mode.rate, since.simulated, elapsed);
      if (wait > 0) { await sleep(Math.min(wait, IDLE_MS)); continue; }
      if (elapsed - (since.simulated / mode.rate) * 1000 > MAX_LAG_MS) since = { ...since, realMs: performance.now(), simulated: 0 };
      await this.runTick();
      since.simulated += this.vrm.ctx.config.VIRTSIM_TICK_SECONDS;
    }
  }

  private async runTick(): Promise<void> {
    this.tick = this.clock.runningTick();
    try {
      await this.tick;
    } catch (err) {
      this.vrm.ctx.log.warn({ err }, 'running clock: tick failed; trying again');
      await sleep(IDLE_MS);
    }
  }

  /** VIRTSIM_SIM_RATE=<n>: the first time this process leads, the clock runs at n */
  private async applyConfiguredRate(): Promise<void> {
    const rate = this.vrm.ctx.config.VIRTSIM_SIM_RATE;
    try {
      if (typeof rate === 'number') await this.clock.setMode({ type: 'RunClock', rate });
      this.configured = true;
    } catch (err) {
      this.vrm.ctx.log.warn({ err }, 'running clock: could not record VIRTSIM_SIM_RATE; trying again');
      await sleep(IDLE_MS);
    }
  }
}
