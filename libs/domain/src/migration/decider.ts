// The migration decider: requests (with their preconditions), cancel, host failure, tick.
//
// API:
//   migrationDecider: Decider<MigrationState, MigrationCommand, MigrationEvent>
//   hostFailed(state, hostId, at): MigrationEvent[]       target failed -> RolledBack; source failed -> Aborted
//                                                         (HA owns the VM); queued ones -> Cancelled
//   cancelMigration(state, migrationId, at, reason?): MigrationEvent[]
//   targetWithdrawn(state, hostId, at, why): MigrationEvent[]  target entered maintenance / standby -> Cancelled
//
// A request starts at once when every link it crosses has a free slot, else it queues (FIFO per link).
import { conflict, notFound } from '@virtsim/contracts';
import type { MigrationEvent, MigrationLink, MigrationPreCopyOptions, MigrationRequestedData } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { datastoreLink, hostMigrationLink } from './bandwidth.js';
import { advanceMigrations, unthrottle, type MigrationTickInputs } from './engine.js';
import { preCopyOptions } from './precopy.js';
import {
  checkColdMigration, checkLiveMigration, checkStorageMigration, coldCopyMiB, disksToCopyGiB,
  type MigrationHostFacts, type MigrationVmFacts, type TargetCapacity, type TargetClusterFacts,
} from './preconditions.js';
import {
  admitQueued, applyMigrationEvent, evolveMigration, initialMigrationState, migrationStarted, startQueuedMigrations,
  type ActiveMigration, type MigrationState,
} from './state.js';

export type MigrationCommand =
  | { type: 'RequestLiveMigration'; migrationId: string; vm: MigrationVmFacts; source: MigrationHostFacts; target: MigrationHostFacts; capacity: TargetCapacity; targetCluster?: TargetClusterFacts; options?: Partial<MigrationPreCopyOptions>; at: number }
  | { type: 'RequestColdMigration'; migrationId: string; vm: MigrationVmFacts; source: MigrationHostFacts; target: MigrationHostFacts; capacity: TargetCapacity; targetCluster?: TargetClusterFacts; configMiB?: number; at: number }
  | { type: 'RequestStorageMigration'; migrationId: string; vm: MigrationVmFacts; sourceDatastoreId: string; targetDatastoreId: string; storageBandwidthMiBps?: number; at: number }
  | { type: 'CancelMigration'; migrationId: string; reason?: string; at: number }
  | { type: 'AdvanceMigrations'; simTime: number; tickSeconds: number; inputs: MigrationTickInputs }
  | { type: 'HostFailed'; hostId: string; at: number }
  | { type: 'TargetWithdrawn'; hostId: string; at: number; why: string };

export const migrationDecider: Decider<MigrationState, MigrationCommand, MigrationEvent> = {
  initialState: initialMigrationState,
  evolve: evolveMigration,
  decide(command, state) {
    switch (command.type) {
      case 'RequestLiveMigration': {
        checkLiveMigration(command);
        const links = [hostMigrationLink(command.source.id, command.source.migrationNetworkGbps), hostMigrationLink(command.target.id, command.target.migrationNetworkGbps)];
        return request(state, requested(command, 'live', links, { memoryMiB: command.vm.memoryMiB, copyMiB: 0, options: preCopyOptions(command.options) }));
      }
      case 'RequestColdMigration': {
        checkColdMigration(command);
        const links = [hostMigrationLink(command.source.id, command.source.migrationNetworkGbps), hostMigrationLink(command.target.id, command.target.migrationNetworkGbps)];
        const disks = disksToCopyGiB(command.vm, command.source, command.target);
        return request(state, requested(command, 'cold', links, { memoryMiB: command.vm.memoryMiB, copyMiB: coldCopyMiB(disks, command.configMiB) }));
      }
      case 'RequestStorageMigration': {
        checkStorageMigration(command);
        const { vm, sourceDatastoreId, targetDatastoreId } = command;
        const links = [datastoreLink(sourceDatastoreId, command.storageBandwidthMiBps), datastoreLink(targetDatastoreId, command.storageBandwidthMiBps)];
        const host = vm.hostId ?? '';
        return request(state, {
          ...base(command.migrationId, vm, 'storage', links, command.at),
          sourceHostId: host, targetHostId: host, targetClusterId: vm.clusterId, sourceDatastoreId, targetDatastoreId,
          copyMiB: coldCopyMiB(vm.disksGiB, 0),
        });
      }
      case 'CancelMigration': return cancelMigration(state, command.migrationId, command.at, command.reason);
      case 'AdvanceMigrations': return advanceMigrations(state, command.simTime, command.tickSeconds, command.inputs);
      case 'HostFailed': return hostFailed(state, command.hostId, command.at);
      case 'TargetWithdrawn': return targetWithdrawn(state, command.hostId, command.at, command.why);
    }
  },
};

type MoveCommand = Extract<MigrationCommand, { type: 'RequestLiveMigration' | 'RequestColdMigration' }>;

function base(migrationId: string, vm: MigrationVmFacts, kind: MigrationRequestedData['kind'], links: MigrationLink[], at: number): MigrationRequestedData {
  return {
    migrationId, vmId: vm.id, vmName: vm.name, kind, clusterId: vm.clusterId, targetClusterId: vm.clusterId,
    sourceHostId: vm.hostId ?? '', targetHostId: vm.hostId ?? '', sourceDatastoreId: null, targetDatastoreId: null,
    memoryMiB: vm.memoryMiB, copyMiB: 0, workload: vm.workload ?? null, options: preCopyOptions(), links, requestedAt: at,
  };
}

