// Inventory events, owned by vrm: clusters, hosts, VMs, rule groups. Every service projects them.
import type { ClusterPatch, ClusterSpec, HostSpec, RuleSpec, VmSpec } from '../specs.js';
import type { EventOf } from './envelope.js';

export type VmState = 'creating' | 'stopped' | 'starting' | 'running' | 'suspended' | 'stopping' | 'migrating' | 'failed' | 'deleted';
export type HostPowerState = 'on' | 'off' | 'standby';

export type InventoryEvent =
  | EventOf<'ClusterCreated', { clusterId: string; spec: ClusterSpec }>
  | EventOf<'ClusterPolicyChanged', { clusterId: string; patch: ClusterPatch }>
  | EventOf<'HostAdded', { hostId: string; clusterId: string; spec: HostSpec }>
  | EventOf<'HostPoweredOn', { hostId: string; clusterId: string; reason: string }>
  | EventOf<'HostPoweredOff', { hostId: string; clusterId: string; reason: string; standby: boolean }>
  | EventOf<'HostMaintenanceEntered', { hostId: string; clusterId: string }>
  | EventOf<'HostMaintenanceExited', { hostId: string; clusterId: string }>
  | EventOf<'VmCreationRequested', { vmId: string; spec: VmSpec }>
  | EventOf<'VmCreated', { vmId: string; clusterId: string; hostId: string }>
  | EventOf<'VmCreationFailed', { vmId: string; clusterId: string; reason: string; step: string }>
  | EventOf<'VmStateChanged', { vmId: string; clusterId: string; hostId: string | null; from: VmState; to: VmState; reason: string }>
  | EventOf<'VmReconfigured', { vmId: string; clusterId: string; vcpus: number; memoryMiB: number; pendingVcpus: number | null }>
  | EventOf<'VmDeleted', { vmId: string; clusterId: string; hostId: string | null }>
  | EventOf<'RuleCreated', { ruleId: string; clusterId: string; spec: RuleSpec }>
  | EventOf<'RuleDeleted', { ruleId: string; clusterId: string }>
  | EventOf<'ClockAdvanced', { tick: number; simTime: number; tickSeconds: number }>;
