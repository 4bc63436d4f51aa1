// The virtualization overhead CHARGED to the host (issue 15, "overhead charged, not only shown"): what the
// vCPU scheduler (P3: ready %), DRS (F9) and DPM (F10) see is the workload's demand plus what running it
// virtualized costs, not the workload alone.
//
//   vmChargedDemand(input) -> VmChargedDemand        per VM per tick, pure
//   hostDom0Charge(backendMhz, dom0)  -> Dom0Charge   per host per tick: Dom0 counted once
//   vmEffectivePerformance(charged, entitlementMhz)  -> throughput % and latency factor
//
// A VM's vCPU demand (it runs on the VM's own vCPUs, so the VM's shares / limit / vCPU cap apply):
//   workload        workloadAt's cpuDemandMhz (the guest's own work)
//   + cpuMode       C5 / P2: the mode's overhead (trap-and-emulate, binary translation, hypercalls, VT-x exits)
//                   for the workload's default instruction mix WITHOUT its I/O (cpu/workload-mix.ts with iops 0):
//                   I/O is charged once, by the device path below, which knows emulated from virtio
//   + translation   M2: shadow page-table sync traps or the longer EPT / NPT walks (memory/translation-cost.ts)
//   + ioExits       I2 / I3: VM exits of the VM's disks and NICs (io/cost-model.ts deviceLoad exitCpuMhz):
//                   emulated devices trap every register access, virtio one kick per batch, passthrough none
//   + numa          P4: remote memory accesses stall the vCPU: (workload + cpuMode + translation) x (factor - 1)
// Dom0 back-end work (I2 QEMU device emulation, I3 virtio / Xen back-ends) is NOT the VM's vCPU demand: it runs
// in Dom0 on the VM's behalf. It is returned as dom0Mhz, moves with the VM (DRS and DPM add it to the VM's
// load), and is taken off the host's capacity for VMs by hostDom0Charge only where it exceeds the share of the
// host already reserved for the hypervisor / Dom0 (cpu/capacity.ts): counted once, never twice.
// Swapping (M4) is not CPU demand (a vCPU waiting on a swapped page is idle): it divides the VM's throughput
// (memory/reclaim.ts memorySlowdown, carried by MemorySwappedOut / In).
import type { HostSpec, VmSpec } from '@virtsim/contracts';
import { deviceLoad } from '../io/cost-model.js';
import { diskMode, nicMode } from '../io/devices.js';
import { missingPvDriver } from '../io/guest-drivers.js';
import { translationCost, translationModeOf } from '../memory/translation-cost.js';
import type { WorkloadSample } from '../shared/workload.js';
import { vmCpuOverhead } from './workload-mix.js';

export interface VmChargeInput {
  vmId: string;
  spec: Pick<VmSpec, 'guestOs' | 'toolsInstalled' | 'disks' | 'nics' | 'floppies' | 'hugePages'>;
  host: Pick<HostSpec, 'cpu' | 'hypervisor' | 'hugePagesMiB'>;
  /** the VM's workload now (shared/workload.ts workloadAt) */
  sample: WorkloadSample;
  /** P4: placement/numa.ts numaCostFactor of the VM's placement (1 = all local) */
  numaFactor: number;
  /** M4: memory/reclaim.ts memorySlowdown (1 = nothing swapped or ballooned out of the working set) */
  memorySlowdown: number;
}

