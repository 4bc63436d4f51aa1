// CPU context events (scheduler service): vCPU scheduling figures per host (P3).
// Only changes worth recording are events: a host's sample is re-published when its figures move past a
// threshold (see libs/domain/src/cpu/sampling.ts), so constant workloads produce no event per tick.
// Virtualization-mode overheads (P2, C5, C6) are pure functions of the host spec and the VM's workload:
// they are computed on request, never recorded.
import type { EventOf } from './envelope.js';

/** One VM's share of its host's CPU during a tick. MHz rounded to 0.1, percentages to 0.01. */
export interface CpuVmSample {
  vmId: string;
  vcpus: number;
  /** charged demand (issue 15): workload + CPU-mode, translation, I/O-exit and remote-NUMA overhead
   *  (libs/domain/src/cpu/charged-overhead.ts) */
  demandMhz: number;
  /** what the scheduler grants: reservation first, then shares, capped by min(limit, demand, vcpus x mhz) */
  entitlementMhz: number;
  usageMhz: number;
  /** % of the tick the VM's vCPUs were runnable but not running (unserved demand + time-slice contention) */
  readyPercent: number;
  /** timer-interrupt time slices the VM's vCPUs received in the tick */
  slices: number;
}

export type CpuSampleReason = 'first-sample' | 'capacity' | 'vm-set-changed' | 'utilization' | 'demand' | 'vm-ready' | 'vm-usage';

export interface CpuSchedulingSampledData {
  clusterId: string;
  hostId: string;
  simTime: number;
  /** MHz left for VMs after the host OS (type 2) or hypervisor / Dom0 (type 1) share, and after Dom0 back-end work
   *  beyond that share (issue 15, counted once) */
  capacityMhz: number;
  threads: number;
  totalVcpus: number;
  demandMhz: number;
  usageMhz: number;
  utilizationPercent: number;
  sliceMs: number;
  /** sorted by vmId */
  vms: CpuVmSample[];
  /** the first threshold that was crossed since the host's previous sample */
  reason: CpuSampleReason;
}

export type CpuEvent =
  | EventOf<'CpuSchedulingSampled', CpuSchedulingSampledData>
  /** the host is no longer scheduled (powered off, removed, in standby): its last sample is void */
  | EventOf<'CpuHostSamplingStopped', { clusterId: string; hostId: string; simTime: number }>;
