// The memory-manager's state: the fold of the whole log, updated IN PLACE, O(1) per event (plain JSON).
//   memory      the memory context (clusters, hosts with accounting and HPA free lists, VMs with backing and
//               reclamation figures), evolved by memory.evolveInPlace: inventory events, placement-free
//               memory events (its own), VmStateChanged (only starting / running / stopping / migrating VMs
//               use host memory), VmDeleted / VmCreationFailed (release what the VM held)
//   placements  where the scheduler put each VM (VmPlaced, then VmRelocated; gone on VmPlacementReleased,
//               VmDeleted, VmCreationFailed): reserve-memory takes host and NUMA from here, and the tick moves
//               the memory of a VM whose placement host differs from its memory host (projections never append)
//   resizes     memory sizes recorded by VmReconfigured that the memory context does not have yet (an offline
//               change: the vrm asks memory-manager.grow first only for online changes); the tick resizes them
//   clock       the last ClockAdvanced (metadata simTime)
import { isEventOf, MEMORY_EVENT_TYPES, type NumaPlacement, type RecordedEvent } from '@virtsim/contracts';
import { memory } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }
export interface Placement { clusterId: string; hostId: string; numa: NumaPlacement }

export interface MemoryManagerState {
  memory: memory.MemoryState;
  placements: Record<string, Placement>;
  resizes: Record<string, number>;
  clock: Clock;
}

export const initialMemoryManagerState = (): MemoryManagerState => ({
  memory: memory.initialMemoryState(),
  placements: {},
  resizes: {},
  clock: { tick: 0, simTime: 0, tickSeconds: 10 },
});

/** The events memory.evolve reads: every memory event (MEMORY_EVENT_TYPES, so a new one is folded without a second
 *  list) and the inventory events it learns from; every other event skips the domain. */
const isMemoryInput = isEventOf<memory.MemoryInputEvent['type']>([
  'ClusterCreated', 'ClusterPolicyChanged', 'HostAdded', 'VmCreationRequested', 'VmStateChanged', 'VmDeleted', 'VmCreationFailed',
  ...MEMORY_EVENT_TYPES,
]);

type Data = Record<string, any>;

export function evolveMemoryManager(s: MemoryManagerState, event: Pick<RecordedEvent, 'type' | 'data'>): MemoryManagerState {
  const type = event.type;
  const d = event.data as Data;
  if (isMemoryInput(event)) memory.evolveInPlace(s.memory, [event as memory.MemoryInputEvent]);
  switch (type) {
    case 'ClockAdvanced':
      s.clock = { tick: d.tick, simTime: d.simTime, tickSeconds: d.tickSeconds };
      break;
    case 'VmPlaced':
      s.placements[d.vmId] = { clusterId: d.clusterId, hostId: d.hostId, numa: d.numa };
      break;
    case 'VmRelocated': {
      s.placements[d.vmId] = { clusterId: d.clusterId, hostId: d.toHostId, numa: d.numa };
      const vm = s.memory.vms[d.vmId];
      if (vm && d.clusterId) vm.clusterId = d.clusterId; // C4: it may have left its cluster (policy, stream follow it)
      break;
    }
    case 'VmPlacementReleased':
      if (s.placements[d.vmId]?.hostId === d.hostId) delete s.placements[d.vmId];
      break;
    case 'VmDeleted':
    case 'VmCreationFailed':
      delete s.placements[d.vmId];
      delete s.resizes[d.vmId];
      break;
    case 'VmReconfigured': {
      const v = s.memory.vms[d.vmId];
      if (v && v.memoryMiB !== d.memoryMiB) s.resizes[d.vmId] = d.memoryMiB;
      else delete s.resizes[d.vmId];
      break;
    }
    case 'VmMemoryResized':
      if (s.resizes[d.vmId] === d.toMiB) delete s.resizes[d.vmId];
      break;
    default:
      break;
  }
  return s;
}

export const memoryManagerProjection: ProjectionDef<MemoryManagerState> = {
  name: 'memory-manager',
  // 2: hosts carry their swap space, VMs the memory they touched (M4)
  version: 2,
  initialState: initialMemoryManagerState,
  evolve: evolveMemoryManager,
  evolveBatch: (s, events) => {
    for (const e of events) evolveMemoryManager(s, e);
    return s;
  },
};

export const memoryStream = (clusterId: string): string => `memory-${clusterId}`;
