// Test fixtures for the io context (not a test suite: jest runs *.unit.spec.ts only).
import { HostSpec, VmSpec } from '@virtsim/contracts';
import { fold } from '../shared/decider.js';
import { ioDecider, type IoCommand } from './decider.js';
import type { IoInputEvent } from './evolve.js';
import type { IoState } from './state.js';

type HostInput = Partial<Omit<HostSpec, 'cpu' | 'hypervisor'>> & { features?: string[]; mhz?: number; product?: 'kvm' | 'xen' };

export function hostSpec(input: HostInput = {}): HostSpec {
  const { features = ['vmx', 'vt-d'], mhz = 2600, product = 'kvm', ...rest } = input;
  return HostSpec.parse({
    name: 'host', memoryMiB: 262_144,
    cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz, vendor: 'intel', model: 'Xeon', features },
    hypervisor: { type: 'type1', mode: 'hardware-assisted', product },
    ...rest,
  });
}

export function vmSpec(input: Partial<Record<keyof VmSpec, unknown>> = {}): VmSpec {
  return VmSpec.parse({ name: 'vm', clusterId: 'c1', vcpus: 2, memoryMiB: 2048, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' }, ...input });
}

export const hostAdded = (hostId: string, spec: HostSpec): IoInputEvent => ({ type: 'HostAdded', data: { hostId, clusterId: 'c1', spec } });

export const attach = (vmId: string, hostId: string, spec: VmSpec, host: HostSpec): IoCommand => ({ type: 'AttachDevices', vmId, hostId, spec, host });

/** Decide a command on the state folded from `given`, returning the events and the state after them. */
export function when(given: readonly IoInputEvent[], command: IoCommand): { events: IoInputEvent[]; state: IoState } {
  const before = fold(ioDecider, given);
  const events = ioDecider.decide(command, before);
  return { events, state: events.reduce(ioDecider.evolve, before) };
}

/** Run commands in order, each on the state left by the previous ones. */
export function run(given: readonly IoInputEvent[], commands: readonly IoCommand[]): { events: IoInputEvent[]; state: IoState } {
  const events: IoInputEvent[] = [...given];
  let state = fold(ioDecider, given);
  for (const c of commands) {
    const out = ioDecider.decide(c, state);
    for (const e of out) state = ioDecider.evolve(state, e);
    events.push(...out);
  }
  return { events, state };
}

export function thrown(f: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    const err = e as { code: string; message: string; details: Record<string, unknown> };
    return { code: err.code, message: err.message, details: err.details };
  }
  throw new Error('expected a refusal');
}
