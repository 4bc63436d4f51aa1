// HA events, owned by ha-monitor: injected faults, heartbeat detection, fencing and VM restarts.
// Every detection, decision and restart is an event with its reason, for audit and replay (HA.md).
// All carry clusterId (routing) and simTime (simulated seconds of the tick or command that caused them).
import type { EventOf } from './envelope.js';

export type HaHostFaultKind = 'power-loss' | 'network-isolation' | 'hypervisor-crash';
export type HaVmFaultKind = 'guest-os-crash' | 'vmm-process-crash';
export type HaPriority = 'high' | 'medium' | 'low';
export type HaIsolationResponse = 'power-off' | 'leave-running';
/** How a host was made safe before its VMs restart elsewhere (HA.md 1). `datastore-locks-revoked`: the host may
 *  still run its copies, but HA took their disk locks; the copies are stale and are powered off when it returns. */
export type HaFenceMethod = 'power-lost' | 'hypervisor-down' | 'isolation-power-off' | 'datastore-locks-revoked';
/** Why a VM is (re)started by HA. `host-rebooted`: its host came back before failure detection, VMs down. */
export type HaRestartCause = 'host-failure' | 'host-isolation' | 'host-rebooted' | HaVmFaultKind;
export type HaWaitKind = 'local-storage' | 'no-host';
export type HaVmFailureAction = 'restart-in-place' | 'relocate' | 'needs-operator';
/** Why HA leaves a VM of a failed host down ("why not", issue 19): the VM is not HA-protected, or HA is off on its cluster. */
export type HaNotRestartedWhy = 'vm-not-protected' | 'cluster-ha-off';

interface HaBase { clusterId: string; simTime: number }

export type HaEvent =
  | EventOf<'HostFaultInjected', HaBase & { hostId: string; kind: HaHostFaultKind }>
  | EventOf<'HostFaultCleared', HaBase & { hostId: string; kind: HaHostFaultKind }>
  /** VMs stopped running on a host: at once for power-loss / hypervisor-crash, at fencing otherwise.
   *  staleCopies: the host may still run them (partition): they are powered off when it returns. */
  | EventOf<'VmsDownOnHost', HaBase & { hostId: string; vmIds: string[]; reason: string; staleCopies: boolean }>
  /** First missed network heartbeat only (not one per tick). lastHeartbeatAt: the tick it last answered. */
  | EventOf<'HostHeartbeatMissed', HaBase & { hostId: string; lastHeartbeatAt: number; datastoreHeartbeat: boolean }>
  /** Heartbeats came back before the host was declared failed or isolated. vmIds: its HA VMs that went down with
   *  it (power-loss / hypervisor-crash), now queued for restart. */
  | EventOf<'HostHeartbeatResumed', HaBase & { hostId: string; missedSeconds: number; vmIds: string[] }>
  | EventOf<'HostFailureDetected', HaBase & { hostId: string; missedSeconds: number; reason: string }>
  | EventOf<'HostIsolationDetected', HaBase & { hostId: string; missedSeconds: number; response: HaIsolationResponse; reason: string }>
  /** Every monitored host is cut off: nothing is fenced or restarted until one returns (HA.md 1). */
  | EventOf<'HaTotalIsolationDetected', HaBase & { hostIds: string[]; reason: string }>
  | EventOf<'HaTotalIsolationEnded', HaBase & { reason: string }>
  /** vmIds: the host's HA-enabled VMs, down, now queued for restart (restarts only ever follow this event). */
  | EventOf<'HostFenced', HaBase & { hostId: string; method: HaFenceMethod; vmIds: string[]; reason: string }>
  | EventOf<'HostRecovered', HaBase & { hostId: string; downSeconds: number; reason: string }>
  /** A returning host's copy of a VM that HA restarted elsewhere (or still manages): powered off (HA.md 4). */
  | EventOf<'StaleVmCopyPoweredOff', HaBase & { vmId: string; hostId: string; runningOnHostId: string | null; reason: string }>
  | EventOf<'VmFaultInjected', HaBase & { vmId: string; hostId: string; kind: HaVmFaultKind; detectable: boolean; reason: string }>
  | EventOf<'VmFailureDetected', HaBase & { vmId: string; hostId: string; kind: HaVmFaultKind; action: HaVmFailureAction; reason: string }>
  /** order: 1-based rank in this tick's plan (priority high>medium>low, then VM id). groupId: VM-VM affinity rule. */
  | EventOf<'VmRestartPlanned', HaBase & {
    vmId: string; fromHostId: string; toHostId: string; priority: HaPriority; order: number; cause: HaRestartCause;
    groupId: string | null; brokenShouldRules: string[]; reason: string;
  }>
  | EventOf<'VmRestarted', HaBase & { vmId: string; fromHostId: string; hostId: string; cause: HaRestartCause }>
  | EventOf<'VmRestartedInPlace', HaBase & { vmId: string; hostId: string; cause: HaVmFaultKind; attempt: number; maxAttempts: number; reason: string }>
  /** Lasting state, retried each tick; emitted again only when the reason changes. hostId: the VM's home host. */
  | EventOf<'VmRestartWaiting', HaBase & { vmId: string; hostId: string; waitKind: HaWaitKind; reason: string }>
  | EventOf<'VmFailedNeedsOperator', HaBase & { vmId: string; hostId: string; reason: string }>
  /** "Why not": a VM that went down with its host and that HA will not restart (nothing changes; audit only). */
  | EventOf<'VmRestartNotAttempted', HaBase & { vmId: string; hostId: string; why: HaNotRestartedWhy; reason: string }>
  /** Warning: the number of running VMs of an HA cluster that are not HA-protected changed (0: none left, or HA
   *  turned off). vmIds: the first of them by id (at most 20). */
  | EventOf<'HaUnprotectedVmsChanged', HaBase & { unprotected: number; vmIds: string[]; reason: string }>;

export type HaEventType = HaEvent['type'];
