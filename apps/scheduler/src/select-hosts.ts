// scheduler.select-hosts as a pure function of the state: HA's restarts of one tick (and evacuations) in one call,
// each grant committed on a scratch copy so the later requests of the call see it.
import { VirtsimError, type GrantAnswer as Grant, type SelectHostsItem, type SelectHostsRequest } from '@virtsim/contracts';
import { placement } from '@virtsim/domain';
import { migrationsOf, type SchedulerState } from './state.js';

const errorOf = (e: unknown): VirtsimError => VirtsimError.from(e);

/** The grants of one select-hosts request, by item key. Hosts HA recovered in the asking tick count as up. */
export function selectHostGrants(state: SchedulerState, req: Pick<SelectHostsRequest, 'clusterId' | 'requests' | 'recoveredHosts'>): Record<string, Grant> {
  const scratch = placement.scratchCopy(state.placement);
  // HA's HostRecovered of this tick is not in the log yet: without this the host would be refused one more tick
  for (const hostId of req.recoveredHosts ?? []) {
    if (scratch.hosts[hostId]?.clusterId === req.clusterId) placement.setHostAvailable(scratch, hostId, true);
  }
  const migrations = migrationsOf(state, req.clusterId);
  const grants: Record<string, Grant> = {};
  for (const item of req.requests) grants[item.key] = grantFor(scratch, req.clusterId, item, migrations);
  return grants;
}

/** One select-hosts request on the scratch state: its VMs leave their current host first (they are down), the
 *  first VM is placed by the normal pipeline, the others of an affinity group must fit on the same host; a host
 *  that cannot take the whole group is excluded and the next one is tried. The grant stays on the scratch. */
function grantFor(scratch: placement.PlacementState, clusterId: string, item: SelectHostsItem, migrations: readonly placement.InFlightMigration[]): Grant {
  const vms = item.vmIds.map((id) => scratch.vms[id]);
  const unknown = item.vmIds.filter((_, i) => !vms[i]);
  if (unknown.length > 0) return { refused: `unknown VM(s): ${unknown.join(', ')}` };
  const foreign = vms.filter((vm) => vm!.clusterId !== clusterId).map((vm) => vm!.id);
  if (foreign.length > 0) return { refused: `VM(s) of another cluster: ${foreign.join(', ')}` };
  for (const vm of vms) placement.detachVm(scratch, vm!.id);
  const members = vms as placement.PlacementVm[];
  const exclude = new Set(item.excludeHosts);
  const hostIds = scratch.clusters[clusterId]!.hostIds;
  for (;;) {
    let first: placement.PlacementDecision;
    try {
      first = placement.placeVm(scratch, { vmId: members[0]!.id, spec: members[0]!.spec, excludeHosts: [...exclude], preferHost: item.preferHost, migrations });
    } catch (e) {
      return { refused: errorOf(e).message };
    }
    const trial = members.length > 1 ? placement.scratchCopy(scratch) : scratch;
    const decisions = [first];
    placement.attachVm(trial, first.vmId, first.hostId, first.numa, first.gpus);
    const others = hostIds.filter((h) => h !== first.hostId);
    let fits = true;
    for (const vm of members.slice(1)) {
      try {
        const d = placement.placeVm(trial, { vmId: vm.id, spec: vm.spec, excludeHosts: others, migrations });
        placement.attachVm(trial, d.vmId, d.hostId, d.numa, d.gpus);
        decisions.push(d);
      } catch {
        fits = false;
        break;
      }
    }
    if (!fits) {
      exclude.add(first.hostId);
      continue;
    }
    if (trial !== scratch) for (const d of decisions) placement.attachVm(scratch, d.vmId, d.hostId, d.numa, d.gpus);
    const broken = [...new Set(decisions.flatMap((d) => d.brokenShouldRules))].sort();
    return {
      hostId: first.hostId, brokenShouldRules: broken, numa: first.numa,
      ...(members.length > 1 ? { numaByVm: Object.fromEntries(decisions.map((d) => [d.vmId, d.numa])) } : {}),
    };
  }
}
