// Payloads of the scheduler's subjects (docs/service-kit.md, contract table). Objects strip unknown keys:
// callers are other services, and a field added on their side must not break a saga step.
import { Id } from '@virtsim/contracts';
import { z } from 'zod';

const trace = { correlationId: z.string().min(1).optional(), causationId: z.string().min(1).optional() };

export const PlaceRequest = z.object({ vmId: Id, idempotencyKey: z.string().min(1).optional(), ...trace });
export type PlaceRequest = z.infer<typeof PlaceRequest>;

export const ReleaseRequest = z.object({ vmId: Id, idempotencyKey: z.string().min(1).optional(), reason: z.string().min(1).optional(), ...trace });
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

export const SelectHostRequest = z.object({ vmId: Id, excludeHosts: z.array(Id).max(1024).optional(), preferHost: Id.optional(), ...trace });
export type SelectHostRequest = z.infer<typeof SelectHostRequest>;

export const SelectHostsItem = z.object({
  key: z.string().min(1),
  vmIds: z.array(Id).min(1).max(8000),
  vcpus: z.number().int().min(0).optional(),
  memoryMiB: z.number().min(0).optional(),
  excludeHosts: z.array(Id).max(1024).default([]),
  preferHost: Id.optional(),
});
export type SelectHostsItem = z.infer<typeof SelectHostsItem>;
export const SelectHostsRequest = z.object({ clusterId: Id, requests: z.array(SelectHostsItem).max(8000), ...trace });
export type SelectHostsRequest = z.infer<typeof SelectHostsRequest>;

export const ClusterRequest = z.object({ clusterId: Id, ...trace });
export type ClusterRequest = z.infer<typeof ClusterRequest>;

export const DrsApplyRequest = z.object({ clusterId: Id, recommendationId: z.string().min(1), ...trace });
export type DrsApplyRequest = z.infer<typeof DrsApplyRequest>;

export const TickRequest = z.object({ tick: z.number().int().min(0), simTime: z.number().min(0), tickSeconds: z.number().positive(), ...trace });
export type TickRequest = z.infer<typeof TickRequest>;

export const VmRequest = z.object({ vmId: Id });
export const HostRequest = z.object({ hostId: Id });

const Counts = z.record(z.string().min(1), z.number().int().min(0));
export const CpuModesRequest = z.object({
  hostId: Id.optional(),
  vmId: Id.optional(),
  mix: z.strictObject({ kernel: Counts, user: Counts.optional() }).optional(),
  mode: z.enum(['native', 'trap-and-emulate', 'full', 'paravirtual', 'hardware-assisted']).optional(),
});
export type CpuModesRequest = z.infer<typeof CpuModesRequest>;
