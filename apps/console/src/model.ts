// What the pages show, read from one snapshot of the whole system (GET /state): the same code draws the
// present and any past position.
/** GET /state[?at=]: every service's state as of a log position */
export interface Snapshot { position: number; services: Record<string, any> }

export interface Inventory { clusters: Record<string, any>; hosts: Record<string, any>; vms: Record<string, any>; rules: Record<string, any> }

const numericId = (id: string) => Number(id.replace(/^\D+/, '')) || 0;
export const byId = (a: { id: string }, b: { id: string }) => numericId(a.id) - numericId(b.id) || a.id.localeCompare(b.id);

export function inventoryOf(snap: Snapshot | null): Inventory {
  const inv = snap?.services?.vrm?.inventory;
  return { clusters: inv?.clusters ?? {}, hosts: inv?.hosts ?? {}, vms: inv?.vms ?? {}, rules: inv?.rules ?? {} };
}

export const sorted = <T extends { id: string }>(rec: Record<string, T>): T[] => Object.values(rec).sort(byId);

/** the API's host state words (GET /hosts/:id) */
export function hostState(h: any): string {
  if (h.power !== 'on') return h.power;
  if (h.fault) return h.fault === 'network-isolation' ? 'isolated' : 'fault';
  if (!h.maintenance) return 'connected';
  return (h.vmCount ?? 0) > 0 ? 'entering-maintenance' : 'maintenance';
}

export const hostName = (inv: Inventory, id: string | null | undefined) => (id ? inv.hosts[id]?.spec?.name ?? id : '—');
export const vmName = (inv: Inventory, id: string | null | undefined) => (id ? inv.vms[id]?.spec?.name ?? id : '—');

export interface HostMetrics {
  cpuPercent: number | null; memoryPercent: number | null; readyPercent: number | null;
  vcpuRatio: number | null; memoryRatio: number | null; freeState: string | null;
}

/** heat-map figures of a host: CPU use (scheduler samples), memory in use, worst VM ready time, overcommit */
export function hostMetrics(snap: Snapshot | null, hostId: string): HostMetrics {
  const inv = inventoryOf(snap);
  const host = inv.hosts[hostId];
  const cpu = snap?.services?.scheduler?.cpu?.[host?.clusterId]?.hosts?.[hostId];
  const mem = snap?.services?.['memory-manager']?.memory?.hosts?.[hostId];
  const vms = Object.keys(host?.vmIds ?? {}).map((v) => inv.vms[v]).filter(Boolean);
  const vcpus = vms.reduce((s, v) => s + (v.spec?.vcpus ?? 0), 0);
  const used = mem ? mem.configuredMiB + (mem.overheadMiB ?? 0) - memoryReclaimed(snap, hostId) : null;
  return {
    cpuPercent: host?.power === 'on' && cpu ? cpu.utilizationPercent : null,
    memoryPercent: mem && mem.capacityMiB ? (100 * (used ?? 0)) / mem.capacityMiB : null,
    readyPercent: cpu?.vms?.length ? Math.max(...cpu.vms.map((v: any) => v.readyPercent ?? 0)) : null,
    vcpuRatio: host?.threads ? vcpus / host.threads : null,
    memoryRatio: mem && mem.capacityMiB ? mem.configuredMiB / mem.capacityMiB : null,
    freeState: mem?.freeState ?? null,
  };
}

/** shared, ballooned and swapped MiB of the VMs on a host (memory that does not take host RAM) */
export function reclamation(snap: Snapshot | null, hostId: string) {
  const vms = Object.values<any>(snap?.services?.['memory-manager']?.memory?.vms ?? {}).filter((v) => v.hostId === hostId && v.power !== 'stopped');
  return {
    sharedMiB: vms.reduce((s, v) => s + (v.sharedMiB ?? 0), 0),
    balloonedMiB: vms.reduce((s, v) => s + (v.balloonedMiB ?? 0), 0),
    swappedMiB: vms.reduce((s, v) => s + (v.swappedMiB ?? 0), 0),
  };
}

function memoryReclaimed(snap: Snapshot | null, hostId: string): number {
  const r = reclamation(snap, hostId);
  return r.sharedMiB + r.balloonedMiB + r.swappedMiB;
}

/** a rule holds when the VMs' current hosts satisfy it (stopped VMs without a host do not count) */
export function ruleHolds(inv: Inventory, rule: any): boolean {
  // one truth: the compliance the scheduler recorded (RuleComplianceChanged); computed here only for a state
  // written before compliance was recorded
  if (typeof rule.compliance?.compliant === 'boolean') return rule.compliance.compliant;
  const spec = rule.spec ?? rule;
  const placed = (spec.vms as string[]).map((v) => inv.vms[v]?.hostId).filter((h): h is string => !!h);
  const hosts = new Set<string>(spec.hosts ?? []);
  switch (spec.kind) {
    case 'vm-affinity': return new Set(placed).size <= 1;
    case 'vm-anti-affinity': return new Set(placed).size === placed.length;
    case 'vm-host-must': case 'vm-host-should': return placed.every((h) => hosts.has(h));
    case 'vm-host-must-not': return placed.every((h) => !hosts.has(h));
    default: return true;
  }
}

