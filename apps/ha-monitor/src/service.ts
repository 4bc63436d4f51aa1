// ha-monitor: host heartbeats, fencing and HA restarts, VM monitoring, admission control (F7, HA.md).
// A thin shell around libs/domain/src/ha: one HaState per cluster, folded in place from the whole log.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { HaMonitorHandlers } from './handlers.js';
import { HaMonitor } from './ha-monitor.service.js';
import { haMonitorProjection, type HaMonitorState } from './state.js';

@Module({ controllers: [HaMonitorHandlers], providers: [HaMonitor] })
export class HaMonitorModule {}

export const haMonitorDefinition: ServiceDefinition<HaMonitorState> = {
  name: 'ha-monitor',
  projection: haMonitorProjection,
  module: HaMonitorModule,
};
