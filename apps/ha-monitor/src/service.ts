// ha-monitor: host heartbeats, fencing and HA restarts, VM monitoring, admission control (F7, HA.md).
// A thin shell around libs/domain/src/ha: one HaState per cluster, folded in place from the whole log. The layout of
// every service app (docs/architecture.md): state.ts, handlers.ts, commands.ts, views.ts, plus echo.ts and placement.ts;
// no tick.ts: the tick is the domain's haTick, run twice around one placement call (commands.ts).
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { HaMonitorHandlers } from './handlers.js';
import { HaMonitor } from './commands.js';
import { haMonitorProjection, type HaMonitorState } from './state.js';

@Module({ controllers: [HaMonitorHandlers], providers: [HaMonitor] })
export class HaMonitorModule {}

export const haMonitorDefinition: ServiceDefinition<HaMonitorState> = {
  name: 'ha-monitor',
  projection: haMonitorProjection,
  module: HaMonitorModule,
};
