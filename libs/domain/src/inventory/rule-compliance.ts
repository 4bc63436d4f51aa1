// F12: a must rule the current placement already breaks is refused (409 rules.brokenByPlacement), naming the rule
// and the VMs. Chosen over "accept and report non-compliant" because a must rule is a promise about where VMs
// run: accepting one that is false at birth would have DRS, HA and placement work from a rule nothing honours
// yet. The operator moves (or powers off) the VMs the message names and creates the rule again.
// Only VMs that hold a host count: starting, running, migrating, stopping, suspended (HA.md 1: a must rule binds
// wherever the VM runs or will resume).
import { conflict, type RuleSpec, type VmState } from '@virtsim/contracts';
import { own } from '../shared/record.js';
import type { InventoryView } from './view.js';

const HOLDS_HOST: ReadonlySet<VmState> = new Set(['starting', 'running', 'migrating', 'stopping', 'suspended']);

/** The VMs of the rule the current placement puts where the rule forbids, with a sentence saying why. */
export function placementBreaks(view: InventoryView, spec: RuleSpec): { vmIds: string[]; why: string } | null {
  const placed = spec.vms
    .map((id) => own(view.vms, id))
    .filter((vm) => vm !== undefined && vm.hostId !== null && HOLDS_HOST.has(vm.state))
    .map((vm) => ({ id: vm!.id, hostId: vm!.hostId! }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hosts = new Set(spec.hosts ?? []);
  const hostName = (id: string) => own(view.hosts, id)?.spec.name ?? id;
  switch (spec.kind) {
    case 'vm-anti-affinity': {
      const byHost = new Map<string, string[]>();
      for (const v of placed) byHost.set(v.hostId, [...(byHost.get(v.hostId) ?? []), v.id]);
      const crowded = [...byHost].filter(([, ids]) => ids.length > 1);
      if (crowded.length === 0) return null;
      return { vmIds: crowded.flatMap(([, ids]) => ids).sort(), why: crowded.map(([h, ids]) => `${ids.join(', ')} share host ${hostName(h)}`).join('; ') };
    }
    case 'vm-affinity': {
      const distinct = [...new Set(placed.map((v) => v.hostId))];
      if (distinct.length <= 1) return null;
      return { vmIds: placed.map((v) => v.id), why: `they run on ${distinct.length} hosts (${distinct.map(hostName).sort().join(', ')})` };
    }
    case 'vm-host-must': {
      const out = placed.filter((v) => !hosts.has(v.hostId));
      return out.length === 0 ? null : { vmIds: out.map((v) => v.id), why: out.map((v) => `${v.id} runs on ${hostName(v.hostId)}, outside the rule's hosts`).join('; ') };
    }
    case 'vm-host-must-not': {
      const out = placed.filter((v) => hosts.has(v.hostId));
      return out.length === 0 ? null : { vmIds: out.map((v) => v.id), why: out.map((v) => `${v.id} runs on ${hostName(v.hostId)}, a host the rule forbids`).join('; ') };
    }
    case 'vm-host-should': return null;
  }
}

export function assertPlacementComplies(view: InventoryView, ruleId: string, spec: RuleSpec): void {
  const broken = placementBreaks(view, spec);
  if (!broken) return;
  throw conflict('rules.brokenByPlacement',
    `must rule ${spec.name} is broken by where its VMs run now: ${broken.why}; move or power off ${broken.vmIds.join(', ')} first`,
    { ruleId, ruleName: spec.name, vmIds: broken.vmIds });
}
