// The scheduler: placement (P1, P4, F6, F11-F13), the vCPU scheduling model (P2, P3, C5, C6), DRS (F9), DPM (F10).
// A thin shell over libs/domain/src/placement and libs/domain/src/cpu, in the layout of every service app
// (docs/architecture.md): state.ts, handlers.ts, commands.ts, tick.ts, views.ts.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { Scheduler } from './commands.js';
import { SchedulerHandlers } from './handlers.js';
import { schedulerProjection, type SchedulerState } from './state.js';

@Module({ controllers: [SchedulerHandlers], providers: [Scheduler] })
export class SchedulerModule {}

export const schedulerDefinition: ServiceDefinition<SchedulerState> = {
  name: 'scheduler',
  projection: schedulerProjection,
  module: SchedulerModule,
};
