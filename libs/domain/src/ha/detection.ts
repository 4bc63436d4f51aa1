// Host heartbeat monitoring, one pass per tick over the hosts in id order.
// Network heartbeat missing for failureDetectionSeconds (counted from the last answered tick): the datastore
// heartbeat tells isolation (alive, cut off) from failure (vSphere HA "datastore heartbeating"; HA.md 2).
// The host is then fenced (HA.md 1) before any of its VMs may restart: restart.ts only takes VMs that
// HostFenced (or a host that rebooted and heartbeats again) made 'waiting'.
import type { HaFenceMethod } from '@virtsim/contracts';
import { notRestartedEvents } from './protection.js';
import { baseOf, emit, isDownWithHa, isDownWithoutHa, isRunning, stateOf, vmsOn, type TickContext } from './tick-context.js';
import { sortedIds, type HaHost } from './state.js';

/** What the host agents send this tick. powered: the host has power (a fault-free partition keeps it true). */
export interface HaHostSignal { powered: boolean; network: boolean; datastore: boolean }
export type HaSignals = Record<string, HaHostSignal>;

/** Signals implied by an injected fault; the shell may pass its own (e.g. a partition from network AND storage). */
export function derivedSignal(host: HaHost): HaHostSignal {
  switch (host.fault) {
    case 'power-loss': return { powered: false, network: false, datastore: false };
    case 'hypervisor-crash': return { powered: true, network: false, datastore: false };
    case 'network-isolation': return { powered: true, network: false, datastore: true };
    default: return { powered: true, network: true, datastore: true };
  }
}

const hostOf = (ctx: TickContext, hostId: string): HaHost => stateOf(ctx).hosts[hostId]!;

function emitFirstMiss(ctx: TickContext, host: HaHost, signal: HaHostSignal): void {
  if (host.status !== 'up') return;
  const data = { ...baseOf(ctx), hostId: host.hostId, lastHeartbeatAt: ctx.simTime - ctx.tickSeconds, datastoreHeartbeat: signal.datastore };
  emit(ctx, { type: 'HostHeartbeatMissed', data });
}

function fence(ctx: TickContext, host: HaHost, method: HaFenceMethod, reason: string): void {
  const vmIds = vmsOn(ctx, host.hostId, isRunning);
  const staleCopies = method === 'datastore-locks-revoked';
  if (vmIds.length > 0) {
    const why = staleCopies
      ? `host ${host.name} declared failed while its VMs may still run there: HA takes over their disk locks`
      : `isolation response power-off: isolated host ${host.name} powered its ${vmIds.length} VMs off`;
    emit(ctx, { type: 'VmsDownOnHost', data: { ...baseOf(ctx), hostId: host.hostId, vmIds, reason: why, staleCopies } });
  }
  const queued = vmsOn(ctx, host.hostId, isDownWithHa);
  emit(ctx, { type: 'HostFenced', data: { ...baseOf(ctx), hostId: host.hostId, method, vmIds: queued, reason } });
  leftDown(ctx, host);
}

/** why not: the host's VMs that are down and that HA does not protect, said once when the host is fenced or back */
function leftDown(ctx: TickContext, host: HaHost): void {
  const unprotected = vmsOn(ctx, host.hostId, isDownWithoutHa);
  for (const e of notRestartedEvents(stateOf(ctx), host.hostId, unprotected, 'vm-not-protected', ctx.simTime)) emit(ctx, e);
}

function declareFailed(ctx: TickContext, host: HaHost, missed: number, signal: HaHostSignal): void {
  const reason = host.status === 'isolated'
    ? `isolated host ${host.name} lost its datastore heartbeat too: host failed`
    : `no network heartbeat for ${missed} s and no datastore heartbeat: host ${host.name} failed`;
  emit(ctx, { type: 'HostFailureDetected', data: { ...baseOf(ctx), hostId: host.hostId, missedSeconds: missed, reason } });
  if (host.fenced) return; // already fenced by the isolation response
  if (!signal.powered) return fence(ctx, host, 'power-lost', `host ${host.name} has no power: its VMs cannot run`);
  if (host.fault === 'hypervisor-crash') return fence(ctx, host, 'hypervisor-down', `hypervisor of host ${host.name} is down: its VMs cannot run`);
  fence(ctx, host, 'datastore-locks-revoked', `host ${host.name} may still be running: HA revoked its VMs' disk locks`);
}

