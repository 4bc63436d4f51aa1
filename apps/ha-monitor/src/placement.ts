// Where HA restarts go. The pure tick asks a synchronous `place` callback; the scheduler answers over the wire.
// (a) A dry run of the tick records every restart request (in recovery order, with the hosts HA excludes), one
//     `scheduler.select-hosts` call grants them all as committed capacity, the real run reads the grants.
// (b) When the scheduler is unavailable: a capacity model from the HA state itself (configured vCPUs and MiB of
//     running VMs against hardware threads x cpuOvercommitRatio and MiB x memory overcommit), honouring the
//     cluster's must / must-not host rules and VM-VM anti-affinity, breaking should rules only when it must.
import type { NumaPlacement, RuleSpec, SelectHostsAnswer, SelectHostsItem } from '@virtsim/contracts';
import type { ha } from '@virtsim/domain';

export type { SelectHostsAnswer, SelectHostsItem } from '@virtsim/contracts';

export const unitKey = (req: ha.HaRestartRequest): string => (req.groupId ? `group:${req.groupId}` : req.vms[0]!.vmId);

/** A placer plus the NUMA layout it granted each VM (when the scheduler said). */
export interface Placement { place: ha.HaPlacer; numaOf: (vmId: string) => NumaPlacement | undefined; source: 'scheduler' | 'ha-capacity-model' }

/** Placer of the dry run: refuses everything and records what was asked, per unit, in order. */
export function recordingPlacer(): { place: ha.HaPlacer; items: () => SelectHostsItem[] } {
  const calls = new Map<string, { req: ha.HaRestartRequest; excludes: (readonly string[])[] }>();
  const place: ha.HaPlacer = (req, exclude) => {
    const key = unitKey(req);
    const c = calls.get(key);
    if (c) c.excludes.push(exclude);
    else calls.set(key, { req, excludes: [exclude] });
    return { refused: 'dry run' };
  };
  const items = () => [...calls].map(([key, { req, excludes }]) => {
    const item: SelectHostsItem = {
      key, vmIds: req.vms.map((vm) => vm.vmId), vcpus: req.vcpus, memoryMiB: req.memoryMiB, excludeHosts: [...excludes[excludes.length - 1]!],
    };
    // "back to the home host first" is asked as everything-but-home, then the wider list: the scheduler's preferHost
    if (excludes.length > 1 && req.fromHostId && !excludes[0]!.includes(req.fromHostId)) item.preferHost = req.fromHostId;
    return item;
  });
  return { place, items };
}

/** Placer of the real run: the scheduler's grants (the domain turns a grant on an excluded host into a refusal). */
export function grantPlacer(answer: SelectHostsAnswer): Placement {
  const numa = new Map<string, NumaPlacement>();
  const place: ha.HaPlacer = (req) => {
    const g = answer.grants?.[unitKey(req)];
    if (!g) return { refused: 'the scheduler gave no answer for this restart' };
    if ('refused' in g) return { refused: g.refused };
    if (req.vms.length === 1 && g.numa) numa.set(req.vms[0]!.vmId, g.numa);
    for (const [vmId, n] of Object.entries(g.numaByVm ?? {})) if (n) numa.set(vmId, n);
    return { hostId: g.hostId, brokenShouldRules: g.brokenShouldRules ?? [] };
  };
  return { place, numaOf: (vmId) => numa.get(vmId), source: 'scheduler' };
}

interface Usage { vcpus: number; memoryMiB: number }

export interface ClusterRule { ruleId: string; spec: RuleSpec }

/** Fallback (b): capacity model of the cluster as HA sees it. Grants count against the host for the tick. */
export function capacityPlacer(cs: ha.HaState, rules: readonly ClusterRule[]): Placement {
  let used: Map<string, Usage> | null = null;
  const runningOn = new Map<string, string>(); // vmId -> host, including this tick's grants
  const rulesOf = new Map<string, number[]>();
  rules.forEach((r, i) => { for (const vmId of r.spec.vms) rulesOf.set(vmId, [...(rulesOf.get(vmId) ?? []), i]); });
  const hosts = Object.values(cs.hosts).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.hostId < b.hostId ? -1 : 1));
  const memRatio = cs.memoryOvercommit ? cs.memoryOvercommitRatio : 1;

  const init = (): Map<string, Usage> => {
    const u = new Map<string, Usage>();
    for (const vmId in cs.vms) {
      const vm = cs.vms[vmId]!;
      if (vm.status !== 'running' || vm.hostId === null) continue;
      runningOn.set(vmId, vm.hostId);
      const h = u.get(vm.hostId) ?? { vcpus: 0, memoryMiB: 0 };
      h.vcpus += vm.vcpus;
      h.memoryMiB += vm.memoryMiB;
      u.set(vm.hostId, h);
    }
    return u;
  };

  const place: ha.HaPlacer = (req, exclude) => {
    used ??= init();
    const skip = new Set(exclude);
    const members = new Set(req.vms.map((vm) => vm.vmId));
    const ruleIdx = [...new Set(req.vms.flatMap((vm) => rulesOf.get(vm.vmId) ?? []))];
    const counts = { excluded: 0, down: 0, full: 0, rules: 0 };
    let best: { hostId: string; broken: string[]; free: number } | null = null;
    for (const h of hosts) {
      if (skip.has(h.hostId)) { counts.excluded++; continue; }
      if (h.status !== 'up' || h.maintenance) { counts.down++; continue; }
      const u = used.get(h.hostId) ?? { vcpus: 0, memoryMiB: 0 };
      const cpuCap = h.logicalCpus * cs.cpuOvercommitRatio;
      const memCap = h.memoryMiB * memRatio;
      if (u.vcpus + req.vcpus > cpuCap || u.memoryMiB + req.memoryMiB > memCap) { counts.full++; continue; }
      const broken: string[] = [];
      let allowed = true;
      for (const i of ruleIdx) {
        const { ruleId, spec: r } = rules[i]!;
        const listed = (r.hosts ?? []).includes(h.hostId);
        if (r.kind === 'vm-host-must' && !listed) allowed = false;
        else if (r.kind === 'vm-host-must-not' && listed) allowed = false;
        else if (r.kind === 'vm-anti-affinity' && r.vms.some((id) => !members.has(id) && runningOn.get(id) === h.hostId)) allowed = false;
        else if (r.kind === 'vm-host-should' && !listed) broken.push(ruleId);
        if (!allowed) break;
      }
      if (!allowed) { counts.rules++; continue; }
      const free = memCap - u.memoryMiB - req.memoryMiB;
      if (!best || broken.length < best.broken.length || (broken.length === best.broken.length && free > best.free)) {
        best = { hostId: h.hostId, broken, free };
      }
    }
    if (!best) {
      return {
        refused: `no host fits ${req.vcpus} vCPU / ${req.memoryMiB} MiB (HA capacity model, scheduler unavailable): ` +
          `${counts.excluded} excluded, ${counts.down} down or in maintenance, ${counts.full} full, ${counts.rules} barred by must rules`,
      };
    }
    const u = used.get(best.hostId) ?? { vcpus: 0, memoryMiB: 0 };
    used.set(best.hostId, { vcpus: u.vcpus + req.vcpus, memoryMiB: u.memoryMiB + req.memoryMiB });
    for (const vm of req.vms) runningOn.set(vm.vmId, best.hostId);
    return { hostId: best.hostId, brokenShouldRules: best.broken.sort() };
  };
  return { place, numaOf: () => undefined, source: 'ha-capacity-model' };
}
