// The invariant watcher (B6): folds the whole log into the joined world of every service with the domain's
// pure evolve (libs/domain/src/invariants), checks the invariants after every applied batch (what the batch
// touched) and at every tick (everything), and appends InvariantViolated / InvariantRestored on `invariants`.
// Checks are coalesced: one runs at a time, and the batches applied meanwhile are checked together next.
// Only the leader writes; a standby folds, so it knows the open breaches when elected (then checks everything).
// Deterministic: the world holds positions and simulated time only.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { InvariantEvent, RecordedEvent, VerifyAnswer } from '@virtsim/contracts';
import { invariants } from '@virtsim/domain';
import { Projection, registry, rootLogger, type ProjectionDef } from '@virtsim/service-kit';
import { Counter, Gauge } from 'prom-client';
import { Vrm } from '../vrm.service.js';

export const INVARIANTS_STREAM = 'invariants';

export interface WatchState { world: invariants.World; status: invariants.InvariantStatus; tick: boolean }

export const violationsTotal = new Counter({
  name: 'virtsim_invariant_violations_total', help: 'InvariantViolated events in the log (folded by this vrm)', labelNames: ['invariant'], registers: [registry],
});
export const openBreaches = new Gauge({
  name: 'virtsim_invariant_open_breaches', help: 'breaches of an invariant not yet restored', labelNames: ['invariant'], registers: [registry],
});

@Injectable()
export class InvariantWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly projection: Projection<WatchState>;
  private wanted = false;
  private looping: Promise<void> | null = null;
  private closed = false;
  private full = true;

  constructor(private readonly vrm: Vrm) {
    const def: ProjectionDef<WatchState> = {
      name: 'invariant-watcher',
      initialState: () => ({ world: invariants.emptyWorld(), status: invariants.emptyStatus(), tick: false }),
      evolve: (s, e) => this.evolve(s, e),
      evolveBatch: (s, events) => {
        for (const e of events) this.evolve(s, e);
        this.schedule();
        return s;
      },
    };
    // no snapshots: the world keeps sets of what changed since the last check (rebuilt from the log at boot)
    this.projection = new Projection(def, vrm.ctx.store, { snapshotEvery: Number.MAX_SAFE_INTEGER, onError: (err) => rootLogger().warn({ err }, 'invariant watcher') });
    vrm.leader.on('elected', () => { this.full = true; this.schedule(); });
  }

  get state(): WatchState { return this.projection.state; }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.looping;
    await this.projection.stop();
  }

  /** resolves once every event committed so far is folded and checked, and what the check appended is folded */
  async settle(): Promise<void> {
    await this.projection.catchUp(null);
    while (this.looping) await this.looping;
  }

  /** records a verification's outcome as state-equals-replay breaches or their ends (the leader only) */
  async recordVerification(services: readonly VerifyAnswer[]): Promise<void> {
    await this.settle();
    if (!this.vrm.leader.isLeader) return;
    const events = invariants.decideReplayVerification(this.state.status, services);
    if (events.length) await this.append(events, this.state.world.simTime);
    this.gauge();
  }

  private evolve(s: WatchState, e: RecordedEvent): WatchState {
    invariants.evolveWorld(s.world, e);
    invariants.evolveStatus(s.status, e);
    if (e.type === 'ClockAdvanced') s.tick = true;
    if (e.type === 'InvariantViolated') violationsTotal.inc({ invariant: (e.data as { invariant: string }).invariant });
    return s;
  }

  private schedule(): void {
    this.wanted = true;
    if (!this.looping && !this.closed) this.looping = this.loop().finally(() => { this.looping = null; });
  }

  private async loop(): Promise<void> {
    // let the batch that scheduled this finish applying (evolveBatch runs inside the projection's apply)
    await Promise.resolve();
    while (this.wanted && !this.closed) {
      this.wanted = false;
      try {
        await this.check();
      } catch (err) {
        rootLogger().warn({ err }, 'invariant check failed; retried at the next batch');
      }
    }
  }

  private async check(): Promise<void> {
    const s = this.state;
    const full = this.full || s.tick;
    if (!this.vrm.leader.isLeader) {
      // a standby decides nothing; what changed meanwhile is checked in full when it is elected
      s.world.dirtyVms.clear();
      s.world.dirtyHosts.clear();
      return;
    }
    this.full = false;
    s.tick = false;
    const events = invariants.decideInvariants(s.status, s.world, { full });
    if (events.length) await this.append(events, s.world.simTime);
    this.gauge();
  }

  private async append(events: InvariantEvent[], simTime: number): Promise<void> {
    const r = await this.vrm.run(() => ({
      appends: [{ streamId: INVARIANTS_STREAM, events }], result: {}, metadata: { simTime, actor: 'invariant-watcher' },
    }));
    await this.projection.waitFor(r.position);
  }

  private gauge(): void {
    const open = new Map<string, number>();
    for (const b of Object.values(this.state.status.open)) open.set(b.invariant, (open.get(b.invariant) ?? 0) + 1);
    for (const inv of invariants.INVARIANTS) openBreaches.set({ invariant: inv.id }, open.get(inv.id) ?? 0);
  }
}
