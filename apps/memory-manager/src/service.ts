// The memory-manager: host memory accounting and admission (reservations, huge pages, NUMA), per-tick
// reclamation (page sharing, ballooning, swapping) and address translation (M1-M5, F4 memory, F5, P4).
// A thin shell over libs/domain/src/memory, in the layout of every service app (docs/architecture.md): state.ts,
// handlers.ts, commands.ts, tick.ts, views.ts. Its decisions go to `memory-<clusterId>`.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { MemoryManager } from './commands.js';
import { MemoryManagerHandlers } from './handlers.js';
import { memoryManagerProjection, type MemoryManagerState } from './state.js';

@Module({ controllers: [MemoryManagerHandlers], providers: [MemoryManager] })
export class MemoryManagerModule {}

export const memoryManagerDefinition: ServiceDefinition<MemoryManagerState> = {
  name: 'memory-manager',
  projection: memoryManagerProjection,
  module: MemoryManagerModule,
};
