// Read models answered by scheduler.vm / scheduler.host / scheduler.cpu-modes / scheduler.drs-recommendations.
import { invalid, notFound, type HostSpec, type VirtsimError } from '@virtsim/contracts';
import { cpu, placement, workloadAt } from '@virtsim/domain';
import type { SchedulerState } from './state.js';

const hostProfile = (hostId: string, spec: Pick<HostSpec, 'cpu' | 'hypervisor'>): cpu.CpuHostProfile => ({
  hostId, cpu: { arch: spec.cpu.arch ?? 'x86', features: spec.cpu.features ?? [] }, hypervisor: { ...spec.hypervisor, product: spec.hypervisor.product ?? 'kvm' },
});

const refusal = (e: unknown) => {
  const err = e as VirtsimError;
  if (err?.code !== 'conflict' && err?.code !== 'invalid') throw e;
  return { refused: { code: err.code, rule: err.details?.rule, message: err.message } };
};

export function requireVm(state: SchedulerState, vmId: string): placement.PlacementVm {
  const vm = state.placement.vms[vmId];
  if (!vm) throw notFound('vm', vmId);
  return vm;
}

export function requireHost(state: SchedulerState, hostId: string): placement.PlacementHost {
  const host = state.placement.hosts[hostId];
  if (!host) throw notFound('host', hostId);
  return host;
}

function latestVmSample(state: SchedulerState, vm: placement.PlacementVm) {
  if (!vm.hostId) return null;
  const sample = state.cpu[vm.clusterId]?.hosts[vm.hostId];
  const v = sample?.vms.find((x) => x.vmId === vm.id);
  return v && sample ? { ...v, simTime: sample.simTime } : null;
}

export function vmView(state: SchedulerState, vmId: string) {
  const vm = requireVm(state, vmId);
  const host = vm.hostId ? state.placement.hosts[vm.hostId] : undefined;
  const sample = latestVmSample(state, vm);
  const seed = state.placement.clusters[vm.clusterId]?.spec.seed ?? 1;
  const workload = workloadAt(vm.spec.workload, vm.id, seed, state.clock.simTime);
  let overhead: ReturnType<typeof cpu.vmCpuOverhead> | { refused: unknown } | null = null;
  if (host) {
    try {
      overhead = cpu.vmCpuOverhead({ host: hostProfile(host.id, host.spec), guest: { vmId, family: vm.spec.guestOs.family }, workload: { cpuDemandMhz: workload.cpuDemandMhz, iops: workload.iops } });
    } catch (e) {
      overhead = refusal(e);
    }
  }
  // issue 15: what the scheduler charges for the VM now, and what the VM gets out of it (NUMA, swapping, ready)
  const numaFactor = vm.numa ? placement.numaCostFactor(vm.numa) : 1;
  const charged = host
    ? cpu.vmChargedDemand({ vmId, spec: vm.spec, host: host.spec, sample: workload, numaFactor, memorySlowdown: state.memorySlowdown[vmId] ?? 1 })
    : null;
  const effective = charged && sample ? cpu.vmEffectivePerformance(charged, sample.entitlementMhz) : null;
  return {
    vmId, clusterId: vm.clusterId, state: vm.state, hostId: vm.hostId, numa: vm.numa,
    numaCostFactor: vm.numa ? Math.round(placement.numaCostFactor(vm.numa) * 1000) / 1000 : null,
    gpus: vm.gpus, brokenShouldRules: vm.brokenShouldRules,
    vcpus: vm.spec.vcpus, shares: vm.spec.cpuShares ?? 1000, reservationMhz: vm.spec.cpuReservationMhz ?? 0, limitMhz: vm.spec.cpuLimitMhz ?? null,
    demandMhz: sample?.demandMhz ?? null,
    entitlementMhz: sample?.entitlementMhz ?? null,
    usageMhz: sample?.usageMhz ?? null,
    readyPercent: sample?.readyPercent ?? null,
    slices: sample?.slices ?? null,
    sampledAt: sample?.simTime ?? null,
    down: state.down[vmId] !== undefined,
    overhead,
    charged,
    effective,
  };
}

