// A VM as the vrm and scheduler would have logged it, for tests that seed a cluster without running them:
// requested, created, stopped, then (unless `state: 'stopped'`) started and running; and its VmPlaced.
import type { EventOf } from '@virtsim/contracts';

export interface SeededVm {
  vcpus?: number;
  memoryMiB?: number;
  state?: 'running' | 'stopped';
  /** spec fields beyond the defaults (a 2-vCPU Linux VM with one 10 GiB virtio disk and Tools) */
  spec?: Record<string, unknown>;
}

/** the events for the seeded cluster stream and for the placement stream */
export function seededVm(clusterId: string, vmId: string, hostId: string, o: SeededVm = {}): { cluster: EventOf[]; placement: EventOf[] } {
  const vcpus = o.vcpus ?? 2;
  const memoryMiB = o.memoryMiB ?? 1024;
  const spec = {
    name: vmId, clusterId, vcpus, memoryMiB, guestOs: { family: 'linux', version: '9' }, toolsInstalled: true,
    disks: [{ sizeGiB: 10, bus: 'virtio' }], floppies: [], nics: [], gpus: [], hugePages: false, cpuShares: 1000,
    cpuReservationMhz: 0, memoryReservationMiB: 0, powerOn: false, ...o.spec,
  };
  const numa = { nodes: [0], memoryMiBPerNode: [memoryMiB], vcpusPerNode: [vcpus] };
  const cluster: EventOf[] = [
    { type: 'VmCreationRequested', data: { vmId, spec } },
    { type: 'VmCreated', data: { vmId, clusterId, hostId } },
    { type: 'VmStateChanged', data: { vmId, clusterId, hostId, from: 'creating', to: 'stopped', reason: 'created' } },
  ];
  if ((o.state ?? 'running') === 'running') {
    cluster.push(
      { type: 'VmStateChanged', data: { vmId, clusterId, hostId, from: 'stopped', to: 'starting', reason: 'power-on' } },
      { type: 'VmStateChanged', data: { vmId, clusterId, hostId, from: 'starting', to: 'running', reason: 'power-on' } },
    );
  }
  return { cluster, placement: [{ type: 'VmPlaced', data: { vmId, clusterId, hostId, numa, brokenShouldRules: [], reason: 'seed' } }] };
}
