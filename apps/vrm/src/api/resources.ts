// API shapes of inventory objects, and the {items, nextCursor} list convention.
import { hostState } from '@virtsim/contracts';
import { ha, type inventory } from '@virtsim/domain';
import { z } from 'zod';

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(64).optional(),
  clusterId: z.string().min(1).max(64).optional(),
  hostId: z.string().min(1).max(64).optional(),
  state: z.string().min(1).max(32).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

const numericId = (id: string) => Number(id.replace(/^\D+/, '')) || 0;
export const byId = <T extends { id: string }>(a: T, b: T) => numericId(a.id) - numericId(b.id) || a.id.localeCompare(b.id);

export function page<T extends { id: string }>(all: T[], q: { limit: number; cursor?: string }) {
  const sorted = [...all].sort(byId);
  const start = q.cursor ? sorted.findIndex((x) => byId(x, { id: q.cursor! } as T) > 0) : 0;
  const from = start < 0 ? sorted.length : start;
  const items = sorted.slice(from, from + q.limit);
  const nextCursor = from + q.limit < sorted.length ? items[items.length - 1].id : null;
  return { items, nextCursor };
}

/** vms: the inventory's, for the HA protection warning (running VMs of an HA cluster that HA does not protect) */
export function clusterResource(c: inventory.ClusterView, vms: Readonly<Record<string, inventory.VmView>>) {
  const members = Object.keys(c.vmIds).flatMap((id) => {
    const vm = vms[id];
    return vm ? [{ vmId: id, running: vm.state === 'running', haEnabled: vm.spec.ha?.enabled ?? false }] : [];
  });
  return {
    id: c.id, ...c.spec, hostCount: c.hostCount, vmCount: c.vmCount, ruleCount: c.ruleCount, vmsByState: c.vmsByState,
    maxHostThreads: c.maxHostThreads, haProtection: ha.haProtectionWarning(c.spec.ha?.enabled ?? false, members),
  };
}

export function hostResource(h: inventory.HostView) {
  return {
    id: h.id, clusterId: h.clusterId, name: h.spec.name, state: hostState({ ...h, fault: h.fault ?? null }),
    power: h.power, maintenance: h.maintenance, fault: h.fault ?? null, threads: h.threads, vmCount: h.vmCount, vmIds: Object.keys(h.vmIds).sort((a, b) => numericId(a) - numericId(b)),
    spec: h.spec,
  };
}

export function vmResource(vm: inventory.VmView) {
  return {
    id: vm.id, name: vm.spec.name, clusterId: vm.clusterId, state: vm.state, hostId: vm.hostId,
    vcpus: vm.spec.vcpus, memoryMiB: vm.spec.memoryMiB, pendingVcpus: vm.pendingVcpus,
    numa: vm.numa, cpuFeatures: vm.cpuFeatures, brokenShouldRules: vm.brokenShouldRules, bios: vm.bios, spec: vm.spec,
  };
}

export function ruleResource(r: inventory.RuleView) {
  return { id: r.id, clusterId: r.clusterId, ...r.spec, compliance: r.compliance };
}

/** a position in the log (query parameter): a whole number the database's bigint and a JS number both hold */
export const LogPosition = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
