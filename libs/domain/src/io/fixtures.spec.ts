// Test fixtures for the io context (not a test suite: jest runs *.unit.spec.ts only).
import { HostSpec, VmSpec } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { ioDecider, type IoCommand } from './decider.js';
import type { IoInputEvent } from './evolve.js';

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

/** given / when / then over the io decider (libs/testing/src/decider-spec.ts) */
export const io = spec(ioDecider);
