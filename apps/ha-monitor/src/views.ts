// Read models of the ha-monitor: what GET /vms/:id, /hosts/:id and /clusters/:id show under `ha`. Pure.
import { notFound } from '@virtsim/contracts';
import { ha } from '@virtsim/domain';
import type { HaMonitorState } from './state.js';

function clusterOfVm(s: HaMonitorState, vmId: string) {
  const clusterId = s.vmCluster[vmId];
  const cs = clusterId === undefined ? undefined : s.clusters[clusterId];
  const vm = cs?.vms[vmId];
  if (!cs || !vm) throw notFound('vm', vmId);
  return { cs, vm };
}

export function vmView(s: HaMonitorState, vmId: string) {
  const { cs, vm } = clusterOfVm(s, vmId);
  const log = s.restarts[vmId] ?? { restarts: 0, inPlace: 0, relocated: 0, last: [] };
  return {
    vmId, clusterId: cs.clusterId, protected: cs.policy.enabled && vm.haEnabled, haEnabled: vm.haEnabled, priority: vm.priority,
    status: vm.status, hostId: vm.hostId, inventoryState: s.vmStates[vmId] ?? null, cause: vm.cause, waitReason: vm.waitReason,
    fault: vm.fault, localRestarts: vm.localRestarts, relocations: vm.relocations, triedHosts: vm.triedHosts,
    restarts: log.restarts, restartsInPlace: log.inPlace, restartsElsewhere: log.relocated, history: log.last,
  };
}

export function hostView(s: HaMonitorState, hostId: string) {
  const clusterId = s.hostCluster[hostId];
  const cs = clusterId === undefined ? undefined : s.clusters[clusterId];
  const h = cs?.hosts[hostId];
  if (!cs || !h) throw notFound('host', hostId);
  const vms = { running: 0, down: 0, waiting: 0 };
  for (const vmId in cs.vms) {
    const vm = cs.vms[vmId]!;
    if (vm.hostId !== hostId) continue;
    if (vm.status === 'running' || vm.status === 'down' || vm.status === 'waiting') vms[vm.status]++;
  }
  return {
    hostId, clusterId, name: h.name, clusterHaEnabled: cs.policy.enabled, isolationResponse: cs.policy.isolationResponse,
    status: h.status, fault: h.fault, fenced: h.fenced, maintenance: h.maintenance, missingSince: h.missingSince,
    staleCopies: h.staleCopies, totalIsolation: cs.totalIsolation, vms,
  };
}

export function clusterView(s: HaMonitorState, clusterId: string) {
  const cs = s.clusters[clusterId];
  if (!cs) throw notFound('cluster', clusterId);
  const hosts: Record<string, number> = {};
  for (const id in cs.hosts) hosts[cs.hosts[id]!.status] = (hosts[cs.hosts[id]!.status] ?? 0) + 1;
  return { clusterId, policy: cs.policy, totalIsolation: cs.totalIsolation, hosts, admission: ha.admissionReport(cs) };
}
