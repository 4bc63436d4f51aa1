// The io-backend's state: the io domain's IoState (folded in place with evolveIoInPlace), plus what the shell
// needs around it: the inventory view of each VM (spec, host, power state) to build commands and to reconcile
// power / host changes at the tick, host specs and clusters (streams `io-<clusterId>`, scenario seeds), the
// clock and the last tick decided (the answers of idempotent steps are kept by service-kit: ctx.runSteps). Plain
// JSON; O(1) per event (O(devices + VMs of the host) for io events).
import { IO_EVENT_TYPES, isEventOf, type HostSpec, type IoMoveReason, type RecordedEvent, type VmSpec, type VmState } from '@virtsim/contracts';
import { io } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }

export interface ShellVm {
  clusterId: string;
  spec: VmSpec;
  /** where placement put it (VmPlaced / VmRelocated), null before placement or after release */
  hostId: string | null;
  /** inventory state, as the VmStateChanged events left it */
  power: VmState;
  /** reason of the last VmRelocated (the kind of move io must make) */
  moveReason: IoMoveReason;
}

export interface IoBackendState {
  io: io.IoState;
  clock: Clock;
  /** highest tick this service has appended decisions for (metadata.tick of its io-* appends) */
  lastTick: number;
  /** clusterId -> scenario seed (ClusterCreated / ClusterPolicyChanged) */
  clusterSeeds: Record<string, number>;
  hostCluster: Record<string, string>;
  hostSpecs: Record<string, HostSpec>;
  /** VMs the inventory knows (not deleted) */
  vms: Record<string, ShellVm>;
  /** VMs deleted or whose creation failed while io may still hold their devices: vmId -> why (detached at the next tick) */
  gone: Record<string, { clusterId: string; reason: string }>;
  /** hostId -> simTime of its last IoStatsChanged */
  statsAt: Record<string, number>;
}

export const initialIoBackendState = (): IoBackendState => ({
  io: io.initialIoState(), clock: { tick: 0, simTime: 0, tickSeconds: 10 }, lastTick: 0,
  clusterSeeds: {}, hostCluster: {}, hostSpecs: {}, vms: {}, gone: {}, statsAt: {},
});

export const ioStream = (clusterId: string): string => `io-${clusterId}`;

/** Power states in which the guest's front-ends are up / down; the others (migrating, suspended, stopping) keep what io has. */
export const POWERED: ReadonlySet<VmState> = new Set(['starting', 'running']);
export const UNPOWERED: ReadonlySet<VmState> = new Set(['creating', 'stopped', 'failed']);

/** The events the io domain folds (its own, and the hosts it learns from HostAdded); every other event skips it. */
const isIoInput = isEventOf<io.IoInputEvent['type']>([...IO_EVENT_TYPES, 'HostAdded', 'VmDevicesChanged']);

type Data = Record<string, any>;

function shellBookkeeping(s: IoBackendState, e: RecordedEvent, d: Data): void {
  switch (e.type) {
    case 'ClusterCreated': s.clusterSeeds[d.clusterId] = d.spec?.seed ?? 1; return;
    case 'ClusterPolicyChanged': if (typeof d.patch?.seed === 'number') s.clusterSeeds[d.clusterId] = d.patch.seed; return;
    case 'HostAdded':
      s.hostCluster[d.hostId] = d.clusterId;
      s.hostSpecs[d.hostId] = d.spec;
      return;
    case 'VmCreationRequested':
      s.vms[d.vmId] = { clusterId: d.spec.clusterId, spec: d.spec, hostId: null, power: 'creating', moveReason: 'cold-migration' };
      delete s.gone[d.vmId];
      return;
    case 'VmPlaced': { const vm = s.vms[d.vmId]; if (vm) vm.hostId = d.hostId; return; }
    case 'VmRelocated': {
      const vm = s.vms[d.vmId];
      if (vm) { vm.hostId = d.toHostId; vm.moveReason = d.reason; if (d.clusterId) vm.clusterId = d.clusterId; }
      return;
    }
    case 'VmPlacementReleased': { const vm = s.vms[d.vmId]; if (vm && vm.hostId === d.hostId) vm.hostId = null; return; }
    case 'VmStateChanged': {
      if (d.to === 'deleted') return forget(s, d.vmId, 'deleted');
      const vm = s.vms[d.vmId];
      if (vm) vm.power = d.to;
      return;
    }
    case 'VmDeleted': return forget(s, d.vmId, 'deleted');
    case 'VmCreationFailed': return forget(s, d.vmId, `creation failed: ${d.reason}`);
    case 'IoDevicesDetached': delete s.gone[d.vmId]; return;
    case 'IoStatsChanged': s.statsAt[d.hostId] = d.simTime; return;
    default:
  }
}

function forget(s: IoBackendState, vmId: string, reason: string): void {
  const vm = s.vms[vmId];
  if (vm && io.vmOf(s.io, vmId)) s.gone[vmId] = { clusterId: vm.clusterId, reason };
  delete s.vms[vmId];
}

export function evolveIoBackend(s: IoBackendState, e: RecordedEvent): IoBackendState {
  const d = (e.data ?? {}) as Data;
  if (e.type === 'ClockAdvanced') {
    s.clock = { tick: d.tick, simTime: d.simTime, tickSeconds: d.tickSeconds };
    return s;
  }
  if (e.streamId.startsWith('io-')) {
    const meta = e.metadata ?? {};
    if (typeof meta.tick === 'number' && meta.tick > s.lastTick) s.lastTick = meta.tick;
  }
  shellBookkeeping(s, e, d);
  if (isIoInput(e)) io.evolveIoInPlace(s.io, e as unknown as io.IoInputEvent);
  return s;
}

export const ioBackendProjection: ProjectionDef<IoBackendState> = {
  name: 'io-backend',
  /** 2: the step answers left the state (service-kit's StepOutcomes keeps them) */
  version: 2,
  initialState: initialIoBackendState,
  evolve: evolveIoBackend,
};