function declareIsolated(ctx: TickContext, host: HaHost, missed: number): void {
  const response = stateOf(ctx).policy.isolationResponse;
  const reason = `no network heartbeat for ${missed} s but the datastore heartbeat is alive: host ${host.name} is isolated, response ${response}`;
  emit(ctx, { type: 'HostIsolationDetected', data: { ...baseOf(ctx), hostId: host.hostId, missedSeconds: missed, response, reason } });
  if (response === 'leave-running') return;
  fence(ctx, hostOf(ctx, host.hostId), 'isolation-power-off', `isolated host ${host.name} powered its VMs off (isolation response)`);
}

function heartbeatBack(ctx: TickContext, host: HaHost): void {
  const since = host.missingSince ?? ctx.simTime;
  if (host.status === 'missing') {
    const vmIds = vmsOn(ctx, host.hostId, isDownWithHa);
    const data = { ...baseOf(ctx), hostId: host.hostId, missedSeconds: ctx.simTime - ctx.tickSeconds - since, vmIds };
    emit(ctx, { type: 'HostHeartbeatResumed', data });
    return leftDown(ctx, host);
  }
  if (host.status !== 'failed' && host.status !== 'isolated') return;
  const reason = `host ${host.name} answers network heartbeats again after ${ctx.simTime - since} s`;
  emit(ctx, { type: 'HostRecovered', data: { ...baseOf(ctx), hostId: host.hostId, downSeconds: ctx.simTime - since, reason } });
  for (const vmId of host.staleCopies) {
    const vm = stateOf(ctx).vms[vmId];
    const runningOnHostId = vm?.status === 'running' && vm.hostId !== host.hostId ? vm.hostId : null;
    const why = runningOnHostId
      ? `VM already restarted on ${runningOnHostId}: the copy on returning host ${host.name} is stale`
      : `HA took VM over when host ${host.name} was fenced: its copy there is stale`;
    emit(ctx, { type: 'StaleVmCopyPoweredOff', data: { ...baseOf(ctx), vmId, hostId: host.hostId, runningOnHostId, reason: why } });
  }
}

function checkHost(ctx: TickContext, hostId: string, signal: HaHostSignal): void {
  if (signal.network) return heartbeatBack(ctx, hostOf(ctx, hostId));
  emitFirstMiss(ctx, hostOf(ctx, hostId), signal);
  const host = hostOf(ctx, hostId);
  const missed = ctx.simTime - (host.missingSince ?? ctx.simTime);
  if (host.status === 'missing' && missed >= stateOf(ctx).policy.failureDetectionSeconds) {
    if (signal.datastore) declareIsolated(ctx, host, missed);
    else declareFailed(ctx, host, missed, signal);
  } else if (host.status === 'isolated' && !signal.datastore) {
    declareFailed(ctx, host, missed, signal);
  }
}

/** Runs the heartbeat pass. Returns true under total isolation: the caller must then fence and restart nothing. */
export function runDetection(ctx: TickContext, signals: HaSignals | undefined): boolean {
  const state = stateOf(ctx);
  const monitored = sortedIds(state.hosts).filter((id) => state.hosts[id]!.status !== 'off');
  const signalOf = new Map(monitored.map((id) => [id, signals?.[id] ?? derivedSignal(state.hosts[id]!)] as const));
  const allCut = monitored.length > 0 && monitored.every((id) => !signalOf.get(id)!.network);
  if (allCut) {
    for (const id of monitored) emitFirstMiss(ctx, hostOf(ctx, id), signalOf.get(id)!);
    if (!stateOf(ctx).totalIsolation) {
      const reason = `all ${monitored.length} hosts lost their network heartbeat: nothing is fenced or restarted until one returns`;
      emit(ctx, { type: 'HaTotalIsolationDetected', data: { ...baseOf(ctx), hostIds: monitored, reason } });
    }
    return true;
  }
  if (state.totalIsolation) {
    const back = monitored.filter((id) => signalOf.get(id)!.network);
    emit(ctx, { type: 'HaTotalIsolationEnded', data: { ...baseOf(ctx), reason: `host ${back[0]} answers heartbeats again` } });
  }
  for (const id of monitored) checkHost(ctx, id, signalOf.get(id)!);
  return false;
}
