// Which app implements which service, and which one owns the HTTP port.
import type { ServiceName } from '@virtsim/messaging';
import { bootService, registerServiceDefinitions, type Runtime, type RunningService, type ServiceDefinition } from '@virtsim/service-kit';
import { vrmDefinition, vrmHttp } from '../apps/vrm/src/service.js';
import { schedulerDefinition } from '../apps/scheduler/src/service.js';
import { memoryManagerDefinition } from '../apps/memory-manager/src/service.js';
import { ioBackendDefinition } from '../apps/io-backend/src/service.js';
import { haMonitorDefinition } from '../apps/ha-monitor/src/service.js';
import { migrationDefinition } from '../apps/migration/src/service.js';

const DEFINITIONS: Record<ServiceName, ServiceDefinition<any>> = {
  vrm: vrmDefinition,
  scheduler: schedulerDefinition,
  'memory-manager': memoryManagerDefinition,
  'io-backend': ioBackendDefinition,
  'ha-monitor': haMonitorDefinition,
  migration: migrationDefinition,
};
registerServiceDefinitions(DEFINITIONS);

/** `httpOwner` serves the port: vrm in the embedded process, each service alone otherwise (health, metrics) */
export async function startService(rt: Runtime, name: ServiceName, httpOwner: ServiceName): Promise<RunningService<unknown>> {
  const http = name === httpOwner ? { port: rt.config.PORT, configure: name === 'vrm' ? vrmHttp : undefined } : undefined;
  return bootService(rt, DEFINITIONS[name], http);
}
