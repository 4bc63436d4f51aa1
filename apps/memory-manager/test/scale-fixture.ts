// Full-scale fixture for the memory-manager's scale tests: 128 hosts x 8,000 powered-on VMs (256 GiB hosts,
// 2-8 GiB VMs, ~1.2x overcommitted, mixed guests), built through the service's own projection.
import { ClusterSpec, HostSpec, VmSpec, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import { hash32, memory } from '@virtsim/domain';
import { initialMemoryManagerState, memoryManagerProjection, type MemoryManagerState } from '../src/state.js';

export const HOSTS = 128;
export const VMS = 8000;

let position = 0;
export const rec = (e: EventOf): RecordedEvent => ({
  position: ++position, streamId: 's', streamVersion: position, eventId: String(position), type: e.type, schemaVersion: 1,
  data: e.data, metadata: {}, recordedAt: '',
});

export function cpuMs<T>(f: () => T): { ms: number; value: T } {
  const started = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(started);
  return { ms: (used.user + used.system) / 1000, value };
}

export function best(runs: number, f: () => unknown): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) b = Math.min(b, cpuMs(f).ms);
  return Math.round(b * 10) / 10;
}

/** the whole setup log, in the order the services would write it (reservations decided on the live state) */
export function buildLog(): { state: MemoryManagerState; log: RecordedEvent[] } {
  const state = initialMemoryManagerState();
  const log: RecordedEvent[] = [];
  const add = (events: EventOf[]) => {
    const recs = events.map(rec);
    log.push(...recs);
    memoryManagerProjection.evolveBatch!(state, recs);
  };
  add([{ type: 'ClusterCreated', data: { clusterId: 'c1', spec: ClusterSpec.parse({ name: 'c1', memoryOvercommit: true, memoryOvercommitRatio: 1.5, seed: 7 }) } }]);
  const hostIds = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(3, '0')}`);
  add(hostIds.map((hostId) => ({
    type: 'HostAdded',
    data: { hostId, clusterId: 'c1', spec: HostSpec.parse({
      name: hostId, memoryMiB: 262144, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted' },
      cpu: { sockets: 2, coresPerSocket: 16, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon', features: ['vmx', 'ept'] },
    }) },
  })));
  for (let k = 0; k < VMS; k++) {
    const vmId = `vm-${String(k).padStart(5, '0')}`;
    const hostId = hostIds[k % HOSTS]!;
    const memoryMiB = 2048 * (1 + (hash32(vmId) % 4));
    const guestOs = k % 3 === 0 ? { family: 'windows', version: '2019' } : { family: 'linux', distro: k % 2 ? 'ubuntu' : 'rhel', version: k % 2 ? '22.04' : '9' };
    const numa = memory.singleNode(memoryMiB, 1, k % 2);
    add([
      { type: 'VmCreationRequested', data: { vmId, spec: VmSpec.parse({ name: vmId, clusterId: 'c1', vcpus: 1, memoryMiB, guestOs, toolsInstalled: k % 6 === 0, workload: { activeMemoryMiB: Math.floor(memoryMiB * 0.9) } }) } },
      { type: 'VmPlaced', data: { vmId, clusterId: 'c1', hostId, numa, brokenShouldRules: [], reason: 'seed' } },
    ]);
    const reserved = memory.decideMemory({ type: 'ReserveVmMemory', vmId, hostId, memoryMiB, reservationMiB: 0, hugePages: false, numa }, state.memory);
    add([...reserved, { type: 'VmStateChanged', data: { vmId, clusterId: 'c1', hostId, from: 'stopped', to: 'running', reason: 'seed' } }]);
  }
  return { state, log };
}
