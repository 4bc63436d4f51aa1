// What a what-if run measured, folded from the fork's log: the whole log for where things stand (VM states,
// host power, the latest CPU sample of each host, balloon and swap per VM), the part after the fork for what
// happened (HA restarts, migrations, DRS moves, invariant breaches) and, at every tick after the fork, the
// cluster's CPU ready figures, hosts powered on and imbalance (standard deviation of host CPU utilization).
// Pure: positions and simulated time only.
import type { CpuSchedulingSampledData } from '@virtsim/contracts';

export interface WhatIfFigures {
  vmsRunning: number;
  vmsFailed: number;
  haRestarts: number;
  migrations: number;
  drsMoves: number;
  /** % of a tick runnable VMs waited for a CPU, over every (running VM, tick) after the fork */
  cpuReadyP50: number;
  cpuReadyP99: number;
  balloonedMiB: number;
  swappedMiB: number;
  hostsOn: number;
  hostHours: number;
  /** host CPU utilization standard deviation (0..1): mean and max over the ticks, the last tick, and up to 12 points */
  imbalance: { mean: number; max: number; end: number; series: number[] };
  invariantBreaches: number;
  /** B5 "HA recovery time": for each host that failed after the fork, simulated seconds from its fault to the last
   *  of its VMs restarted elsewhere; the longest (null: no host failure after the fork restarted anything) */
  haRecoverySeconds: number | null;
}

interface Sample { utilization: number; ready: number[] }

export interface Meter {
  forkHead: number;
  vms: Record<string, string>;
  hosts: Record<string, { power: string; crashed: boolean }>;
  samples: Record<string, Sample>;
  balloon: Record<string, number>;
  swap: Record<string, number>;
  counts: { haRestarts: number; migrations: number; drsMoves: number; breaches: number };
  /** ready % in 0.01 steps: readyBins[i] = samples with ready % = i / 100 */
  readyBins: number[];
  hostSeconds: number;
  imbalances: number[];
  /** simulated time of each host fault after the fork, and of the last HA restart of a VM from that host */
  faultAt: Record<string, number>;
  recoveredAt: Record<string, number>;
}

const BINS = 10_001;

export const newMeter = (forkHead: number): Meter => ({
  forkHead, vms: {}, hosts: {}, samples: {}, balloon: {}, swap: {},
  counts: { haRestarts: 0, migrations: 0, drsMoves: 0, breaches: 0 }, readyBins: new Array<number>(BINS).fill(0), hostSeconds: 0, imbalances: [],
  faultAt: {}, recoveredAt: {},
});

const COUNTED: Record<string, keyof Meter['counts']> = {
  VmRestarted: 'haRestarts', VmRestartedInPlace: 'haRestarts', MigrationCompleted: 'migrations',
  DrsRecommendationApplied: 'drsMoves', InvariantViolated: 'breaches',
};

type Data = Record<string, any>;

export function meterEvent(m: Meter, e: { position: number; type: string; data: unknown; metadata?: { simTime?: number } | null }): void {
  const d = e.data as Data;
  const after = e.position > m.forkHead;
  if (after) recovery(m, e.type, d, e.metadata?.simTime ?? 0);
  const counted = COUNTED[e.type];
  if (after && counted) m.counts[counted]++;
  switch (e.type) {
    case 'VmCreationRequested': m.vms[d.vmId] = 'creating'; return;
    case 'VmStateChanged': if (m.vms[d.vmId] !== undefined) m.vms[d.vmId] = d.to; return;
    case 'VmDeleted': case 'VmCreationFailed': delete m.vms[d.vmId]; delete m.balloon[d.vmId]; delete m.swap[d.vmId]; return;
    case 'HostAdded': m.hosts[d.hostId] = { power: 'on', crashed: false }; return;
    case 'HostPoweredOn': host(m, d.hostId).power = 'on'; return;
    case 'HostPoweredOff': host(m, d.hostId).power = d.standby ? 'standby' : 'off'; return;
    case 'HostFaultInjected': if (d.kind !== 'network-isolation') host(m, d.hostId).crashed = true; return;
    case 'HostFaultCleared': case 'HostRecovered': host(m, d.hostId).crashed = false; return;
    case 'CpuSchedulingSampled': {
      const s = d as CpuSchedulingSampledData;
      m.samples[s.hostId] = { utilization: s.utilizationPercent / 100, ready: s.vms.map((v) => v.readyPercent) };
      return;
    }
    case 'CpuHostSamplingStopped': delete m.samples[d.hostId]; return;
    case 'BalloonInflated': case 'BalloonDeflated': m.balloon[d.vmId] = d.balloonedMiB; return;
    case 'MemorySwappedOut': case 'MemorySwappedIn': m.swap[d.vmId] = d.swappedMiB; return;
    case 'ClockAdvanced': if (after) tick(m, d.tickSeconds ?? 10); return;
    default:
  }
}

