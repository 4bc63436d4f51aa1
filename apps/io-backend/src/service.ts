// io-backend (Dom0): virtual devices (emulated / virtio / passthrough / vGPU), the XenStore-like registry, PV
// drivers and the per-tick I/O cost model (features I1-I6, F1, F3, C2). A thin shell around libs/domain/src/io:
// one IoState for every cluster, folded in place from the whole log. The layout of every service app
// (docs/architecture.md): state.ts, handlers.ts, commands.ts, tick.ts, views.ts, plus scratch.ts.
import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@virtsim/service-kit';
import { IoBackendHandlers } from './handlers.js';
import { IoBackend } from './commands.js';
import { ioBackendProjection, type IoBackendState } from './state.js';

@Module({ controllers: [IoBackendHandlers], providers: [IoBackend] })
export class IoBackendModule {}

export const ioBackendDefinition: ServiceDefinition<IoBackendState> = {
  name: 'io-backend',
  projection: ioBackendProjection,
  module: IoBackendModule,
};
