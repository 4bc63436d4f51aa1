// Payloads of the io-backend subjects (docs/service-kit.md contract table), validated with zod at the boundary.
import { Id } from '@virtsim/contracts';
import { z } from 'zod';

const trace = {
  correlationId: z.string().min(1).max(200).optional(),
  causationId: z.string().min(1).max(200).optional(),
};
const idempotent = { ...trace, idempotencyKey: z.string().min(1).max(200).optional() };

export const AttachRequest = z.strictObject({ vmId: Id, ...idempotent });
export const ReleaseRequest = z.strictObject({ vmId: Id, reason: z.string().min(1).max(200).optional(), ...idempotent });
export const CheckPowerOnRequest = z.strictObject({ vmId: Id, hostId: Id.optional(), ...idempotent });
export const CanMigrateRequest = z.strictObject({ vmId: Id, targetHostId: Id.optional(), ...trace });
export const EquivalentFreeRequest = z.strictObject({ vmId: Id, hostId: Id, ...trace });
export const InstallToolsRequest = z.strictObject({ vmId: Id, ...idempotent });
export const TickRequest = z.strictObject({
  tick: z.number().int().min(0), simTime: z.number().min(0).finite(), tickSeconds: z.number().positive().finite(), ...trace,
});
export const VmQuery = z.strictObject({ vmId: Id, ...trace });
export const HostQuery = z.strictObject({ hostId: Id, ...trace });

export type AttachRequest = z.infer<typeof AttachRequest>;
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;
export type CheckPowerOnRequest = z.infer<typeof CheckPowerOnRequest>;
export type CanMigrateRequest = z.infer<typeof CanMigrateRequest>;
export type EquivalentFreeRequest = z.infer<typeof EquivalentFreeRequest>;
export type InstallToolsRequest = z.infer<typeof InstallToolsRequest>;
export type TickRequest = z.infer<typeof TickRequest>;
export type VmQuery = z.infer<typeof VmQuery>;
export type HostQuery = z.infer<typeof HostQuery>;
