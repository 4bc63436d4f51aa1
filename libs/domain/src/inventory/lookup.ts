// Lookups that refuse with not-found, shared by the inventory deciders.
import { notFound } from '@virtsim/contracts';
import type { ClusterView, HostView, InventoryView, RuleView, VmView } from './view.js';

export function requireCluster(view: InventoryView, clusterId: string): ClusterView {
  const cluster = view.clusters[clusterId];
  if (!cluster) throw notFound('cluster', clusterId);
  return cluster;
}

export function requireHost(view: InventoryView, hostId: string): HostView {
  const host = view.hosts[hostId];
  if (!host) throw notFound('host', hostId);
  return host;
}

export function requireVm(view: InventoryView, vmId: string): VmView {
  const vm = view.vms[vmId];
  if (!vm) throw notFound('vm', vmId);
  return vm;
}

export function requireRule(view: InventoryView, ruleId: string): RuleView {
  const rule = view.rules[ruleId];
  if (!rule) throw notFound('rule', ruleId);
  return rule;
}

/** Powered off, in standby, or cut off by an injected fault (power loss, hypervisor crash, network isolation). */
export const isHostDown = (host: HostView): boolean => host.power !== 'on' || (host.fault ?? null) !== null;

/** What a down host is, for messages: its power state, or its fault. */
export const hostCondition = (host: HostView): string => host.power !== 'on' ? host.power : host.fault ? `down (${host.fault})` : 'on';

/** Limits of a logical cluster (F2; FusionCompute: 128 hosts and 8,000 VMs per cluster). */
export const CLUSTER_LIMITS = Object.freeze({ maxHosts: 128, maxVms: 8000 });
