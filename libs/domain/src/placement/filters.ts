// Host filters of the placement pipeline, run in a fixed order; a host is reported under its first rejection.
//   excluded -> power -> maintenance -> cpu-mode -> vcpus -> cpu-capacity -> memory -> huge-pages -> numa -> rules -> imc
//   -> devices -> datastores
// Every check reads the host's incremental aggregates only: O(rules of the VM + NUMA nodes + GPUs) per host.
import type { NumaPlacement, PlacementFilterName, VmSpec } from '@virtsim/contracts';
import { hostCpuCapacity } from '../cpu/capacity.js';
import { checkCpuModeSupported } from '../cpu/executor.js';
import { admittedOverheadMiB, hugePagesDemandMiB } from './accounting.js';
import { missingFeatures } from '../inventory/imc.js';
import { assignGpus } from './devices.js';
import { passthroughDisksFit } from './passthrough-disks.js';
import { memoryCapacityMiB, type ClusterPolicy, type GpuAssignment, type InFlightMigration, type PlacementHost, type PlacementState } from './model.js';
import { numaPlacementFor } from './numa.js';
import { breaksMustRule } from './rules.js';

export const PLACEMENT_FILTERS: readonly PlacementFilterName[] = [
  'excluded', 'power', 'maintenance', 'cpu-mode', 'vcpus', 'cpu-capacity', 'memory', 'huge-pages', 'numa', 'rules', 'imc', 'devices', 'datastores',
];

export interface FilterContext {
  state: PlacementState;
  vmId: string;
  spec: VmSpec;
  policy: ClusterPolicy;
  excluded: ReadonlySet<string>;
  migrations: readonly InFlightMigration[];
}

export type HostCheck =
  /** numa is computed here only for strict policies (the only ones it can reject); null = compute for the chosen host */
  | { ok: true; numa: NumaPlacement | null; gpus: GpuAssignment[] }
  | { ok: false; filter: PlacementFilterName };

const fail = (filter: PlacementFilterName): HostCheck => ({ ok: false, filter });

/** Why a filter refuses, where its name alone does not say it (the 422 summary of place.ts). */
export const FILTER_REASONS: Partial<Record<PlacementFilterName, string>> = {
  'cpu-mode': 'a paravirtual host needs a modified guest kernel, and Windows cannot be modified (C5)',
  // the owners' rules these filters apply (issue 15: placement accepts nothing the owner then refuses)
  'cpu-capacity': 'vCPUs over the overcommit ratio, or MHz reservations over availableMhz (cpu.reservation)',
  memory: 'configured memory or reservations, with every VM\'s memory overhead, over the host less its hypervisor reserve (memory-manager)',
  imc: 'the host lacks a feature of the cluster IMC baseline (imc.baseline)',
  devices: 'no free GPU / vGPU slice / passthrough function, or no IOMMU for passthrough (io-backend planPci)',
};

/** C5 (seed L181): paravirtualization needs a modified guest kernel; Windows cannot be modified, so a Windows VM
 *  never lands on a paravirtual host. The rule itself lives in cpu/executor.ts checkCpuModeSupported (its other
 *  rule, hardware assist without vmx/svm, is refused when the host is added: inventory/host.ts). */
const cpuModeFits = (host: PlacementHost, spec: VmSpec): boolean =>
  checkCpuModeSupported(host.spec.hypervisor.mode, { cpu: host.spec.cpu, hypervisor: host.spec.hypervisor }, { family: spec.guestOs.family })?.rule !== 'cpu.paravirtualGuest';

/** C6 / P1: MHz VMs may reserve = the CPU model's availableMhz (cpu/capacity.ts, the one rule, also behind
 *  cpu.reservation): a 2 x 8 x 2 x 2,600 MHz host reserves 74,880 of 83,200 MHz on type 2 (host OS 10 %),
 *  81,536 on kvm (2 %), 79,040 on xen (Dom0 5 %). */
