// The vrm's one way to change anything: decide against the current state, append to the owning streams.
import { Injectable } from '@nestjs/common';
import type { EventMetadata, EventOf } from '@virtsim/contracts';
import type { AppendBatch } from '@virtsim/event-store';
import { LeaderElector, ServiceContext, type Decision, type RunOptions } from '@virtsim/service-kit';
import type { VrmState } from './state.js';

export interface Append { streamId: string; events: EventOf[] }

@Injectable()
export class Vrm {
  constructor(readonly ctx: ServiceContext<VrmState>, readonly leader: LeaderElector) {}

  get state(): VrmState { return this.ctx.state; }

  metadata(extra: EventMetadata = {}): EventMetadata {
    // the epoch fences a deposed leader out of the log
    return { simTime: this.state.clock.simTime, actor: 'vrm', epoch: this.leader.epoch, ...extra };
  }

  /** runs `decide` serialized against the current state; its appends get their expected versions here */
  run<T>(decide: (state: VrmState) => { appends: Append[]; result: T; metadata?: EventMetadata }, options?: RunOptions): Promise<T & { position: number }> {
    return this.ctx.commands.run((state): Decision<T> => {
      const d = decide(state);
      return { appends: this.batches(d.appends), result: d.result, metadata: this.metadata(d.metadata) };
    }, options);
  }

  private batches(appends: Append[]): AppendBatch[] {
    const byStream = new Map<string, EventOf[]>();
    for (const a of appends) byStream.set(a.streamId, [...(byStream.get(a.streamId) ?? []), ...a.events]);
    return [...byStream].map(([streamId, events]) => ({
      streamId, expectedVersion: this.ctx.commands.expected(streamId), events: events.map((e) => ({ type: e.type, data: e.data })),
    }));
  }
}
