// HA admission control, "cluster resource percentage" policy (vSphere Availability guide: reserve a percentage
// of the cluster's CPU and memory for failover; since vSphere 6.5 derived from host failures to tolerate).
// virtsim reserves the capacity of the N largest hosts (N = ha.hostFailuresTolerated), per resource: with
// unequal hosts that is the worst case of losing N hosts, where vSphere's N/hosts percentage assumes equal hosts.
// Capacity: running hosts outside maintenance; vCPUs = hardware threads x cpuOvercommitRatio, memory = MiB
// (x memoryOvercommitRatio when memory overcommit is on). Demand: configured vCPUs and memory of every VM that is
// running or that HA still has to restart (down HA VMs, waiting VMs), not reservations: a restarted VM needs its
// configured size to boot.
import { conflict } from '@virtsim/contracts';
import { isRestartTarget, type HaState } from './state.js';

export const HA_ADMISSION_POLICY = 'cluster-resource-percentage';

export interface HaVmDemand {
  /** the VM being powered on or created; if it is already counted (running), it is not counted twice */
  vmId?: string;
  name?: string;
  vcpus: number;
  memoryMiB: number;
  action?: 'power-on' | 'create';
}

export interface HaResourceAdmission {
  resource: 'memory' | 'vcpus';
  unit: 'MiB' | 'vCPU';
  capacity: number;
  reserved: number;
  reservedPercent: number;
  used: number;
  available: number;
}

export interface HaAdmissionReport {
  policy: typeof HA_ADMISSION_POLICY;
  enforced: boolean;
  hostFailuresTolerated: number;
  hosts: number;
  resources: HaResourceAdmission[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function resource(resourceName: 'memory' | 'vcpus', perHost: number[], used: number, n: number): HaResourceAdmission {
  const sorted = [...perHost].sort((a, b) => b - a);
  const capacity = sorted.reduce((s, x) => s + x, 0);
  const reserved = sorted.slice(0, n).reduce((s, x) => s + x, 0);
  return {
    resource: resourceName, unit: resourceName === 'memory' ? 'MiB' : 'vCPU',
    capacity: round2(capacity), reserved: round2(reserved),
    reservedPercent: capacity > 0 ? Math.round((reserved / capacity) * 1000) / 10 : 100,
    used: round2(used), available: round2(capacity - reserved),
  };
}

const needsCapacity = (status: string, haEnabled: boolean) => status === 'running' || status === 'waiting' || (status === 'down' && haEnabled);

/** What the VMs that need capacity use, O(VMs): computed once, it serves every check at the same state. */
export interface HaUsage { memoryMiB: number; vcpus: number }

export function admissionUsage(state: HaState): HaUsage {
  let memoryMiB = 0;
  let vcpus = 0;
  for (const vm of Object.values(state.vms)) {
    if (!needsCapacity(vm.status, vm.haEnabled)) continue;
    memoryMiB += vm.memoryMiB;
    vcpus += vm.vcpus;
  }
  return { memoryMiB, vcpus };
}

/** The reservation and current use, also for GET /clusters/:id. O(hosts log hosts), plus O(VMs) unless the
 *  usage of this very state is given. */
export function admissionReport(state: HaState, excludeVmId?: string, usage: HaUsage = admissionUsage(state)): HaAdmissionReport {
  const n = state.policy.hostFailuresTolerated;
  const hosts = Object.values(state.hosts).filter(isRestartTarget);
  const memRatio = state.memoryOvercommit ? state.memoryOvercommitRatio : 1;
  const excluded = excludeVmId === undefined ? undefined : state.vms[excludeVmId];
  const counted = excluded !== undefined && needsCapacity(excluded.status, excluded.haEnabled);
  const usedMem = usage.memoryMiB - (counted ? excluded.memoryMiB : 0);
  const usedCpu = usage.vcpus - (counted ? excluded.vcpus : 0);
  return {
    policy: HA_ADMISSION_POLICY, enforced: state.policy.enabled && n > 0, hostFailuresTolerated: n, hosts: hosts.length,
    resources: [
      resource('memory', hosts.map((h) => h.memoryMiB * memRatio), usedMem, n),
      resource('vcpus', hosts.map((h) => h.logicalCpus * state.cpuOvercommitRatio), usedCpu, n),
    ],
  };
}

/** Throws conflict `ha.admissionControl` when powering on / creating the VM would leave too little capacity to
 *  restart every VM after hostFailuresTolerated host failures. */
export function admissionCheck(state: HaState, demand: HaVmDemand, usage?: HaUsage): void {
  const report = admissionReport(state, demand.vmId, usage);
  if (!report.enforced) return;
  const requested = { memory: demand.memoryMiB, vcpus: demand.vcpus };
  for (const r of report.resources) {
    const ask = requested[r.resource];
    if (r.used + ask <= r.available) continue;
    const who = demand.name ?? demand.vmId ?? 'new VM';
    const n = report.hostFailuresTolerated;
    const message = `${demand.action ?? 'power-on'} of VM ${who} refused by HA admission control (${HA_ADMISSION_POLICY} policy, ` +
      `${n} host failure(s) tolerated): ${r.resource} ${r.used} + ${ask} ${r.unit} > ${r.available} ${r.unit} available ` +
      `(${r.capacity} ${r.unit} on ${report.hosts} hosts - ${r.reserved} ${r.unit} = ${r.reservedPercent}% reserved for the ${n} largest host(s))`;
    throw conflict('ha.admissionControl', message, {
      policy: HA_ADMISSION_POLICY, hostFailuresTolerated: n, hosts: report.hosts, vmId: demand.vmId ?? null,
      resource: r.resource, unit: r.unit, capacity: r.capacity, reserved: r.reserved, reservedPercent: r.reservedPercent,
      used: r.used, requested: ask, available: r.available,
    });
  }
}
