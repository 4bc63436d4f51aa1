// The memory-manager: host memory accounting and admission (reservations, huge pages, NUMA), per-tick
// reclamation (page sharing, ballooning, swapping) and address translation (M1-M5, F4 memory, F5, P4).
// A thin shell over libs/domain/src/memory: state = fold of the log, in place (state.ts), subjects in
// handlers.ts, per-tick decisions in tick.ts, read models in views.ts. Its decisions go to `memory-<clusterId>`.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { MemoryManagerHandlers } from './handlers.js';
import { memoryManagerProjection, type MemoryManagerState } from './state.js';

@Module({ controllers: [MemoryManagerHandlers] })
export class MemoryManagerModule {}

export const memoryManagerDefinition: ServiceDefinition<MemoryManagerState> = {
  name: 'memory-manager',
  projection: memoryManagerProjection,
  module: MemoryManagerModule,
};