/** a fault's time is kept from its first event (injected or detected) until its host recovers */
function recovery(m: Meter, type: string, d: Data, simTime: number): void {
  if (type === 'HostFaultInjected' || type === 'HostFailureDetected' || type === 'HostIsolationDetected') m.faultAt[d.hostId] ??= simTime;
  else if (type === 'VmRestarted' && m.faultAt[d.fromHostId] !== undefined) m.recoveredAt[d.fromHostId] = simTime;
}

const host = (m: Meter, id: string) => (m.hosts[id] ??= { power: 'on', crashed: false });
const isOn = (h: { power: string; crashed: boolean }) => h.power === 'on' && !h.crashed;

/** one tick: hosts on (host-seconds), the imbalance over the sampled hosts on, every VM's ready % */
function tick(m: Meter, seconds: number): void {
  const on = Object.entries(m.hosts).filter(([, h]) => isOn(h));
  m.hostSeconds += on.length * seconds;
  const loads = on.map(([id]) => m.samples[id]?.utilization).filter((u): u is number => u !== undefined);
  m.imbalances.push(stdDev(loads));
  for (const [id] of on) for (const r of m.samples[id]?.ready ?? []) m.readyBins[Math.min(BINS - 1, Math.max(0, Math.round(r * 100)))]!++;
}

function stdDev(xs: number[]): number {
  if (xs.length === 0) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
}

function percentile(bins: number[], q: number): number {
  const n = bins.reduce((a, b) => a + b, 0);
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i]!;
    if (seen >= rank) return i / 100;
  }
  return (bins.length - 1) / 100;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** at most `n` points, evenly spread, the last one included */
function thin(xs: number[], n: number): number[] {
  if (xs.length <= n) return xs.map((x) => round(x));
  return Array.from({ length: n }, (_, i) => round(xs[Math.round(((i + 1) * xs.length) / n) - 1]!));
}

export function figures(m: Meter): WhatIfFigures {
  const states = Object.values(m.vms);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const imb = m.imbalances;
  return {
    vmsRunning: states.filter((s) => s === 'running').length,
    vmsFailed: states.filter((s) => s === 'failed').length,
    haRestarts: m.counts.haRestarts, migrations: m.counts.migrations, drsMoves: m.counts.drsMoves,
    cpuReadyP50: percentile(m.readyBins, 0.5), cpuReadyP99: percentile(m.readyBins, 0.99),
    balloonedMiB: round(sum(m.balloon), 1), swappedMiB: round(sum(m.swap), 1),
    hostsOn: Object.values(m.hosts).filter(isOn).length,
    hostHours: round(m.hostSeconds / 3600, 2),
    imbalance: {
      mean: round(imb.length ? imb.reduce((a, b) => a + b, 0) / imb.length : 0), max: round(imb.length ? Math.max(...imb) : 0),
      end: round(imb[imb.length - 1] ?? 0), series: thin(imb, 12),
    },
    invariantBreaches: m.counts.breaches,
    haRecoverySeconds: Object.keys(m.recoveredAt).length === 0 ? null
      : Math.max(...Object.entries(m.recoveredAt).map(([h, t]) => t - m.faultAt[h]!)),
  };
}
