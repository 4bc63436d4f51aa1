// CPU sampling decider (P3 events): decides which hosts' scheduling figures are worth recording.
// One aggregate per cluster (stream e.g. `cpu-<clusterId>`); the state is the last PUBLISHED sample per host, so a
// slow drift is still recorded once it has added up past a threshold, and a constant workload records nothing.
//
//   cpuSamplingDecider: Decider<CpuSamplingState, CpuSamplingCommand, CpuEvent>
//   command SampleCpuScheduling {clusterId, simTime, schedules: HostCpuSchedule[] (every scheduled host of the
//     cluster, from scheduleClusterCpu), thresholds?}
//   -> CpuSchedulingSampled for each host whose figures crossed a threshold (reason = the first one crossed),
//      CpuHostSamplingStopped for each previously sampled host missing from the command (off / removed).
//   Order: sampled hosts by hostId, then stopped hosts by hostId.
import { invalid, type CpuEvent, type CpuSampleReason, type CpuSchedulingSampledData } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import type { HostCpuSchedule } from './scheduler.js';

export interface CpuSamplingThresholds {
  /** host utilization change, percentage points */
  utilizationPoints: number;
  /** host demand change relative to the published demand */
  demandRelative: number;
  /** any VM's ready change, percentage points */
  vmReadyPoints: number;
  /** any VM's usage change relative to its published usage, but at least vmUsageMinMhz */
  vmUsageRelative: number;
  vmUsageMinMhz: number;
}
export const DEFAULT_CPU_SAMPLING_THRESHOLDS: Readonly<CpuSamplingThresholds> = {
  utilizationPoints: 2, demandRelative: 0.05, vmReadyPoints: 1, vmUsageRelative: 0.05, vmUsageMinMhz: 10,
};

export interface CpuSamplingState { hosts: Record<string, CpuSchedulingSampledData> }
export type CpuSamplingCommand = {
  type: 'SampleCpuScheduling';
  clusterId: string;
  simTime: number;
  schedules: readonly HostCpuSchedule[];
  thresholds?: Partial<CpuSamplingThresholds>;
};

function vmSetChanged(prev: CpuSchedulingSampledData, next: HostCpuSchedule): boolean {
  if (prev.vms.length !== next.vms.length) return true;
  return next.vms.some((v, i) => v.vmId !== prev.vms[i]!.vmId || v.vcpus !== prev.vms[i]!.vcpus);
}

/** Why the host's new figures deserve an event, or null when they stay within every threshold. */
export function sampleReason(prev: CpuSchedulingSampledData | undefined, next: HostCpuSchedule, t: CpuSamplingThresholds): CpuSampleReason | null {
  if (!prev) return 'first-sample';
  if (prev.capacityMhz !== next.capacityMhz || prev.threads !== next.threads || prev.sliceMs !== next.sliceMs) return 'capacity';
  if (vmSetChanged(prev, next)) return 'vm-set-changed';
  if (Math.abs(next.utilizationPercent - prev.utilizationPercent) >= t.utilizationPoints) return 'utilization';
  if (Math.abs(next.demandMhz - prev.demandMhz) >= t.demandRelative * Math.max(prev.demandMhz, 1)) return 'demand';
  if (next.vms.some((v, i) => Math.abs(v.readyPercent - prev.vms[i]!.readyPercent) >= t.vmReadyPoints)) return 'vm-ready';
  const usageMoved = next.vms.some((v, i) => {
    const before = prev.vms[i]!.usageMhz;
    return Math.abs(v.usageMhz - before) >= Math.max(t.vmUsageMinMhz, t.vmUsageRelative * before);
  });
  return usageMoved ? 'vm-usage' : null;
}

const toEventData = (clusterId: string, simTime: number, s: HostCpuSchedule, reason: CpuSampleReason): CpuSchedulingSampledData => ({
  clusterId, hostId: s.hostId, simTime, capacityMhz: s.capacityMhz, threads: s.threads, totalVcpus: s.totalVcpus,
  demandMhz: s.demandMhz, usageMhz: s.usageMhz, utilizationPercent: s.utilizationPercent, sliceMs: s.sliceMs,
  vms: s.vms.map((v) => ({ vmId: v.vmId, vcpus: v.vcpus, demandMhz: v.demandMhz, entitlementMhz: v.entitlementMhz, usageMhz: v.usageMhz, readyPercent: v.readyPercent, slices: v.slices })),
  reason,
});

function decide(command: CpuSamplingCommand, state: CpuSamplingState): CpuEvent[] {
  const t = { ...DEFAULT_CPU_SAMPLING_THRESHOLDS, ...command.thresholds };
  const schedules = [...command.schedules].sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  const seen = new Set<string>();
  const events: CpuEvent[] = [];
  for (const s of schedules) {
    if (seen.has(s.hostId)) throw invalid(`host ${s.hostId} sampled twice in one SampleCpuScheduling command`);
    seen.add(s.hostId);
    const reason = sampleReason(state.hosts[s.hostId], s, t);
    if (reason) events.push({ type: 'CpuSchedulingSampled', data: toEventData(command.clusterId, command.simTime, s, reason) });
  }
  for (const hostId of Object.keys(state.hosts).sort()) {
    if (!seen.has(hostId)) events.push({ type: 'CpuHostSamplingStopped', data: { clusterId: command.clusterId, hostId, simTime: command.simTime } });
  }
  return events;
}

function evolve(state: CpuSamplingState, event: CpuEvent): CpuSamplingState {
  if (event.type === 'CpuSchedulingSampled') return { hosts: { ...state.hosts, [event.data.hostId]: event.data } };
  const { [event.data.hostId]: _gone, ...rest } = state.hosts;
  return { hosts: rest };
}

export const cpuSamplingDecider: Decider<CpuSamplingState, CpuSamplingCommand, CpuEvent> = {
  initialState: () => ({ hosts: {} }),
  decide,
  evolve,
};