export interface VmChargedDemand {
  workloadMhz: number;
  cpuModeMhz: number;
  translationMhz: number;
  ioExitMhz: number;
  numaMhz: number;
  /** what the VM's vCPUs must run: workload + cpuMode + translation + ioExits + numa */
  demandMhz: number;
  /** Dom0 back-end MHz spent on the VM's I/O (charged to the host once, see hostDom0Charge) */
  dom0Mhz: number;
  memorySlowdown: number;
  numaFactor: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

// The mode's overhead % for a guest family is a property of the host (the mix scales with demand), so it is
// computed once per host spec object and family; a WeakMap keeps it pure (same input, same answer) and bounded.
const modeOverheadCache = new WeakMap<object, Map<string, number>>();

/** C5 / P2: the CPU mode's overhead % for a guest family on a host, I/O excluded (the device path charges it). */
export function cpuModeOverheadPercent(host: Pick<HostSpec, 'cpu' | 'hypervisor'>, family: 'linux' | 'windows'): number {
  let byFamily = modeOverheadCache.get(host);
  if (!byFamily) modeOverheadCache.set(host, (byFamily = new Map()));
  let percent = byFamily.get(family);
  if (percent === undefined) {
    try {
      percent = vmCpuOverhead({
        host: { hostId: '', cpu: { arch: host.cpu.arch ?? 'x86', features: host.cpu.features ?? [] }, hypervisor: { ...host.hypervisor, product: host.hypervisor.product ?? 'kvm' } },
        guest: { family }, workload: { cpuDemandMhz: 1000, iops: 0 },
      }).overheadPercent;
    } catch {
      percent = 0; // a guest the mode refuses never runs there (placement's cpu-mode filter): nothing to charge
    }
    byFamily.set(family, percent);
  }
  return percent;
}

// The tick charges every running VM every tick, and most workloads are constant: the last answer per VM spec object
// is kept and reused while the host and every input number are the same (a pure memo: same input, same answer).
interface Memo { host: object; key: string; result: VmChargedDemand }
const memo = new WeakMap<object, Memo>();
const keyOf = (i: VmChargeInput): string => {
  const w = i.sample;
  return `${w.cpuDemandMhz}|${w.activeMemoryMiB}|${w.dirtyRateMiBps}|${w.iops}|${w.ioSizeKiB}|${w.readRatio}|${i.numaFactor}|${i.memorySlowdown}`;
};

/** The charged demand of one VM (see the header); the answer is shared, never mutate it. */
export function vmChargedDemand(i: VmChargeInput): VmChargedDemand {
  const key = keyOf(i);
  const last = memo.get(i.spec);
  if (last && last.host === i.host && last.key === key) return last.result;
  const result = computeCharge(i);
  memo.set(i.spec, { host: i.host, key, result });
  return result;
}

function computeCharge(i: VmChargeInput): VmChargedDemand {
  const { spec, host, sample } = i;
  const workloadMhz = Math.max(0, sample.cpuDemandMhz);
  const cpuModeMhz = (workloadMhz * cpuModeOverheadPercent(host, spec.guestOs.family)) / 100;
  const translationMhz = workloadMhz > 0
    ? translationCost({
        mode: translationModeOf(host), guestHugePages: spec.hugePages ?? false, hostHugePages: (host.hugePagesMiB ?? 0) > 0,
        cpuDemandMhz: workloadMhz, activeMemoryMiB: sample.activeMemoryMiB, dirtyRateMiBps: sample.dirtyRateMiBps,
      }).overheadMhz
    : 0;
  // I/O: the workload's iops split evenly over disks and NICs, as io/tick.ts does; a PV device without its
  // guest driver carries nothing (its share is lost, as in the io-backend).
  const guest = { os: spec.guestOs, toolsInstalled: spec.toolsInstalled ?? false, virtioFloppy: (spec.floppies ?? []).some((f) => f.media === 'virtio-drivers') };
  const paths: { mode: ReturnType<typeof diskMode>; model: string; kind: 'disk' | 'nic' }[] = [
    ...(spec.disks ?? []).map((d) => ({ mode: diskMode(d.bus), model: d.bus, kind: 'disk' as const })),
    ...(spec.nics ?? []).map((n) => ({ mode: nicMode(n.model), model: n.model, kind: 'nic' as const })),
  ];
  let ioExitMhz = 0, dom0Mhz = 0;
  const hostMhz = host.cpu.mhz;
  for (const p of paths) {
    const connected = p.mode !== 'virtio' || missingPvDriver(guest, p.kind) === null;
    if (!connected || sample.iops <= 0) continue;
    const f = deviceLoad(p.mode, p.model, p.kind, { iops: sample.iops / paths.length, ioSizeKiB: sample.ioSizeKiB, readRatio: sample.readRatio }, hostMhz);
    ioExitMhz += f.exitCpuMhz;
    if (f.cost.shared) dom0Mhz += f.dom0CpuMhz;
  }
  const numaFactor = Math.max(1, i.numaFactor);
  const numaMhz = (workloadMhz + cpuModeMhz + translationMhz) * (numaFactor - 1);
  const demandMhz = workloadMhz + cpuModeMhz + translationMhz + ioExitMhz + numaMhz;
  return {
    workloadMhz: r1(workloadMhz), cpuModeMhz: r1(cpuModeMhz), translationMhz: r1(translationMhz), ioExitMhz: r1(ioExitMhz), numaMhz: r1(numaMhz),
    demandMhz: r1(demandMhz), dom0Mhz: r1(dom0Mhz), memorySlowdown: Math.max(1, i.memorySlowdown), numaFactor,
  };
}

export interface Dom0Charge {
  /** back-end MHz Dom0 serves: the VMs' back-end demand, at most Dom0's budget (the io-backend throttles the rest) */
  servedMhz: number;
  /** MHz off the VMs' capacity beyond what hostCpuCapacity already reserves for the hypervisor / Dom0 */
  beyondReservationMhz: number;
}

/** I3: Dom0 counted once. Its reservation (cpu/capacity.ts hypervisorReservedMhz) is already off the VMs'
 *  capacity, so back-end work inside it costs the VMs nothing more; only the part above it is taken from them
 *  (Dom0 is the privileged domain, scheduled first). The sizes are inputs: whichever table owns Dom0's size. */
export function hostDom0Charge(backendMhz: number, dom0: { reservedMhz: number; budgetMhz: number }): Dom0Charge {
  const servedMhz = Math.min(Math.max(0, backendMhz), Math.max(dom0.budgetMhz, dom0.reservedMhz));
  return { servedMhz: r1(servedMhz), beyondReservationMhz: r1(Math.max(0, servedMhz - dom0.reservedMhz)) };
}

export interface VmEffectivePerformance {
  /** % of the workload's work done per second: CPU served / charged demand, divided by the swap slowdown */
  throughputPercent: number;
  /** time per unit of work against native: remote NUMA stalls x swap slowdown / CPU served */
  latencyFactor: number;
}

/** P4 / M4 / P3: what the VM gets out of its CPU. A VM whose charged demand is fully served and whose memory is
 *  local and resident runs at 100 %, latency x1. */
export function vmEffectivePerformance(c: Pick<VmChargedDemand, 'demandMhz' | 'memorySlowdown' | 'numaFactor'>, entitlementMhz: number): VmEffectivePerformance {
  const served = c.demandMhz > 0 ? Math.min(1, entitlementMhz / c.demandMhz) : 1;
  return {
    throughputPercent: Math.round((10_000 * served) / c.memorySlowdown) / 100,
    latencyFactor: served > 0 ? Math.round((1000 * c.numaFactor * c.memorySlowdown) / served) / 1000 : Infinity,
  };
}
