// Host CPU capacity (P1, C6) and CPU admission checks.
//
//   hostCpuCapacity(cpu, hypervisor) -> HostCpuCapacity
//       threads = sockets x coresPerSocket x threadsPerCore; totalMhz = threads x mhz;
//       availableMhz = totalMhz minus the host-OS share (type 2) or the hypervisor / Dom0 share (type 1).
//   checkHostCpuAdmission(input) -> CpuAdmission            (predicate form, for placement filters)
//   assertHostCpuAdmission(input)                           (throws VirtsimError conflict naming rule, VM, host)
//
// Rules: 'cpu.vmVcpusExceedHost' (one VM's vCPUs never exceed the host's threads), 'cpu.vcpuOvercommit'
// (sum of vCPUs on a host <= threads x the cluster's cpuOvercommitRatio), 'cpu.reservation' (reserved MHz are
// never overcommitted: sum of reservations <= availableMhz).
import { conflict, type CpuSpec, type HypervisorSpec } from '@virtsim/contracts';
import { TYPE1_HYPERVISOR_CPU_SHARE, TYPE2_HOST_OS_CPU_SHARE } from './costs.js';

export interface HostCpuCapacity {
  threads: number;
  mhzPerThread: number;
  totalMhz: number;
  /** type 2: the host OS's own share */
  hostOsReservedMhz: number;
  /** type 1: hypervisor kernel / Dom0 share */
  hypervisorReservedMhz: number;
  /** what VMs can be given */
  availableMhz: number;
}

type CpuTopology = Pick<CpuSpec, 'sockets' | 'coresPerSocket' | 'threadsPerCore' | 'mhz'>;

const round1 = (x: number) => Math.round(x * 10) / 10;

export function hostCpuCapacity(cpu: CpuTopology, hypervisor: Pick<HypervisorSpec, 'type'> & { product?: HypervisorSpec['product'] }): HostCpuCapacity {
  const threads = cpu.sockets * cpu.coresPerSocket * cpu.threadsPerCore;
  const totalMhz = threads * cpu.mhz;
  const hosted = hypervisor.type === 'type2';
  const hostOsReservedMhz = hosted ? round1(totalMhz * TYPE2_HOST_OS_CPU_SHARE) : 0;
  const hypervisorReservedMhz = hosted ? 0 : round1(totalMhz * TYPE1_HYPERVISOR_CPU_SHARE[hypervisor.product ?? 'kvm']);
  return {
    threads, mhzPerThread: cpu.mhz, totalMhz, hostOsReservedMhz, hypervisorReservedMhz,
    availableMhz: round1(totalMhz - hostOsReservedMhz - hypervisorReservedMhz),
  };
}

export interface CpuAdmissionInput {
  hostId: string;
  capacity: Pick<HostCpuCapacity, 'threads' | 'availableMhz'>;
  /** the cluster's cpuOvercommitRatio (ClusterSpec, default 4) */
  overcommitRatio: number;
  /** vCPUs and reserved MHz already committed on the host (VMs placed there, the candidate excluded) */
  committed: { vcpus: number; reservationMhz: number };
  vm: { vmId: string; vcpus: number; reservationMhz: number };
}

export type CpuAdmission =
  | { ok: true; vcpuLimit: number; vcpusAfter: number; reservationAfterMhz: number }
  | { ok: false; rule: 'cpu.vmVcpusExceedHost' | 'cpu.vcpuOvercommit' | 'cpu.reservation'; message: string; details: Record<string, number | string> };

export function checkHostCpuAdmission({ hostId, capacity, overcommitRatio, committed, vm }: CpuAdmissionInput): CpuAdmission {
  const vcpuLimit = Math.floor(capacity.threads * overcommitRatio);
  const vcpusAfter = committed.vcpus + vm.vcpus;
  const reservationAfterMhz = round1(committed.reservationMhz + vm.reservationMhz);
  if (vm.vcpus > capacity.threads) {
    return { ok: false, rule: 'cpu.vmVcpusExceedHost', message: `VM ${vm.vmId} has ${vm.vcpus} vCPUs, more than the ${capacity.threads} threads of host ${hostId}`, details: { vmId: vm.vmId, hostId, vcpus: vm.vcpus, threads: capacity.threads } };
  }
  if (vcpusAfter > vcpuLimit) {
    return { ok: false, rule: 'cpu.vcpuOvercommit', message: `VM ${vm.vmId} would bring host ${hostId} to ${vcpusAfter} vCPUs, above ${capacity.threads} threads x ratio ${overcommitRatio} = ${vcpuLimit}`, details: { vmId: vm.vmId, hostId, vcpusAfter, vcpuLimit } };
  }
  if (reservationAfterMhz > capacity.availableMhz) {
    return { ok: false, rule: 'cpu.reservation', message: `VM ${vm.vmId} would bring CPU reservations on host ${hostId} to ${reservationAfterMhz} MHz, above its ${capacity.availableMhz} MHz`, details: { vmId: vm.vmId, hostId, reservationAfterMhz, availableMhz: capacity.availableMhz } };
  }
  return { ok: true, vcpuLimit, vcpusAfter, reservationAfterMhz };
}

export function assertHostCpuAdmission(input: CpuAdmissionInput): void {
  const result = checkHostCpuAdmission(input);
  if (!result.ok) throw conflict(result.rule, result.message, result.details);
}
