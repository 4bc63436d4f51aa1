// The scheduler: placement (P1, P4, F6, F11-F13), the vCPU scheduling model (P2, P3, C5, C6), DRS (F9), DPM (F10).
// A thin shell over libs/domain/src/placement and libs/domain/src/cpu: state = fold of the log (state.ts),
// subjects in scheduler.handlers.ts, per-tick decisions in tick.ts.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { SchedulerHandlers } from './scheduler.handlers.js';
import { schedulerProjection, type SchedulerState } from './state.js';

@Module({ controllers: [SchedulerHandlers] })
export class SchedulerModule {}

export const schedulerDefinition: ServiceDefinition<SchedulerState> = {
  name: 'scheduler',
  projection: schedulerProjection,
  module: SchedulerModule,
};
