// Where HA restarts go. The pure tick asks a synchronous `place` callback; the scheduler answers over the wire.
// (a) A dry run of the tick records every restart request (in recovery order, with the hosts HA excludes), one
//     `scheduler.select-hosts` call grants them all as committed capacity, the real run reads the grants.
// (b) When the scheduler is unavailable: the domain's capacity model from the HA state itself
//     (libs/domain/src/ha/capacity-model.ts).
import type { NumaPlacement, SelectHostsAnswer, SelectHostsItem } from '@virtsim/contracts';
import { ha } from '@virtsim/domain';

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

export type ClusterRule = ha.HaClusterRule;

/** Fallback (b): the domain's capacity model of the cluster as HA sees it (ha.haCapacityPlacer). */
export function capacityPlacer(cs: ha.HaState, rules: readonly ClusterRule[], options: ha.HaCapacityOptions = {}): Placement {
  return { place: ha.haCapacityPlacer(cs, rules, options), numaOf: () => undefined, source: 'ha-capacity-model' };
}
