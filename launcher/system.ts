// The whole system in one process for tests and benchmarks: every service on one runtime, vrm on HTTP.
import { SERVICES, type ServiceName } from '@virtsim/messaging';
import { loadConfig, Runtime, type RunningService } from '@virtsim/service-kit';
import { startService } from './services.js';

export interface System {
  rt: Runtime;
  url: string;
  services: Map<ServiceName, RunningService<unknown>>;
  stop(name?: ServiceName): Promise<void>;
  start(name: ServiceName): Promise<void>;
}

export async function startSystem(env: Record<string, string>): Promise<System> {
  const rt = await Runtime.create(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env }));
  const services = new Map<ServiceName, RunningService<unknown>>();
  const order: ServiceName[] = [...SERVICES.filter((s) => s !== 'vrm'), 'vrm'];
  for (const name of order) services.set(name, await startService(rt, name, 'vrm'));
  const url = services.get('vrm')!.url!;
  return {
    rt, url, services,
    start: async (name) => { services.set(name, await startService(rt, name, 'vrm')); },
    stop: async (name) => {
      if (name) {
        await services.get(name)?.stop();
        services.delete(name);
        return;
      }
      for (const n of [...order].reverse()) await services.get(n)?.stop();
      await rt.close();
    },
  };
}
