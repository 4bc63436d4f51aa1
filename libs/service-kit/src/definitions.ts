// Which definition implements each service, registered once by the composition root (launcher/services.ts).
// A service that must run a whole throwaway installation of its own (the vrm's what-if forks, B5) takes them
// from here: an app may not import another app.
import type { ServiceName } from '@virtsim/messaging';
import type { ServiceDefinition } from './boot.js';

let registered: Readonly<Record<ServiceName, ServiceDefinition<any>>> | null = null;

export function registerServiceDefinitions(defs: Record<ServiceName, ServiceDefinition<any>>): void {
  registered = defs;
}

/** every service's definition; throws when the composition root registered none */
export function serviceDefinitions(): Readonly<Record<ServiceName, ServiceDefinition<any>>> {
  if (!registered) throw new Error('no service definitions registered (the composition root registers them)');
  return registered;
}