const reservableMhz = (host: PlacementHost): number => hostCpuCapacity(host.spec.cpu, host.spec.hypervisor).availableMhz;

/** P1: vCPUs may be overcommitted up to the cluster ratio; MHz reservations never are. */
function cpuFits(host: PlacementHost, spec: VmSpec, policy: ClusterPolicy): boolean {
  const a = host.alloc;
  return a.vcpus + spec.vcpus <= host.threads * policy.cpuOvercommitRatio
    && a.reservedMhz + (spec.cpuReservationMhz ?? 0) <= Math.min(host.mhz, reservableMhz(host));
}

/** M4, as memory-manager admits (memory/admission.ts): configured memory plus every VM's overhead up to the memory
 *  for VMs (x ratio with overcommit); reservations plus overheads never overcommitted. On a huge-page pool host the
 *  guests' memory is the pool's (huge-pages filter); only the overheads come from the rest. */
function memoryFits(host: PlacementHost, spec: VmSpec, policy: ClusterPolicy): boolean {
  const a = host.alloc;
  const pool = host.spec.hugePagesMiB ?? 0;
  const overheads = a.overheadMiB + admittedOverheadMiB(spec);
  // reservations are never overcommitted (ratio >= 1), so their bound is the one that holds here
  if (pool > 0) return overheads <= Math.max(0, host.usableMemoryMiB - pool);
  return a.memoryMiB + spec.memoryMiB + overheads <= memoryCapacityMiB(host, policy)
    && a.reservedMemoryMiB + (spec.memoryReservationMiB ?? 0) + overheads <= host.usableMemoryMiB;
}

/** M3: a VM asking for huge pages needs a pool; on a pool host every VM draws from it, pinned, never overcommitted. */
function hugePagesFit(host: PlacementHost, spec: VmSpec): boolean {
  const pool = host.spec.hugePagesMiB ?? 0;
  if (spec.hugePages && pool === 0) return false;
  return host.alloc.hugePagesMiB + hugePagesDemandMiB(host, spec) <= pool;
}

/** F11: the same comparison inventory and migration make (one IMC table, aliases such as sse3 = pni). */
const imcFits = (host: PlacementHost, features: readonly string[]): boolean =>
  missingFeatures(features, host.spec.cpu.features ?? []).length === 0;

function datastoresReachable(host: PlacementHost, spec: VmSpec): boolean {
  const names = (host.spec.datastores ?? []).map((d) => d.name);
  return (spec.disks ?? []).every((d) => d.datastore === undefined || names.includes(d.datastore));
}

export function checkHost(ctx: FilterContext, host: PlacementHost): HostCheck {
  const { spec, policy } = ctx;
  if (ctx.excluded.has(host.id)) return fail('excluded');
  if (host.power !== 'on' || !host.available) return fail('power');
  if (host.maintenance) return fail('maintenance');
  if (!cpuModeFits(host, spec)) return fail('cpu-mode');
  if (spec.vcpus > host.threads) return fail('vcpus');
  if (!cpuFits(host, spec, policy)) return fail('cpu-capacity');
  if (!memoryFits(host, spec, policy)) return fail('memory');
  if (!hugePagesFit(host, spec)) return fail('huge-pages');
  const numa = spec.numa?.policy === 'strict' ? numaPlacementFor(host, spec) : null;
  if (spec.numa?.policy === 'strict' && !numa) return fail('numa');
  if (breaksMustRule(ctx.state, ctx.vmId, host.id, ctx.migrations) !== null) return fail('rules');
  if (!imcFits(host, policy.imcFeatures)) return fail('imc');
  const gpus = assignGpus(host.spec, host.alloc.gpus, spec.gpus ?? []);
  if (!gpus) return fail('devices');
  if (!passthroughDisksFit(ctx.state, host, spec, ctx.vmId)) return fail('devices');
  if (!datastoresReachable(host, spec)) return fail('datastores');
  return { ok: true, numa, gpus };
}