export function hostView(state: SchedulerState, hostId: string) {
  const h = requireHost(state, hostId);
  const cluster = state.placement.clusters[h.clusterId];
  const policy = cluster ? placement.clusterPolicy(cluster) : null;
  const a = h.alloc;
  const sizes = placement.numaNodeSizes(h);
  const sample = state.cpu[h.clusterId]?.hosts[hostId] ?? null;
  const { vms: _vms, ...usage } = sample ?? { vms: [] };
  return {
    hostId, clusterId: h.clusterId, name: h.name, power: h.power, maintenance: h.maintenance, available: h.available, isolatedRunning: h.isolatedRunning,
    pendingPowerOff: state.dpm[h.clusterId]?.powerOff.includes(hostId) ?? false,
    capacity: {
      ...cpu.hostCpuCapacity(h.spec.cpu, h.spec.hypervisor),
      vcpuLimit: policy ? Math.floor(h.threads * policy.cpuOvercommitRatio) : null,
      memoryMiB: h.spec.memoryMiB,
      usableMemoryMiB: h.usableMemoryMiB,
      memoryCapacityMiB: policy ? placement.memoryCapacityMiB(h, policy) : h.usableMemoryMiB,
      hugePagesMiB: h.spec.hugePagesMiB ?? 0,
      numaNodes: sizes.length,
    },
    allocation: {
      vmCount: a.vmCount, vcpus: a.vcpus, reservedMhz: a.reservedMhz,
      memory: { configuredMiB: a.memoryMiB, reservedMiB: a.reservedMemoryMiB },
      hugePages: { poolMiB: h.spec.hugePagesMiB ?? 0, usedMiB: a.hugePagesMiB },
      // P4: per node its threads, physical memory and the memory VMs can have there (the size placement fits by)
      numaNodes: a.numaVcpus.map((vcpus, node) => ({ node, threads: sizes[node]!.threads, physicalMiB: sizes[node]!.physicalMiB, memoryMiB: sizes[node]!.vmMemoryMiB, vcpus, allocatedMemoryMiB: a.numaMemoryMiB[node]! })),
      gpus: a.gpus.map((g) => ({ ...g, model: h.spec.pciDevices?.[g.pciIndex]?.model ?? null })),
    },
    usage: sample ? { ...usage, vmCount: sample.vms.length } : null,
    virtualization: cpu.hostCpuVirtualization(hostId, h.spec),
  };
}

export interface CpuModesQuery {
  hostId?: string;
  vmId?: string;
  mix?: cpu.InstructionMix;
  mode?: cpu.ExecutionMode;
}

/** The instruction-mix executor on a host (the VM's host when only vmId is given): every mode compared, plus the
 *  host's own (or the asked) mode. Without a mix: the VM's workload mix, else a reference 1,000 MHz / 100 IOPS. */
export function cpuModesView(state: SchedulerState, q: CpuModesQuery) {
  const vm = q.vmId ? requireVm(state, q.vmId) : null;
  const hostId = q.hostId ?? vm?.hostId ?? null;
  if (!hostId) throw invalid(q.vmId ? `VM ${q.vmId} is not placed on a host: give hostId` : 'hostId or vmId is required', [{ path: 'hostId', message: 'required' }]);
  const h = requireHost(state, hostId);
  const host = hostProfile(hostId, h.spec);
  const family = vm?.spec.guestOs.family ?? 'linux';
  const guest: cpu.CpuGuestProfile = { ...(vm ? { vmId: vm.id } : {}), family };
  let mix = q.mix;
  let source = 'request';
  if (!mix) {
    const seed = vm ? state.placement.clusters[vm.clusterId]?.spec.seed ?? 1 : 1;
    const w = vm ? workloadAt(vm.spec.workload, vm.id, seed, state.clock.simTime) : { cpuDemandMhz: 1000, iops: 100 };
    mix = cpu.defaultInstructionMix({ cpuDemandMhz: w.cpuDemandMhz, iops: w.iops }, family, host.cpu.arch ?? 'x86');
    source = vm ? 'vm-workload (1 s)' : 'reference workload: 1,000 MHz, 100 IOPS (1 s)';
  }
  const mode = q.mode ?? h.spec.hypervisor.mode;
  let result: cpu.ExecutionResult | { refused: unknown };
  try {
    result = cpu.executeInstructionMix({ host, guest, mix, mode });
  } catch (e) {
    result = refusal(e);
  }
  return {
    hostId, vmId: vm?.id ?? null, guest: { family }, arch: host.cpu.arch, hypervisor: host.hypervisor, mixSource: source, mix,
    mode, result, modes: cpu.compareCpuModes({ host, guest, mix }),
  };
}

export function drsRecommendationsView(state: SchedulerState, clusterId: string) {
  if (!state.placement.clusters[clusterId]) throw notFound('cluster', clusterId);
  const drs = state.drs[clusterId];
  const p = state.placement;
  // still pending and still meaningful: the VM is where the pass saw it
  const items = (drs?.items ?? []).filter((i) => i.status === 'pending' && p.vms[i.vmId]?.hostId === i.fromHostId).map((i) => ({
    id: i.id, vmId: i.vmId, vmName: p.vms[i.vmId]?.spec.name ?? null, fromHostId: i.fromHostId, toHostId: i.toHostId, priority: i.priority, rationale: i.rationale,
  }));
  const spec = p.clusters[clusterId]!.spec;
  return { clusterId, passAt: drs && drs.passAt >= 0 ? drs.passAt : null, automation: spec.drs?.automation ?? 'manual', enabled: spec.drs?.enabled ?? false, items };
}
