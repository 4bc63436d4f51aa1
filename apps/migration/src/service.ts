// migration: live (F8, pre-copy), cold (C4) moves, IMC checks (F11), evacuation for maintenance / DPM, per-host
// concurrency limits and queues. A thin shell around libs/domain/src/migration: one MigrationState for every
// cluster, folded in place from the whole log, plus the inventory facts its preconditions read. The layout of every
// service app (docs/architecture.md): state.ts, handlers.ts, commands.ts, tick.ts, views.ts, plus echo.ts and facts.ts.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { MigrationHandlers } from './handlers.js';
import { Migrations } from './commands.js';
import { migrationProjection, type MigrationServiceState } from './state.js';

@Module({ controllers: [MigrationHandlers], providers: [Migrations] })
export class MigrationModule {}

export const migrationDefinition: ServiceDefinition<MigrationServiceState> = {
  name: 'migration',
  projection: migrationProjection,
  module: MigrationModule,
};
