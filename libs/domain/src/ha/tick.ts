// One HA tick (phase "ha-monitor" of the vrm clock, ARCHITECTURE.md): heartbeats and detection, then VM
// monitoring, then restarts. Phases share a draft so restarts see this tick's fences. With HA disabled on the
// cluster nothing is monitored (vSphere: HA off = no protection): faults still take VMs down, nothing restarts.
import type { HaEvent } from '@virtsim/contracts';
import { invalid } from '@virtsim/contracts';
import { runDetection, type HaSignals } from './detection.js';
import { draftOf } from './draft.js';
import { runRestarts, type HaPlacer } from './restart.js';
import { HA_DEFAULT_TICK_SECONDS, type HaState } from './state.js';
import { emit, indexVms, type TickContext } from './tick-context.js';
import { protectionChange } from './protection.js';
import { runVmMonitoring } from './vm-monitoring.js';

export interface HaTick {
  type: 'Tick';
  /** simulated seconds at the end of this tick */
  simTime: number;
  tickSeconds?: number;
  /** per host id; hosts not listed get the signals their injected fault implies (derivedSignal) */
  signals?: HaSignals;
  place: HaPlacer;
}

export interface HaTickResult { events: HaEvent[]; state: HaState }

/** decide + fold in one: the events of the tick and the state after them. */
export function haTick(state: HaState, cmd: Omit<HaTick, 'type'>): HaTickResult {
  const tickSeconds = cmd.tickSeconds ?? HA_DEFAULT_TICK_SECONDS;
  if (!(tickSeconds > 0) || !Number.isFinite(cmd.simTime)) {
    throw invalid(`HA tick needs a finite simTime and tickSeconds > 0 (got ${cmd.simTime}, ${tickSeconds})`);
  }
  if (!state.policy.enabled) {
    // HA turned off: a standing unprotected-VMs warning ends; nothing else is monitored
    const ended = protectionChange(state, cmd.simTime);
    return ended ? { events: [ended], state: { ...state, unprotectedVms: 0 } } : { events: [], state };
  }
  const ctx: TickContext = { d: draftOf(state), events: [], simTime: cmd.simTime, tickSeconds, index: indexVms(state), queued: [] };
  const totalIsolation = runDetection(ctx, cmd.signals);
  if (!totalIsolation) {
    runVmMonitoring(ctx);
    runRestarts(ctx, cmd.place);
  }
  const change = protectionChange(ctx.d.state, cmd.simTime);
  if (change) emit(ctx, change);
  return { events: ctx.events, state: ctx.d.state };
}

export const decideTick = (cmd: HaTick, state: HaState): HaEvent[] => haTick(state, cmd).events;
