// Where HA restarts go when the scheduler cannot be asked (HA.md 3): a capacity model of the cluster as HA sees
// it. Configured vCPUs and MiB of running VMs against hardware threads x cpuOvercommitRatio and MiB x memory
// overcommit; the cluster's must / must-not host rules (placement's hostRuleVerdict) and VM-VM anti-affinity
// hold, should rules give way only when they must; among the hosts left, the fewest broken should rules, then
// the most free memory. Grants count against the host for the rest of the tick.
// In-flight live / cold migrations count for anti-affinity at BOTH ends until they end (HA.md 5, as placement's
// filters do): a member moving from h-2 to h-3 keeps h-2 and h-3 taken. Hosts HA recovered in this very tick
// (recoveredHosts) are targets at once: the HaState the placer reads predates the tick's HostRecovered.
import type { RuleSpec } from '@virtsim/contracts';
import type { InFlightMigration } from '../placement/model.js';
import { hostRuleVerdict } from '../placement/rules.js';
import type { HaPlacer } from './restart.js';
import type { HaState } from './state.js';

export interface HaClusterRule { ruleId: string; spec: RuleSpec }
interface Usage { vcpus: number; memoryMiB: number }

export interface HaCapacityOptions {
  migrations?: readonly InFlightMigration[];
  recoveredHosts?: readonly string[];
}

export function haCapacityPlacer(cs: HaState, rules: readonly HaClusterRule[], options: HaCapacityOptions = {}): HaPlacer {
  let used: Map<string, Usage> | null = null;
  const recovered = new Set(options.recoveredHosts ?? []);
  const moving = new Map<string, string[]>(); // vmId -> both ends of its in-flight migration
  for (const m of options.migrations ?? []) moving.set(m.vmId, [m.sourceHostId, m.targetHostId]);
  const takes = (vmId: string, hostId: string): boolean => runningOn.get(vmId) === hostId || (moving.get(vmId)?.includes(hostId) ?? false);
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

  return (req, exclude) => {
    used ??= init();
    const skip = new Set(exclude);
    const members = new Set(req.vms.map((vm) => vm.vmId));
    const ruleIdx = [...new Set(req.vms.flatMap((vm) => rulesOf.get(vm.vmId) ?? []))];
    const counts = { excluded: 0, down: 0, full: 0, rules: 0 };
    let best: { hostId: string; broken: string[]; free: number } | null = null;
    for (const h of hosts) {
      if (skip.has(h.hostId)) { counts.excluded++; continue; }
      if ((h.status !== 'up' && !recovered.has(h.hostId)) || h.maintenance) { counts.down++; continue; }
      const u = used.get(h.hostId) ?? { vcpus: 0, memoryMiB: 0 };
      const cpuCap = h.logicalCpus * cs.cpuOvercommitRatio;
      const memCap = h.memoryMiB * memRatio;
      if (u.vcpus + req.vcpus > cpuCap || u.memoryMiB + req.memoryMiB > memCap) { counts.full++; continue; }
      const broken: string[] = [];
      let allowed = true;
      for (const i of ruleIdx) {
        const { ruleId, spec: r } = rules[i]!;
        const verdict = hostRuleVerdict(r, h.hostId);
        if (verdict === 'barred') allowed = false;
        else if (r.kind === 'vm-anti-affinity' && r.vms.some((id) => !members.has(id) && takes(id, h.hostId))) allowed = false;
        else if (verdict === 'should-broken') broken.push(ruleId);
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
}
