// The scheduler's subjects: placement (saga step place, release-placement), host selection for HA and
// migration, DRS, the CPU-mode view, the tick.
import { z } from 'zod';
import type { NumaPlacement } from '../events/inventory.js';
import { Id } from '../specs.js';
import { ClusterQuery, idempotent, stateSubjects, TickRequest, trace, viewSubjects, type ViewAnswer } from './common.js';
import { reply, rpc, sagaStep } from './rpc.js';

export const PlaceRequest = z.object({ vmId: Id, ...idempotent });
export type PlaceRequest = z.infer<typeof PlaceRequest>;
export interface PlaceAnswer {
  vmId: string; clusterId: string; hostId: string; numa: NumaPlacement | null; brokenShouldRules: string[]; gpus: unknown[]; alreadyPlaced?: boolean;
}

export const ReleasePlacementRequest = z.object({ vmId: Id, reason: z.string().min(1).max(200).optional(), ...idempotent });
export type ReleasePlacementRequest = z.infer<typeof ReleasePlacementRequest>;
export interface ReleasePlacementAnswer { vmId: string; released: boolean; hostId: string | null }

/** clusterId: place in another cluster than the VM's (a migration leaving its cluster, C4); default the VM's */
export const SelectHostRequest = z.object({ vmId: Id, clusterId: Id.optional(), excludeHosts: z.array(Id).max(1024).optional(), preferHost: Id.optional(), ...trace });
export type SelectHostRequest = z.infer<typeof SelectHostRequest>;
export interface SelectHostAnswer extends Omit<PlaceAnswer, 'alreadyPlaced'> { loadAfter: number }

/** one unit of select-hosts: a VM, or an affinity group that must land on one host */
export const SelectHostsItem = z.object({
  key: z.string().min(1).max(200),
  vmIds: z.array(Id).min(1).max(8000),
  vcpus: z.number().int().min(0).optional(),
  memoryMiB: z.number().min(0).optional(),
  excludeHosts: z.array(Id).max(1024).default([]),
  preferHost: Id.optional(),
});
export type SelectHostsItem = z.infer<typeof SelectHostsItem>;
/** recoveredHosts: hosts HA declares recovered in the very tick that asks (their HostRecovered is appended with the
 *  tick's restarts, so the scheduler has not folded it yet): HA's verdict is the newer one, they are targets now */
export const SelectHostsRequest = z.object({ clusterId: Id, requests: z.array(SelectHostsItem).max(8000), recoveredHosts: z.array(Id).max(1024).optional(), ...trace });
export type SelectHostsRequest = z.infer<typeof SelectHostsRequest>;
export interface HostGrant {
  hostId: string;
  brokenShouldRules: string[];
  /** NUMA placement of a single-VM request; numaByVm for groups */
  numa?: NumaPlacement | null;
  numaByVm?: Record<string, NumaPlacement | null>;
}
export type GrantAnswer = HostGrant | { refused: string };
export interface SelectHostsAnswer { clusterId: string; grants: Record<string, GrantAnswer> }

export const DrsApplyRequest = z.object({ clusterId: Id, recommendationId: z.string().min(1).max(200), ...trace });
export type DrsApplyRequest = z.infer<typeof DrsApplyRequest>;
export interface DrsApplyAnswer {
  clusterId: string; recommendationId: string; vmId: string; fromHostId: string; toHostId: string; migrationId: string | null; alreadyApplied: boolean;
}

const Counts = z.record(z.string().min(1), z.number().int().min(0));
export const CpuModesRequest = z.object({
  hostId: Id.optional(),
  vmId: Id.optional(),
  mix: z.strictObject({ kernel: Counts, user: Counts.optional() }).optional(),
  mode: z.enum(['native', 'trap-and-emulate', 'full', 'paravirtual', 'hardware-assisted']).optional(),
});
export type CpuModesRequest = z.infer<typeof CpuModesRequest>;

export interface SchedulerTickAnswer { events: number; stats: object }

export const scheduler = {
  place: sagaStep('scheduler.place', PlaceRequest, { reply: reply<PlaceAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'] }),
  releasePlacement: rpc('scheduler.release-placement', ReleasePlacementRequest, { reply: reply<ReleasePlacementAnswer>(), idempotent: true }),
  selectHost: rpc('scheduler.select-host', SelectHostRequest, { reply: reply<SelectHostAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'], idempotent: true }),
  selectHosts: rpc('scheduler.select-hosts', SelectHostsRequest, { reply: reply<SelectHostsAnswer>(), errors: ['not-found'], idempotent: true }),
  drsRecommendations: rpc('scheduler.drs-recommendations', ClusterQuery, { reply: reply<ViewAnswer>(), errors: ['not-found'], idempotent: true }),
  drsApply: rpc('scheduler.drs-apply', DrsApplyRequest, { reply: reply<DrsApplyAnswer>(), errors: ['not-found', 'conflict', 'unprocessable'], idempotent: true }),
  cpuModes: rpc('scheduler.cpu-modes', CpuModesRequest, { reply: reply<ViewAnswer>(), errors: ['not-found'], idempotent: true }),
  tick: rpc('scheduler.tick', TickRequest, { reply: reply<SchedulerTickAnswer>(), idempotent: true }),
  ...viewSubjects('scheduler'),
  ...stateSubjects('scheduler'),
} as const;
