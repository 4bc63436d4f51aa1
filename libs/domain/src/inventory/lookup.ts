// Lookups that refuse with not-found, shared by the inventory deciders.
import { conflict, notFound } from '@virtsim/contracts';
import { own } from '../shared/record.js';
import type { ClusterView, HostView, InventoryView, RuleView, VmView } from './view.js';

export function requireCluster(view: InventoryView, clusterId: string): ClusterView {
  const cluster = own(view.clusters, clusterId);
  if (!cluster) throw notFound('cluster', clusterId);
  return cluster;
}

export function requireHost(view: InventoryView, hostId: string): HostView {
  const host = own(view.hosts, hostId);
  if (!host) throw notFound('host', hostId);
  return host;
}

export function requireVm(view: InventoryView, vmId: string): VmView {
  const vm = own(view.vms, vmId);
  if (!vm) throw notFound('vm', vmId);
  return vm;
}

export function requireRule(view: InventoryView, ruleId: string): RuleView {
  const rule = own(view.rules, ruleId);
  if (!rule) throw notFound('rule', ruleId);
  return rule;
}

/** Powered off, in standby, or cut off by an injected fault (power loss, hypervisor crash, network isolation). */
export const isHostDown = (host: HostView): boolean => host.power !== 'on' || (host.fault ?? null) !== null;

/** What a down host is, for messages: its power state, or its fault. */
export const hostCondition = (host: HostView): string => host.power !== 'on' ? host.power : host.fault ? `down (${host.fault})` : 'on';

/** Limits of a logical cluster (F2; FusionCompute: 128 hosts and 8,000 VMs per cluster). */
export const CLUSTER_LIMITS = Object.freeze({ maxHosts: 128, maxVms: 8000 });

/** A host takes a new power-on only when it runs and is not in maintenance (HA.md 7): also for a VM whose creation
 *  placed it there before the host entered maintenance. */
export function assertHostTakesPowerOn(view: InventoryView, hostId: string, vmId: string): void {
  const host = requireHost(view, hostId);
  if (isHostDown(host)) throw conflict('host.down', `VM ${vmId}: host ${host.spec.name} is ${hostCondition(host)}`, { vmId, hostId });
  if (host.maintenance) throw conflict('host.maintenance', `VM ${vmId}: host ${host.spec.name} is in maintenance`, { vmId, hostId });
}
