// Cluster decider (F2, F11): create a cluster, change its policy.
//
// API: clusterDecider: Decider<InventoryView, ClusterCommand, InventoryEvent>
//   {type:'CreateCluster', clusterId, spec: ClusterSpec}        -> ClusterCreated
//   {type:'ChangeClusterPolicy', clusterId, patch: ClusterPatch} -> ClusterPolicyChanged | [] when nothing changes
// Refusals: cluster.exists, cluster.name (name taken), imc.baseline (a host lacks the new baseline, or a running /
// suspended VM sees features outside it: the seed's two IMC conditions), invalid for an unknown IMC level.
// Spec and patch are the zod-parsed values (defaults applied).
import { conflict } from '@virtsim/contracts';
import type { ClusterPatch, ClusterSpec, InventoryEvent } from '@virtsim/contracts';
import type { Decider } from '../shared/decider.js';
import { imcFeatures, imcVendor, missingFeatures } from './imc.js';
import { requireCluster } from './lookup.js';
import { emptyInventory, evolveInventory } from './view.js';
import type { ClusterView, InventoryView } from './view.js';
import { own } from '../shared/record.js';

export type ClusterCommand =
  | { type: 'CreateCluster'; clusterId: string; spec: ClusterSpec }
  | { type: 'ChangeClusterPolicy'; clusterId: string; patch: ClusterPatch };

export const clusterDecider: Decider<InventoryView, ClusterCommand, InventoryEvent> = {
  initialState: emptyInventory,
  evolve: evolveInventory,
  decide: (command, view) => {
    switch (command.type) {
      case 'CreateCluster': return createCluster(view, command.clusterId, command.spec);
      case 'ChangeClusterPolicy': return changePolicy(view, command.clusterId, command.patch);
    }
  },
};

function createCluster(view: InventoryView, clusterId: string, spec: ClusterSpec): InventoryEvent[] {
  if (own(view.clusters, clusterId)) throw conflict('cluster.exists', `cluster ${clusterId} already exists`, { clusterId });
  assertNameFree(view, spec.name, clusterId);
  if (spec.imcBaseline) imcFeatures(spec.imcBaseline);
  return [{ type: 'ClusterCreated', data: { clusterId, spec } }];
}

function changePolicy(view: InventoryView, clusterId: string, patch: ClusterPatch): InventoryEvent[] {
  const cluster = requireCluster(view, clusterId);
  const changed = Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => value !== undefined && !sameJson(value, cluster.spec[key as keyof ClusterSpec])),
  ) as ClusterPatch;
  if (Object.keys(changed).length === 0) return [];
  if (changed.name !== undefined) assertNameFree(view, changed.name, clusterId);
  if (changed.imcBaseline) assertBaselineFits(view, cluster, changed.imcBaseline);
  return [{ type: 'ClusterPolicyChanged', data: { clusterId, patch: changed } }];
}

function assertNameFree(view: InventoryView, name: string, clusterId: string): void {
  const owner = own(view.clusterNames, name);
  if (owner !== undefined && owner !== clusterId) {
    throw conflict('cluster.name', `a cluster named '${name}' already exists (${owner})`, { name, clusterId: owner });
  }
}

/** Seed (IMC): hosts must have at least the baseline; running or suspended VMs must see at most the baseline. */
function assertBaselineFits(view: InventoryView, cluster: ClusterView, baseline: NonNullable<ClusterSpec['imcBaseline']>): void {
  const required = imcFeatures(baseline);
  const vendor = imcVendor(baseline);
  for (const hostId of Object.keys(cluster.hostIds).sort()) {
    const host = view.hosts[hostId]!;
    const missing = missingFeatures(required, host.spec.cpu.features);
    if (missing.length > 0 || (vendor !== null && host.spec.cpu.vendor !== vendor)) {
      throw conflict('imc.baseline', `host ${host.spec.name} (${hostId}) does not meet the IMC baseline` +
        (missing.length ? `: lacks ${missing.join(', ')}` : `: vendor ${host.spec.cpu.vendor}, baseline is ${vendor}`),
      { hostId, missing });
    }
  }
  const allowed = new Set(required);
  for (const vmId of Object.keys(cluster.vmIds).sort()) {
    const vm = view.vms[vmId]!;
    if (vm.cpuFeatures === null || vm.state === 'stopped' || vm.state === 'failed') continue;
    const extra = vm.cpuFeatures.filter((f) => !allowed.has(f));
    if (extra.length > 0) {
      throw conflict('imc.baseline', `VM ${vm.spec.name} (${vmId}) is ${vm.state} with CPU features above the baseline ` +
        `(${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}): power it off or move it out of the cluster first`,
      { vmId, extra });
    }
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