function requested(c: MoveCommand, kind: 'live' | 'cold', links: MigrationLink[], extra: Partial<MigrationRequestedData>): MigrationRequestedData {
  return { ...base(c.migrationId, c.vm, kind, links, c.at), sourceHostId: c.source.id, targetHostId: c.target.id, targetClusterId: c.target.clusterId, ...extra };
}

function request(state: MigrationState, data: MigrationRequestedData): MigrationEvent[] {
  if (state.migrations[data.migrationId]) {
    throw conflict('migration.id', `migration ${data.migrationId} already exists`, { migrationId: data.migrationId });
  }
  const busy = state.byVm[data.vmId];
  if (busy) {
    throw conflict('migration.in-progress', `VM ${data.vmName} (${data.vmId}) is already being migrated (migration ${busy}): wait for it or cancel it`, { vmId: data.vmId, migrationId: busy });
  }
  // Every earlier event already admitted what fits, and a request frees nothing: only the new one may start.
  const queue = [...state.queue, data.migrationId];
  const admitted = admitQueued(queue, (id) => (id === data.migrationId ? data.links : state.migrations[id]!.request.links), state.linkUse);
  const events: MigrationEvent[] = [{ type: 'MigrationRequested', data }];
  if (admitted.includes(data.migrationId)) events.push(migrationStarted({ request: data } as ActiveMigration, data.requestedAt));
  return events;
}

/** Applies `first` to a draft, then starts whatever the freed or new slots allow. */
function withQueueStarts(state: MigrationState, at: number, first: MigrationEvent[]): MigrationEvent[] {
  const draft: MigrationState = { migrations: { ...state.migrations }, queue: [...state.queue], byVm: { ...state.byVm }, linkUse: { ...state.linkUse } };
  const events: MigrationEvent[] = [];
  const emit = (e: MigrationEvent): void => {
    const id = e.data.migrationId;
    if (draft.migrations[id]) draft.migrations[id] = { ...draft.migrations[id]!, rounds: [...draft.migrations[id]!.rounds] };
    applyMigrationEvent(draft, e);
    events.push(e);
  };
  first.forEach(emit);
  startQueuedMigrations(draft, at, emit);
  return events;
}

export function cancelMigration(state: MigrationState, migrationId: string, at: number, reason = 'cancelled by user'): MigrationEvent[] {
  const m = state.migrations[migrationId];
  if (!m) throw notFound('migration', migrationId);
  const events: MigrationEvent[] = [];
  unthrottle(m, at, (e) => events.push(e));
  const rolledBack = m.status === 'running';
  const why = rolledBack ? `${reason}; VM ${m.request.vmName} stays on host ${m.request.sourceHostId}` : reason;
  events.push({ type: 'MigrationCancelled', data: { migrationId, vmId: m.request.vmId, at, reason: why, rolledBack } });
  return withQueueStarts(state, at, events);
}

export function hostFailed(state: MigrationState, hostId: string, at: number): MigrationEvent[] {
  const events: MigrationEvent[] = [];
  for (const id of Object.keys(state.migrations).sort()) {
    const m = state.migrations[id]!;
    const { sourceHostId, targetHostId, vmId, vmName } = m.request;
    if (sourceHostId !== hostId && targetHostId !== hostId) continue;
    unthrottle(m, at, (e) => events.push(e));
    if (m.status === 'queued') {
      events.push({ type: 'MigrationCancelled', data: { migrationId: id, vmId, at, reason: `host ${hostId} failed before the migration started`, rolledBack: false } });
    } else if (sourceHostId === hostId) {
      events.push({ type: 'MigrationAborted', data: { migrationId: id, vmId, sourceHostId, targetHostId, at, reason: `source host ${hostId} failed: VM ${vmName} is left to HA` } });
    } else {
      events.push({ type: 'MigrationRolledBack', data: { migrationId: id, vmId, sourceHostId, targetHostId, at, reason: `target host ${hostId} failed: VM ${vmName} keeps running on host ${sourceHostId}` } });
    }
  }
  return events.length ? withQueueStarts(state, at, events) : [];
}

/** The target host of moves on their way was withdrawn (entered maintenance, went to standby or was powered off;
 *  HA.md 7: no move chooses such a host): each live or cold move into it is CANCELLED, a running one rolled back,
 *  and the VM keeps running on its source. Cancel, not redirect: a vMotion's destination is fixed when it starts
 *  (resources reserved there, memory pre-copied to it), vSphere has no retargeting of a running vMotion, and a
 *  cancelled vMotion leaves the source VM untouched; choosing another host is a new move with its own checks
 *  (DRS's next pass, the operator, or the evacuation that put the host in maintenance). why: e.g.
 *  "target host esx-02 entered maintenance". Storage moves (same host) are not touched. */
export function targetWithdrawn(state: MigrationState, hostId: string, at: number, why: string): MigrationEvent[] {
  const events: MigrationEvent[] = [];
  for (const id of Object.keys(state.migrations).sort()) {
    const m = state.migrations[id]!;
    const { sourceHostId, targetHostId, vmId, vmName, kind } = m.request;
    if (targetHostId !== hostId || sourceHostId === hostId || kind === 'storage') continue;
    unthrottle(m, at, (e) => events.push(e));
    const rolledBack = m.status === 'running';
    const reason = rolledBack ? `${why}: the move is cancelled and VM ${vmName} keeps running on host ${sourceHostId}` : `${why} before the move started`;
    events.push({ type: 'MigrationCancelled', data: { migrationId: id, vmId, at, reason, rolledBack } });
  }
  return events.length ? withQueueStarts(state, at, events) : [];
}
