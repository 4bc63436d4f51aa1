// Migration events, owned by the migration service: live (pre-copy), cold (file copy) and storage migrations.
// A migration is requested, maybe queued (per-host concurrency limits), started, progresses over simulated
// ticks, and ends with exactly one terminal event: Completed, Failed, Cancelled, RolledBack or Aborted.
// Until MigrationCompleted the VM is on its source host; placement emits VmRelocated on completion.
import type { WorkloadProfile } from '../specs.js';
import type { EventOf } from './envelope.js';
import type { NumaPlacement } from './inventory.js';

export type MigrationKind = 'live' | 'cold' | 'storage';
/** converged: pre-copy met the downtime target; auto-converged: it did so after throttling vCPUs; copied: cold/storage. */
export type MigrationOutcome = 'converged' | 'auto-converged' | 'copied';
/** pre-copy rounds; stop-and-copy (VM paused, last dirty pages); resume (VM starts on target); copy (cold/storage). */
export type MigrationPhase = 'pre-copy' | 'stop-and-copy' | 'resume' | 'copy';

/** A shared resource a migration's data crosses: a host's migration NIC or a datastore. */
export interface MigrationLink {
  /** `host:<id>` or `datastore:<id>` */
  linkId: string;
  capacityMiBps: number;
  /** running migrations allowed on this link at once; more are queued FIFO */
  maxConcurrent: number;
}

export interface MigrationPreCopyOptions {
  /** stop-and-copy once the remaining dirty memory can be sent within this (default 300 ms) */
  downtimeTargetMs: number;
  /** pre-copy rounds at most (default 30) */
  maxRounds: number;
  /** without auto-converge, stop once total sent would exceed this x memory (default 3, Clark et al.) */
  maxSentFactor: number;
  /** throttle vCPUs when rounds do not shrink (QEMU auto-converge) instead of failing */
  autoConverge: boolean;
  /** time for the VM to resume on the target after the last copy (default 20 ms) */
  resumeMs: number;
  /** caps pages dirtied per round (Clark's writable working set); null = only the memory size caps it */
  writableWorkingSetMiB: number | null;
}

export interface MigrationRound {
  index: number;
  sentMiB: number;
  dirtiedMiB: number;
  seconds: number;
}

export interface MigrationRequestedData {
  migrationId: string;
  vmId: string;
  vmName: string;
  kind: MigrationKind;
  clusterId: string;
  /** differs from clusterId only for a cross-cluster cold move */
  targetClusterId: string;
  sourceHostId: string;
  /** for a storage migration: the VM's host (unchanged) */
  targetHostId: string;
  sourceDatastoreId: string | null;
  targetDatastoreId: string | null;
  memoryMiB: number;
  /** MiB copied by a cold or storage migration (disks + config); 0 for live */
  copyMiB: number;
  workload: WorkloadProfile | null;
  options: MigrationPreCopyOptions;
  links: MigrationLink[];
  requestedAt: number;
  /** the target's NUMA layout granted by the scheduler at request time (VmRelocated carries it on completion) */
  numa?: NumaPlacement | null;
  brokenShouldRules?: string[];
  /** why it was asked: operator, drs, dpm, maintenance */
  reason?: string;
  requestedBy?: string | null;
}

export interface MigrationProgressedData {
  migrationId: string;
  vmId: string;
  at: number;
  phase: MigrationPhase;
  round: number;
  /** MiB the current round (or copy / stop-and-copy) has to send */
  phaseTargetMiB: number;
  phaseSentMiB: number;
  /** pages dirtied so far during the current pre-copy round */
  roundDirtiedMiB: number;
  roundSeconds: number;
  /** remaining resume time (resume phase) */
  resumeLeftSeconds: number;
  /** seconds the VM has been paused so far (stop-and-copy + resume) */
  pausedSeconds: number;
  /** MiB sent by completed rounds and phases */
  sentMiB: number;
  progressPercent: number;
}

export type MigrationEvent =
  | EventOf<'MigrationRequested', MigrationRequestedData>
  | EventOf<'MigrationStarted', { migrationId: string; vmId: string; startedAt: number; queuedSeconds: number }>
  | EventOf<'MigrationRoundCompleted', { migrationId: string; vmId: string; index: number; sentMiB: number; dirtiedMiB: number; seconds: number; endedAt: number; bandwidthMiBps: number }>
  | EventOf<'MigrationVmThrottled', { migrationId: string; vmId: string; hostId: string; throttlePercent: number; at: number }>
  | EventOf<'MigrationStopAndCopyStarted', { migrationId: string; vmId: string; remainingMiB: number; at: number }>
  | EventOf<'MigrationProgressed', MigrationProgressedData>
  | EventOf<'MigrationCompleted', {
    migrationId: string; vmId: string; kind: MigrationKind; clusterId: string; targetClusterId: string;
    sourceHostId: string; targetHostId: string; sourceDatastoreId: string | null; targetDatastoreId: string | null;
    completedAt: number; totalSeconds: number; sentMiB: number; downtimeMs: number; outcome: MigrationOutcome;
    throttlePercent: number; rounds: MigrationRound[];
  }>
  | EventOf<'MigrationFailed', { migrationId: string; vmId: string; sourceHostId: string; targetHostId: string; at: number; reason: string; sentMiB: number; rounds: MigrationRound[] }>
  | EventOf<'MigrationCancelled', { migrationId: string; vmId: string; at: number; reason: string; rolledBack: boolean }>
  | EventOf<'MigrationRolledBack', { migrationId: string; vmId: string; sourceHostId: string; targetHostId: string; at: number; reason: string }>
  | EventOf<'MigrationAborted', { migrationId: string; vmId: string; sourceHostId: string; targetHostId: string; at: number; reason: string }>;

export type MigrationEventType = MigrationEvent['type'];