/** HA of a cluster as the ha-monitor sees it, with admission control: can the cluster lose its
 *  `hostFailuresTolerated` largest hosts and still hold the memory of its running VMs? */
export function haSummary(snap: Snapshot | null, clusterId: string) {
  const ha = snap?.services?.['ha-monitor']?.clusters?.[clusterId];
  const inv = inventoryOf(snap);
  const cluster = inv.clusters[clusterId];
  const policy = ha?.policy ?? cluster?.spec?.ha ?? { enabled: false, hostFailuresTolerated: 0 };
  const hosts = Object.values<any>(ha?.hosts ?? {});
  const vms = Object.values<any>(ha?.vms ?? {});
  const upHosts = Object.keys(cluster?.hostIds ?? {}).map((h) => inv.hosts[h]).filter((h) => h && h.power === 'on' && !h.fault && !h.maintenance);
  const capacities = upHosts.map((h) => h.spec.memoryMiB as number).sort((a, b) => b - a);
  const spare = capacities.slice(policy.hostFailuresTolerated ?? 0).reduce((s, c) => s + c, 0);
  const demand = Object.keys(cluster?.vmIds ?? {}).map((v) => inv.vms[v]).filter((v) => v?.state === 'running').reduce((s, v) => s + v.spec.memoryMiB, 0);
  return {
    enabled: !!policy.enabled, tolerated: policy.hostFailuresTolerated ?? 0, isolationResponse: policy.isolationResponse ?? null,
    hostsByStatus: countBy(hosts.map((h) => (h.fenced ? 'fenced' : h.status))),
    vmsByStatus: countBy(vms.filter((v) => v.haEnabled).map((v) => v.status)),
    admission: { spareMiB: spare, demandMiB: demand, ok: spare >= demand },
  };
}

const countBy = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

/** GET /hosts/:id's shape, as far as a snapshot holds it (a past position has no live service views) */
export function hostFromSnapshot(snap: Snapshot | null, hostId: string): any | null {
  const inv = inventoryOf(snap);
  const h = inv.hosts[hostId];
  if (!h) return null;
  const mem = snap?.services?.['memory-manager']?.memory?.hosts?.[hostId];
  const io = snap?.services?.['io-backend']?.io?.hosts?.[hostId];
  const usage = snap?.services?.scheduler?.cpu?.[h.clusterId]?.hosts?.[hostId];
  const numa = (mem?.nodes ?? []).map((n: any, node: number) => ({ node, memoryMiB: n.capacityMiB, allocatedMemoryMiB: n.configuredMiB }));
  const used = (io?.pci ?? []).filter((p: any) => p.passthroughVmId).length;
  return {
    id: h.id, clusterId: h.clusterId, name: h.spec.name, state: hostState(h), power: h.power, maintenance: h.maintenance, fault: h.fault ?? null,
    threads: h.threads, vmIds: Object.keys(h.vmIds ?? {}), spec: h.spec,
    cpu: { usage, allocation: { numaNodes: numa } },
    memory: mem ? { ...mem, reclamation: reclamation(snap, hostId), overcommit: mem.capacityMiB ? mem.configuredMiB / mem.capacityMiB : null } : undefined,
    io: io ? {
      dom0: io.reported, assignableSlots: { total: io.assignableSlots, used, free: io.assignableSlots - used },
      pciDevices: (io.pci ?? []).map((p: any) => ({ ...p, state: p.passthroughVmId ? 'passthrough' : p.vgpu ? 'vgpu' : 'free', assignedTo: p.passthroughVmId })),
    } : undefined,
  };
}

/** GET /vms/:id's shape, as far as a snapshot holds it */
export function vmFromSnapshot(snap: Snapshot | null, vmId: string): any | null {
  const inv = inventoryOf(snap);
  const v = inv.vms[vmId];
  if (!v) return null;
  const mem = snap?.services?.['memory-manager']?.memory?.vms?.[vmId];
  const cpuHost = v.hostId ? snap?.services?.scheduler?.cpu?.[v.clusterId]?.hosts?.[v.hostId] : null;
  const cpuVm = cpuHost?.vms?.find((x: any) => x.vmId === vmId);
  return {
    id: v.id, name: v.spec.name, clusterId: v.clusterId, state: v.state, hostId: v.hostId, vcpus: v.spec.vcpus, memoryMiB: v.spec.memoryMiB,
    numa: v.numa, spec: v.spec,
    cpu: cpuVm ? { ...cpuVm } : undefined,
    memory: mem ? { grantedMiB: mem.memoryMiB, sharedMiB: mem.sharedMiB, balloonedMiB: mem.balloonedMiB, swappedMiB: mem.swappedMiB, overheadMiB: mem.overheadMiB, reservationMiB: mem.reservationMiB, hugeBacked: mem.hugeBacked } : undefined,
  };
}
